"""HTML article pages: fields from the markup, the body as Markdown, page chrome dropped."""
from pathlib import Path

import pytest

from ingest.model import ListingPage
from ingest.parse import is_html, parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages" / "html"


@pytest.fixture(scope="module")
def article():
    return parse_page((PAGES / "article.html").read_bytes())


def test_detected_as_html():
    assert is_html((PAGES / "article.html").read_bytes())
    assert not is_html(b"Gegr\xc3\xbcndet 1947 <b>")


def test_head_fields(article):
    assert article.shape == "html-generic"
    assert article.url == "https://www.jungewelt.de/artikel/412345.hafenarbeiter-blockieren.html"
    assert article.kicker == "Italien"
    assert article.title == "Hafenarbeiter blockieren Waffenfracht"
    assert article.teaser == "Gewerkschaft in Genua ruft zu Protesten gegen Rüstungsexporte auf"
    assert article.published == "2024-04-24"
    assert article.print_edition_date == "2024-04-24"
    assert article.print_page == 7
    assert article.section == "Ausland"
    assert article.page_kind == "print"
    assert article.authors == ["Lisa Beispiel"]
    assert article.author_place == "Genua"
    assert article.image == "178123.jpg"
    assert article.caption == "Bleibt an der Kaimauer: Ein Frachter im Hafen von Genua (Archivbild)"
    assert article.dateline is None
    assert article.agencies == []
    assert article.paywalled is False
    assert article.article_length is None


def test_body_is_markdown(article):
    assert article.body_markdown == (
        "Die Hafenarbeiter in Genua haben am Dienstag die Verladung eines Frachters verhindert. Nach Angaben der "
        "Gewerkschaft sollten *Munition und Ersatzteile* verschifft werden.\n\n"
        "## Breite Unterstützung\n\n"
        "Unterstützt wird der Protest von einem [Bündnis aus Friedensgruppen](https://example.org/buendnis). "
        "Man werde »jede weitere Lieferung blockieren«, sagte ein Sprecher."
    )
    assert article.word_count == 42  # link targets are not words


@pytest.mark.parametrize("chrome", [
    "dataLayer", "trackScroll", "display: none", "Startseite", "Anzeige", "Reise buchen", "Newsletter",
    "links & bündig", "© junge Welt", "Gegründet 1947", "Aus: Ausgabe vom", "Von Lisa Beispiel", "Italien",
    "178123.jpg", "Kaimauer",
])
def test_chrome_dropped(article, chrome):
    assert chrome not in article.body_markdown


def test_paywalled_html():
    article = parse_page((PAGES / "article_paywall.html").read_bytes(), url="https://www.jungewelt.de/artikel/1.x.html")
    assert article.url == "https://www.jungewelt.de/artikel/1.x.html"
    assert article.title == "Die Rückkehr der Wohnungsnot"
    assert article.teaser == "Mieten in München steigen weiter"
    assert article.authors == ["Tom Beispiel"]
    assert article.published == "2023-11-04T09:30:00+01:00"
    assert article.section is None
    assert article.page_kind is None
    assert article.paywalled is True
    assert article.article_length == 8120
    assert article.body_markdown == (
        "Wer in München eine Wohnung sucht, braucht Geduld und Geld. Auf eine Besichtigung in Schwabing kamen mehr "
        "als hundert Interessenten ..."
    )


def test_html_dateline_and_marker():
    article = parse_page((PAGES / "article_d2_dateline.html").read_bytes())
    assert article.title == "Berlin: Kundgebung vor dem Kanzleramt"
    assert article.published == "2009-03-12"
    assert article.print_page == 4
    assert article.section == "Inland"
    assert article.page_kind == "print"
    assert article.dateline == "Berlin"
    assert article.agencies == ["dpa", "jW"]
    assert article.paywalled is False
    assert article.body_markdown == (
        "Rund 300 Menschen haben am Mittwoch vor dem Kanzleramt ein Ende der Waffenexporte gefordert."
    )


def test_html_without_h1_reads_as_text():
    raw = ("<html><body><article><p>Aus: Ausgabe vom 09.10.2023, Seite 1 / Ausland</p>"
           "<p>Nacht der Luftangriffe</p>"
           "<p>Gaza-Stadt. In der Nacht sind mindestens 40 Menschen getötet worden. (Reuters/AFP/jW)</p>"
           "</article></body></html>").encode()
    article = parse_page(raw)
    assert article.shape == "html-generic"
    assert article.title == "Nacht der Luftangriffe"
    assert article.published == "2023-10-09"
    assert article.dateline == "Gaza-Stadt"
    assert article.agencies == ["Reuters", "AFP", "jW"]
    assert article.body_markdown == "In der Nacht sind mindestens 40 Menschen getötet worden."


def test_html_listing():
    raw = ("<html><body><main><h1>Ausland</h1>"
           + "".join(f"<div><h2>Titel {n}</h2><p>Von Karl Muster</p></div>" for n in range(4))
           + "</main></body></html>").encode()
    with pytest.raises(ListingPage):
        parse_page(raw)
