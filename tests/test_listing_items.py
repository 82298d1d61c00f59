"""Listing pages name articles: their items (title, kicker, teaser, byline, date, link), one form at a time."""
from pathlib import Path

import pytest

from ingest.model import ListingPage
from ingest.parse import parse_page
from ingest.parse.listing import listing_items

LISTING = Path(__file__).parent / "fixtures" / "pages" / "listing"
SITE = "https://www.jungewelt.de"


def item(title, kicker=None, teaser=None, authors=(), place=None, date=None, link=None) -> dict:
    return {"title": title, "kicker": kicker, "teaser": teaser, "authors": list(authors),
            "author_place": place, "date": date, "link": link}


def items_of(name: str, url: str | None = None) -> list[dict]:
    with pytest.raises(ListingPage) as caught:
        parse_page((LISTING / name).read_bytes(), url=url)
    return caught.value.items


EDITION = [
    item("Kein Ende in Sicht", "Ukraine-Krieg", "Westliche Staaten kündigen weitere Waffenlieferungen an",
         ["Karla Beispiel"], date="2023-03-31"),
    item("Warnstreiks im Nahverkehr", "Tarifrunde", "Beschäftigte legen in mehreren Städten die Arbeit nieder",
         ["Tom Beispiel"], "Stuttgart", "2023-03-31"),
    item("»Das reicht nicht«", "Klimapolitik", "Umweltverbände kritisieren Gesetzentwurf",
         ["Jan Beispiel"], date="2023-03-31"),
]


def test_edition_index():
    assert items_of("edition_index.txt") == EDITION + [
        item("Blockade verschärft", "Nahost", "Hilfsorganisationen warnen vor Hungersnot im Gazastreifen",
             ["Lena Probe", "Ben Muster"], date="2023-03-31"),
        item("Rentenkasse: Überschuss im Februar", date="2023-03-31"),
        item("Hamburg: Hafenstreik angekündigt", date="2023-03-31"),
    ]


def test_edition_index_html_links_each_title():
    links = [
        "/artikel/448123.kein-ende-in-sicht.html",
        "/artikel/448124.warnstreiks-im-nahverkehr.html",
        "/artikel/448125.das-reicht-nicht.html",
    ]
    assert items_of("edition_index.html") == [dict(i, link=SITE + link) for i, link in zip(EDITION, links)] + [
        item("Rentenkasse: Überschuss im Februar", date="2023-03-31",
             link=SITE + "/artikel/448130.rentenkasse-%C3%BCberschuss-im-februar.html"),
        item("Hamburg: Hafenstreik angekündigt", date="2023-03-31",
             link=SITE + "/artikel/448131.hafenstreik-angek%C3%BCndigt.html"),
    ]


def test_section_listing():
    assert items_of("section_listing.txt", f"{SITE}/aktuell/rubrik/ausland.php") == [
        item("Regierung unter Druck", "Proteste", "Tausende fordern Rücktritt des Premiers",
             ["Karl Muster"], date="2020-07-10"),
        item("Schüsse am Fluss", "Grenzkonflikt", "Zwei Tote bei Zwischenfall", ["Lena Probe"], date="2020-07-09"),
        item("Blockade im Hafen", "Italien", "Gewerkschaft verhindert Verladung von Munition",
             ["Anna Probe", "Ben Muster"], "Genua", "2020-07-09"),
    ]


def test_column_listing_has_no_kickers():
    expected = [
        item("Neujahrsgrüße", teaser="Was das neue Jahr den Lohnabhängigen bringt", authors=["Karl Muster"],
             date="2025-01-02"),
        item("Die Weihnachtsgans", authors=["Karl Muster"], date="2024-12-19"),
        item("Kalte Füße", teaser="Über Heizkosten und andere Zumutungen des Winters", authors=["Karl Muster"],
             date="2024-12-12"),
    ]
    assert items_of("column_listing.txt") == expected
    assert items_of("column_listing.txt", f"{SITE}/kolumne/3.der-kolumnist.html") == expected


def test_culture_listing_city_kickers():
    assert items_of("culture_listing.txt", f"{SITE}/kultur/theater.php?start=10") == [
        item("Brecht ohne Pathos", "Berlin", "Das Berliner Ensemble zeigt die »Mutter Courage« als Kammerspiel",
             ["Karla Beispiel"]),
        item("Die Weber, neu gewebt", "Frankfurt am Main", authors=["Tom Beispiel"]),
        item("Ein Abend für Heiner Müller", "Leipzig", "Das Schauspiel erinnert an den Dramatiker", ["Lena Probe"]),
    ]


