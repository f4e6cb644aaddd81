"""Bytes to text: refuse what is not HTML, then pick the encoding the way a careful browser would."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

from pipeline.errors import ExtractError

logger = logging.getLogger(__name__)

# magic numbers of formats a crawler meets instead of HTML
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (office document?)",
    b"\x1f\x8b": "gzip-compressed data",
    b"\xd0\xcf\x11\xe0": "an old MS Office document",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-z0-9_.\-]+)""",
    re.IGNORECASE,
)
# WHATWG: labels that browsers decode as windows-1252
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "iso-8859-15"}
_SNIFF = 4096
# more undecodable sequences than this in a page declared UTF-8: the declaration is wrong
MAX_BROKEN_UTF8 = 3


def to_text(html: bytes | str, url: str) -> str:
    """Return the page as str; raise ExtractError for binary formats and undecodable bytes."""
    if isinstance(html, str):
        _refuse_binary(html[:8].encode("latin-1", "replace"), url)
        if "\x00" in html[:_SNIFF]:
            raise ExtractError("binary content (NUL characters), not HTML", url=url)
        return html
    if not isinstance(html, bytes | bytearray):
        raise ExtractError(f"expected bytes or str, got {type(html).__name__}", url=url)
    return decode(bytes(html), url)


def decode(raw: bytes, url: str) -> str:
    """BOM, then valid UTF-8, then the declared charset, then charset-normalizer's guess."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")
    _refuse_binary(raw[:8], url)
    if b"\x00" in raw[:_SNIFF]:
        raise ExtractError("binary content (NUL bytes), not HTML", url=url)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return raw[: exc.start].decode("utf-8")  # a truncated download cut a character in two
    # valid UTF-8 almost never happens by accident, so any other encoding comes after it
    declared = declared_charset(raw)
    if declared == "utf-8":
        text = raw.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= MAX_BROKEN_UTF8:
            return text  # a few broken bytes in a UTF-8 page stay broken, as in a browser
        logger.debug("%s: declared UTF-8 but is not; guessing", url)  # a legacy page with a new template
    if declared:
        try:
            return raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            logger.debug("%s: declared charset %s does not fit", url, declared)
    return _guess(raw, url)


def declared_charset(raw: bytes) -> str | None:
    """The charset a <meta> or XML declaration names in the first bytes, as a Python codec name."""
    match = _DECLARED.search(raw[:_SNIFF])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _guess(raw: bytes, url: str) -> str:
    """charset-normalizer on a sample; windows-1252 when it has no idea (the usual German legacy)."""
    sample = raw if len(raw) < 20_000 else raw[:10_000] + raw[-10_000:]
    best = from_bytes(sample).best()
    encoding = best.encoding if best is not None else "cp1252"
    logger.debug("%s: guessed encoding %s", url, encoding)
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("cp1252", errors="replace")


def _refuse_binary(head: bytes, url: str) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise ExtractError(f"not HTML but {what}", url=url)
