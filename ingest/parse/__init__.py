"""Pages → Article records: decoding, then one parser per page form (text dump, HTML)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ingest.model import Article, PageError

# the control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) but line breaks, tab and form feed that
# mark binary content; one regex pass, as asking unicodedata about every character cost more than the decoding
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

# a page may open with an XML declaration or comments before its markup
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype html|<html|<head|<body|<article|<div|<p[ >])",
                         re.I | re.S)


def decode_page(raw: bytes) -> str:
    """Bytes → text. UTF-8 (with or without BOM) or UTF-16 with BOM; a clear PageError otherwise."""
    if not raw.strip():
        raise PageError("empty page")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as err:
            raise PageError(f"not UTF-16 although it starts with a UTF-16 mark: {err.reason} at offset {err.start}") from None
    elif b"\x00" in raw[:4096]:
        raise PageError("binary content (NUL bytes), not a text page")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise PageError(
                f"not UTF-8: byte 0x{raw[err.start]:02x} at offset {err.start} (wrong encoding, e.g. Latin-1?)"
            ) from None
    controls = len(_CONTROLS.findall(text, 0, 4096))
    if controls > 8:
        raise PageError(f"binary content ({controls} control characters), not a text page")
    if "\ufffd" in text[:4096] and text.count("\ufffd") > 8:
        raise PageError("garbled text (replacement characters), wrong encoding")
    return unicodedata.normalize("NFC", text)


def is_html(raw: bytes) -> bool:
    return bool(_HTML_START.match(raw[:2048].lstrip(b"\xef\xbb\xbf")))


def parse_page(raw: bytes, url: str | None = None, known_authors: frozenset[str] = frozenset()) -> Article:
    """One raw page → Article, or PageError (ListingPage for listings) naming the reason."""
    parse_html, parse_text = _parsers()
    if is_html(raw):
        return parse_html(decode_page(raw), url, known_authors)
    return parse_text(decode_page(raw), url, known_authors)


@lru_cache(maxsize=1)
def _parsers() -> tuple:
    """The two parsers, imported when the first page comes (the HTML parser's libraries take a while to load);
    once, not at every page (the two import statements cost ~1.7 µs a page)."""
    from ingest.parse.html import parse_html
    from ingest.parse.text import parse_text

    return parse_html, parse_text
