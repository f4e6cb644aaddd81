"""Bytes to text: refuse what is not HTML, then pick the encoding the way a careful browser would."""

from __future__ import annotations

import logging

from pipeline.charset import BOMS, decode_body
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
_SNIFF = 4096


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
    """Refuse binary formats, keep a UTF-8 page whose download cut its last character in two, and
    leave the choice of encoding to the one decoder the crawler uses too (pipeline.charset)."""
    if not any(raw.startswith(bom) for bom, _ in BOMS):
        _refuse_binary(raw[:8], url)
        if b"\x00" in raw[:_SNIFF]:
            raise ExtractError("binary content (NUL bytes), not HTML", url=url)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return raw[: exc.start].decode("utf-8")
    text, encoding = decode_body(raw)
    logger.debug("%s: decoded as %s", url, encoding)
    return text


def _refuse_binary(head: bytes, url: str) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise ExtractError(f"not HTML but {what}", url=url)