def test_dossier_items_end_with_a_bare_author():
    # `Zuletzt aktualisiert` dates the dossier, not its articles
    assert items_of("dossier.txt") == [
        item("Die Rente ist sicher – nur nicht für alle", teaser="Über das Absinken des Rentenniveaus",
             authors=["Karla Beispiel"]),
        item("Altersarmut in Zahlen", authors=["Tom Beispiel"]),
        item("»Mit 67 ist Schluss«", teaser="Gewerkschaften gegen die Rente mit 70", authors=["Lena Probe"]),
    ]


def test_letters_name_the_article_they_answer():
    # the letter writers are not the article's authors; two letters on one article give one item
    assert items_of("letters.txt") == [
        item("Wahlkampf im Nebel", date="2019-05-28"),
        item("»Das reicht nicht«", date="2019-05-31"),
    ]


def test_supplement_index():
    assert items_of("supplement_index.txt") == [
        item("Bücher gegen den Krieg", "Literatur", "Eine Auswahl antimilitaristischer Neuerscheinungen",
             ["Karl Muster"], date="2025-04-02"),
        item("Verse aus Gaza", "Lyrik", "Palästinensische Dichterinnen und Dichter in neuer Übersetzung",
             ["Lena Probe"], date="2025-04-02"),
    ]


def test_quote_of_the_day_names_no_article():
    assert items_of("quote_of_the_day.txt") == []


MASTHEAD = [
    "Links & bündig: Jetzt bestellen!",
    "Gegründet 1947 Sa. / So., 05. / 6. April 2025, Nr. 81",
    "Die junge Welt wird von 3063GenossInnen herausgegeben",
    "Links & bündig: Jetzt bestellen! Links & bündig: Jetzt bestellen!",
    "Links & bündig: Jetzt bestellen!",
]


def test_masthead_lines_are_never_items():
    assert listing_items(MASTHEAD + ["Ausland", "10.07.2020"], None) == []


def test_item_date_is_never_the_masthead_date():
    lines = MASTHEAD + ["Tarifrunde", "Warnstreiks im Nahverkehr", "Von Tom Beispiel"]
    assert listing_items(lines, f"{SITE}/aktuell/rubrik/inland.php")[0]["date"] is None
    assert listing_items(lines, f"{SITE}/2023/03-31/index.php")[0]["date"] == "2023-03-31"


def test_truncated_teaser_before_a_byline_is_no_caption():
    lines = ["09.07.2020", "Soldaten an der Grenze ...", "Grenzkonflikt", "Schüsse am Fluss",
             "Zwei Tote bei einem Zwischenfall am ...", "Von Lena Probe"]
    assert listing_items(lines, None) == [
        item("Schüsse am Fluss", "Grenzkonflikt", "Zwei Tote bei einem Zwischenfall am ...", ["Lena Probe"],
             date="2020-07-09")]


def test_markdown_links_in_a_text_dump():
    lines = ["Tarifrunde", "[Warnstreiks im Nahverkehr](/artikel/448124.warnstreiks.html)", "Von Tom Beispiel"]
    assert listing_items(lines, f"{SITE}/2023/03-31/index.php")[0]["link"] == f"{SITE}/artikel/448124.warnstreiks.html"


def test_link_is_left_open_when_anchors_disagree():
    lines = ["Tarifrunde", "Warnstreiks im Nahverkehr", "Von Tom Beispiel"]
    links = [("Warnstreiks im Nahverkehr", "/artikel/1.a.html"), ("Warnstreiks im Nahverkehr", "/artikel/2.b.html")]
    assert listing_items(lines, None, links)[0]["link"] is None
    assert listing_items(lines, None, [])[0]["link"] is None


def test_relative_links_resolve_against_the_page():
    lines = ["Leserbrief zum Artikel Wahlkampf im Nebel vom 28.05.2019:", "Wer profitiert?"]
    links = [("Wahlkampf im Nebel", "../../artikel/354012.wahlkampf-im-nebel.html")]
    url = "https://jungewelt.de/aktuell/rubrik/leserbriefe.php?letterId=7"
    assert listing_items(lines, url, links) == [
        item("Wahlkampf im Nebel", date="2019-05-28",
             link="https://jungewelt.de/artikel/354012.wahlkampf-im-nebel.html")]


def test_quote_of_the_day_inside_an_edition_index_is_skipped():
    lines = ["Zitat des Tages vom 31.03.2023", "»Die Geschichte ist kein Supermarkt.«", "Anna Beispiel, Historikerin",
             "Tarifrunde", "Warnstreiks im Nahverkehr", "Von Tom Beispiel"]
    assert listing_items(lines, f"{SITE}/2023/03-31/index.php") == [
        item("Warnstreiks im Nahverkehr", "Tarifrunde", authors=["Tom Beispiel"], date="2023-03-31")]
