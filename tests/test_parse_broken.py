"""Pages that are not articles: listings raise ListingPage, broken bytes raise PageError with a reason."""
from pathlib import Path

import pytest

from ingest.model import ListingPage, PageError
from ingest.parse import decode_page, parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.mark.parametrize("name, reason", [
    ("edition_index.txt", "edition index"),
    ("section_listing.txt", "listing page"),
    ("letters.txt", "letters listing"),
    ("quote_of_the_day.txt", "quote of the day"),
    ("dossier.txt", "dossier listing"),
    ("column_listing.txt", "listing page"),
])
def test_listing_pages_by_content(name, reason):
    with pytest.raises(ListingPage, match=reason):
        parse_page((PAGES / "listing" / name).read_bytes())


@pytest.mark.parametrize("url", [
    "https://www.jungewelt.de/2023/03-31/index.php",
    "https://www.jungewelt.de/aktuell/rubrik/ausland.php",
    "https://www.jungewelt.de/aktuell/rubrik/leserbriefe.php?letterId=1234",
    "https://www.jungewelt.de/bibliothek/zitat/?id=55",
    "https://www.jungewelt.de/bibliothek/dossier/12",
    "https://www.jungewelt.de/kolumne/3.der-kolumnist.html",
    "https://www.jungewelt.de/beilage/beilage/88",
    "https://www.jungewelt.de/blogs/wir-veraendern-die-welt/?start=10",
])
def test_listing_pages_by_url(url):
    with pytest.raises(ListingPage, match="listing page"):
        parse_page((PAGES / "s5_berlin_dpa.txt").read_bytes(), url=url)


def test_listing_is_a_page_error():
    assert issubclass(ListingPage, PageError)


@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "empty page"),
    ("whitespace.txt", "empty page"),
    ("image.bin", "binary content"),
    ("latin1.txt", "not UTF-8: byte 0xfc at offset 4"),
    ("masthead_only.txt", "no headline"),
])
def test_broken_pages(name, reason):
    with pytest.raises(PageError, match=reason) as caught:
        parse_page((PAGES / "broken" / name).read_bytes())
    assert not isinstance(caught.value, ListingPage)


def test_control_characters_are_binary():
    with pytest.raises(PageError, match="binary content"):
        parse_page(bytes(range(1, 32)) * 20)


def test_utf16_with_bom_decodes():
    raw = (PAGES / "s5_berlin_dpa.txt").read_text(encoding="utf-8").encode("utf-16")
    assert parse_page(raw).title == "Berlin: Tausende bei Mieterdemo"


def test_utf8_bom_and_crlf():
    raw = b"\xef\xbb\xbf" + (PAGES / "s5_berlin_dpa.txt").read_bytes().replace(b"\n", b"\r\n")
    article = parse_page(raw)
    assert article.title == "Berlin: Tausende bei Mieterdemo"
    assert article.agencies == ["dpa", "jW"]


def test_decomposed_umlauts_are_normalised():
    text = decode_page("Gegru\u0308ndet".encode())
    assert text == "Gegründet"


def test_cut_mid_line_is_a_truncated_article():
    article = parse_page((PAGES / "broken" / "cut_midline.txt").read_bytes())
    assert article.title == "Wahlkampf im Nebel"
    assert article.teaser == "Opposition in Ruritanien klagt über Behinderungen"
    assert article.authors == ["Karla Beispiel"]
    assert article.published == "2016-06-28"
    assert article.body_markdown == "Vier Wochen vor der Parlamentswahl in Ruritanien häufen sich die Beschwer"
    assert article.paywalled is None


def test_cut_in_the_header_keeps_what_is_there():
    raw = (PAGES / "s1_d2_banner_weekday.txt").read_bytes()
    head = raw[: raw.index("Wahlkampf".encode()) + len("Wahlkampf im")]
    article = parse_page(head)
    assert article.title == "Wahlkampf im"
    assert article.body_markdown is None
    assert article.published == "2016-06-28"


def test_truncated_utf16_is_a_page_error():
    with pytest.raises(PageError, match="UTF-16"):
        decode_page(b"\xff\xfeA\x00B")


@pytest.mark.parametrize("opening", ["<!-- saved by the crawler -->\n", '<?xml version="1.0" encoding="utf-8"?>\n'])
def test_html_after_a_comment_or_xml_declaration_is_html(opening):
    page = (PAGES / "html" / "layout_b_plain.html").read_text("utf-8")
    article = parse_page((opening + page).encode("utf-8"))
    assert article.shape == "html-b" and article.title
