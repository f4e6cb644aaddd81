"""Bytes to text for HTML pages: the declared encoding where it holds, detection where it does not.

Order (WHATWG's, which is what browsers do, so it is what authors test against): a byte-order mark,
the HTTP `charset`, an XML declaration, a `<meta charset>` in the first 4 KB, then detection with
charset-normalizer. A declaration is only believed when the bytes decode under it; ISO-8859-1 is
read as Windows-1252 (as browsers do, so „typographic quotes“ survive); and a page declared as a
single-byte encoding whose bytes are valid multi-byte UTF-8 is read as UTF-8 — the classic
"Ã¼ instead of ü" misconfiguration.
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)

SNIFF_BYTES = 4096
BOMS = [  # UTF-32 before UTF-16: the UTF-32-LE mark begins with the UTF-16-LE one
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}  # codecs names; browsers read both as cp1252
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
# a page that is UTF-8 but for a few broken sequences stays UTF-8 (as in a browser); more: not UTF-8
MAX_BROKEN_UTF8 = 3
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def header_charset(content_type: str) -> str | None:
    """The `charset` parameter of a Content-Type header, if any."""
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _normalise(name: str | None) -> str | None:
    if not name:
        return None
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        logger.debug("unknown charset %r", name)
        return None
    return ALIASES.get(canonical, canonical)


def declared_encodings(body: bytes, content_type: str = "") -> list[str]:
    """The encodings the response itself names, most authoritative first."""
    head = body[:SNIFF_BYTES]
    found = [enc for bom, enc in BOMS if body.startswith(bom)]
    found.append(header_charset(content_type) or "")
    xml = _XML_DECL.search(head)
    meta = _META.search(head)
    found += [xml.group(1).decode("ascii") if xml else "", meta.group(1).decode("ascii") if meta else ""]
    names = [_normalise(name) for name in found]
    return list(dict.fromkeys(n for n in names if n))


def _decodes(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        pass
    if encoding == "utf-8":
        text = body.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= MAX_BROKEN_UTF8:
            return text
    return None


def _looks_utf8(body: bytes) -> bool:
    """Strictly valid UTF-8 with multi-byte sequences: a single-byte declaration is then wrong."""
    if not _UTF8_MULTIBYTE.search(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Return (text, encoding used); never raises: the last resort replaces undecodable bytes."""
    for bom, enc in BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace"), enc
    for encoding in declared_encodings(body, content_type):
        if encoding != "utf-8" and codecs.lookup(encoding).name != "utf-16" and _looks_utf8(body):
            logger.debug("declared %s but the bytes are UTF-8", encoding)
            return body.decode("utf-8"), "utf-8"
        text = _decodes(body, encoding)
        if text is not None:
            return text, encoding
    return _detect(body)


def _detect(body: bytes) -> tuple[str, str]:
    """No usable declaration: UTF-8 if it decodes, else charset-normalizer, else Windows-1252."""
    text = _decodes(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    best = from_bytes(body[:200_000]).best()
    encoding = _normalise(best.encoding if best else None) or "cp1252"
    if encoding not in ("cp1252", "iso8859-15", "utf-8") and _decodes(body, "cp1252") is not None:
        # Detection on short German text wavers between the Latin code pages; for a site about
        # Germany, Windows-1252 (a superset of ISO-8859-1) is the safer reading of umlauts.
        logger.debug("detected %s, reading as cp1252", encoding)
        encoding = "cp1252"
    return body.decode(encoding, errors="replace"), encoding
