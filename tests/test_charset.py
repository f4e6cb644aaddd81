"""The one decoder the crawler and extract_article share (pipeline.charset)."""

from __future__ import annotations

import codecs

from pipeline.charset import decode_body
from pipeline.extract import extract_article

PAGE = '<html><head><meta charset="utf-8"><title>Grüße aus Köln</title></head><body><p>{}</p></body></html>'


def test_a_utf8_page_with_a_few_broken_bytes_stays_utf8() -> None:
    body = PAGE.format("Das InsurLab in Köln wächst weiter.").encode() + b"\xff\xfe"
    text, encoding = decode_body(body, "text/html; charset=utf-8")
    assert encoding == "utf-8" and "Köln wächst" in text


def test_a_utf32_byte_order_mark_is_not_read_as_utf16() -> None:
    body = codecs.BOM_UTF32_LE + PAGE.format("Dresden").encode("utf-32-le")
    text, encoding = decode_body(body)
    assert encoding == "utf-32-le" and "Grüße aus Köln" in text


def test_extract_article_decodes_bytes_like_the_crawler() -> None:
    paragraph = "Der Smart Systems Hub in Dresden eröffnet ein Büro für Gründerinnen und Gründer. " * 6
    body = PAGE.replace('charset="utf-8"', 'charset="iso-8859-1"').format(paragraph).encode("cp1252")
    article = extract_article(body, "https://example.org/a")
    assert "eröffnet ein Büro für Gründerinnen" in article.text
