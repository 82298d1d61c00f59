"""The bundled seed page (S1, Online Extra, D3 header) parses to its exact record."""
from pathlib import Path

import pytest

from ingest.parse import parse_page

SEED = Path(__file__).parent.parent / "data" / "raw" / "jw-2025-02-12-trump-putin.txt"
URL = "https://www.jungewelt.de/artikel/494012.trump-telefoniert-mit-putin.html"


@pytest.fixture(scope="module")
def seed():
    return parse_page(SEED.read_bytes(), url=URL)


def test_seed_header_fields(seed):
    assert seed.url == URL
    assert seed.title == "Trump telefoniert mit Putin: Einladung nach Moskau"
    assert seed.kicker is None
    assert seed.teaser is None
    assert seed.published == "2025-02-12T18:46:06+01:00"
    assert seed.print_edition_date is None
    assert seed.print_page is None
    assert seed.section == "Ausland"
    assert seed.page_kind == "online_extra"
    assert seed.shape == "S1"


def test_seed_byline_dateline_agencies(seed):
    assert seed.authors == []
    assert seed.author_place is None
    assert seed.dateline == "Washington"
    assert seed.agencies == ["dpa", "jW"]


def test_seed_image_and_caption(seed):
    assert seed.image == "Trump_Putin_85015655.jpg"
    assert seed.caption == (
        "Wollen in Verhandlungen über ein Ende des Ukraine-Krieges treten: Russlands Präsident "
        "Wladimir Putin und US-Präsident Donald Trump (Aufnahme v. 7.7.2017)"
    )


def test_seed_body(seed):
    body = seed.body_markdown
    assert body.startswith("US-Präsident Donald Trump hat mit dem russischen Präsidenten")
    assert body.endswith("und der Unterdrückung der russischsprachigen Bevölkerung.")
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[1].startswith("Trump schrieb, er habe ein »langes und sehr produktives« Telefonat")
    assert paragraphs[3].startswith("Putin habe Trump nach Moskau eingeladen.")
    for boilerplate in ("Gegründet 1947", "GenossInnen", "Links & bündig", "Online Extra", "12.02.2025",
                        "links & bündig gegen rechte Bünde", "Newsletter", "Mehr aus", "(dpa/jW)",
                        "Washington.", "Trump_Putin_85015655.jpg", "Wollen in Verhandlungen"):
        assert boilerplate not in body


def test_seed_tail(seed):
    assert seed.paywalled is False
    assert seed.article_length is None
    assert seed.word_count == 194


def test_seed_masthead_date_is_not_the_article_date(seed):
    # the masthead shows the crawl-day edition (13 February), the article is from the 12th
    assert not seed.published.startswith("2025-02-13")
