"""The real site's two HTML layouts (A: 2019–April 2026, B: since April 2026) and a layout of the future,
read from full invented pages with all their furniture: every field exact, no furniture in any body."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.model import Article, ListingPage, PageError
from ingest.parse import common as c
from ingest.parse import parse_page
from ingest.parse.html import Page, read_meta

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages" / "html"
ART = "https://www.jungewelt.de/artikel/"


def record(**fields) -> dict:
    """The full expected record: every field the case does not name is empty."""
    full = {
        "url": None, "title": None, "kicker": None, "teaser": None, "published": None,
        "print_edition_date": None, "print_page": None, "section": None, "page_kind": None,
        "authors": [], "author_place": None, "dateline": None, "agencies": [], "image": None,
        "image_credit": None, "caption": None, "body_markdown": None, "paywalled": False, "article_length": None,
        "shape": None, "topics": [], "disagreements": [],
    }
    unknown = set(fields) - set(full)
    assert not unknown, unknown
    full.update(fields)
    return full


CASES = {
    "layout_a_print_full": record(
        url=ART + "495117.streik-in-den-minen.html", shape="html-a",
        kicker="Peru", title="Streik in den Minen",
        teaser="Bergleute in Arequipa legen die Arbeit nieder. Sie fordern höhere Löhne und sichere Stollen",
        published="2025-03-13T19:30:04+01:00", print_edition_date="2025-03-14", print_page=6, section="Ausland",
        page_kind="print", authors=["Erika Muster", "Max Beispiel"], author_place="Lima",
        image="187345.jpg", image_credit="Juan Ejemplo/Reuters",
        caption="Vor dem Stolleneingang: Streikposten in der Region Arequipa (10.3.2025)",
        topics=["Peru", "Bergbau", "Gewerkschaften"],
        body_markdown=(
            "Seit Montag ruht die Arbeit in den großen Kupferminen im Süden Perus. Nach Angaben der "
            "Bergarbeitergewerkschaft beteiligen sich mehr als 12.000 Beschäftigte an dem unbefristeten Ausstand.\n\n"
            "Die Unternehmen hatten die Verhandlungen über einen neuen Tarifvertrag im Februar abgebrochen. Schon im "
            "vergangenen Jahr war es zu Protesten gekommen, über die wir unter dem Titel [»Kupfer für den Weltmarkt«]"
            "(https://www.jungewelt.de/artikel/494980.kupfer-fuer-den-weltmarkt.html) berichtet haben.\n\n"
            "### Drohung aus Lima\n\n"
            "Die Regierung reagierte mit Härte. Der Innenminister kündigte an, notfalls *den Ausnahmezustand* über die "
            "Provinz zu verhängen. Die Gewerkschaft nannte das eine **offene Provokation**.\n\n"
            "Unterstützung kommt von Bauernverbänden aus der Region, die seit Jahren gegen die Verschmutzung ihrer "
            "Flüsse durch die Minen protestieren.\n\n"
            "### Wer verdient am Kupfer?\n\n"
            "Die Gewinne der Betreiber haben sich nach Berechnungen eines Forschungsinstituts in Lima seit 2020 fast "
            "verdoppelt. Die Löhne stiegen im selben Zeitraum um weniger als zehn Prozent."),
    ),
    # online only: no issue line, an empty kicker box, no JSON-LD author, datePublished in UTC
    "layout_a_online": record(
        url=ART + "486931.mieter-gegen-konzern.html", shape="html-a", title="Mieter gegen Konzern",
        teaser="In Leipzig wehren sich Hunderte Haushalte gegen Mieterhöhungen nach einer Sanierung",
        published="2024-11-08T14:05:00+01:00", authors=["Max Beispiel"], topics=["Leipzig", "Mieten"],
        body_markdown=(
            "Rund 400 Mieterinnen und Mieter haben am Freitag vor der Leipziger Zentrale eines Wohnungskonzerns "
            "demonstriert. Nach der Modernisierung ihrer Häuser sollen sie bis zu 40 Prozent mehr Miete zahlen.\n\n"
            "»Wir lassen uns nicht aus unseren Vierteln vertreiben«, sagte eine Sprecherin der Mieterinitiative. "
            "Die Stadtverwaltung kündigte an, die Mieterhöhungen prüfen zu lassen."),
    ),
    # a supplement (`/ 0 / Seite 2 (Beilage)`); its JSON-LD is not JSON, so `published` is the edition's day
    "layout_a_supplement": record(
        url=ART + "500451.lesen-im-hinterhof.html", shape="html-a", kicker="Literatur", title="Lesen im Hinterhof",
        teaser="Ein Verlag in Halle bringt vergessene Arbeiterliteratur zurück in die Buchläden",
        published="2025-06-04", print_edition_date="2025-06-04", print_page=2, section="0", page_kind="beilage",
        authors=["Gisela Beispiel"], image="190021.jpg", image_credit="Verlag", topics=["Literatur", "Verlage"],
        body_markdown=(
            "Der Laden liegt in einem Hinterhof, zwischen Fahrradständern und einer Druckerei. Hier verlegen drei "
            "Leute Bücher, die seit Jahrzehnten niemand mehr gedruckt hat.\n\n"
            "Den Anfang machte ein Roman über eine Streikwoche im Mansfelder Land. Die erste Auflage war nach einem "
            "Monat verkauft."),
    ),
    "layout_b_print_full": record(
        url=ART + "522650.kupfer-streik-in-chile.html", shape="html-b", kicker="Chile",
        title="Kupferstreik in der Atacama",
        teaser="Bergleute fordern Anteil an Rekordgewinnen. Regierung lädt zu Gesprächen",
        published="2026-05-15T18:45:00+02:00", print_edition_date="2026-05-16", print_page=7, section="Ausland",
        page_kind="print", authors=["Ana Beispiel", "Jonas Muster"], author_place="Santiago",
        image="201234.jpg", image_credit="Pablo Ejemplo/AFP", caption="Streikposten vor der Mine Escondida (14.5.2026)",
        topics=["Chile", "Bergbau", "Gewerkschaften"],
        body_markdown=(
            "In den Kupferminen im Norden Chiles ist am Donnerstag ein landesweiter Streik angelaufen. Die "
            "Gewerkschaften der Bergleute fordern einen Anteil an den Rekordgewinnen der Betreiber.\n\n"
            "Die Regierung in Santiago hat beide Seiten zu Gesprächen eingeladen. Ein Treffen in der vergangenen Woche "
            "war nach wenigen Stunden *ohne Ergebnis* zu Ende gegangen.\n\n"
            "### Pan-amerikanische Solidarität\n\n"
            "Unterstützung erhalten die Streikenden von Gewerkschaften aus Peru und Bolivien. Schon im März hatten dort "
            "[Bergleute die Arbeit niedergelegt](https://www.jungewelt.de/artikel/495117.streik-in-den-minen.html).\n\n"
            "Ein Sprecher der Gewerkschaft sagte, man werde »so lange streiken wie nötig«. Die Betreiber kündigten an, "
            "Ersatzkräfte einzustellen."),
    ),
    # no kicker, no byline, no image; an empty `Author` meta
    "layout_b_plain": record(
        url=ART + "522950.weniger-geld-fuer-sozialwohnungen.html", shape="html-b",
        title="Weniger Geld für Sozialwohnungen", teaser="Haushaltsentwurf sieht Kürzungen beim Wohnungsbau vor",
        published="2026-05-19T20:10:00+02:00", print_edition_date="2026-05-20", print_page=4, section="Inland",
        page_kind="print", topics=["Wohnungsbau", "Bundeshaushalt"],
        body_markdown=(
            "Die Bundesregierung will die Mittel für den sozialen Wohnungsbau im kommenden Jahr kürzen. Das geht aus "
            "einem Entwurf des Haushalts hervor, der dieser Zeitung vorliegt.\n\n"
            "Sozialverbände kritisierten die Pläne scharf. Schon jetzt fehlten in den Großstädten Hunderttausende "
            "bezahlbare Wohnungen."),
    ),
    "layout_b_agency": record(
        url=ART + "524010.demonstration-fuer-hoehere-loehne.html", shape="html-b", kicker="Einzelhandel",
        title="Demonstration für höhere Löhne", teaser="Tausende Beschäftigte auf der Straße",
        published="2026-06-01T21:00:00+02:00", print_edition_date="2026-06-02", print_page=5, section="Inland",
        page_kind="print", dateline="Berlin", agencies=["dpa", "jW"], topics=["Einzelhandel", "Verdi"],
        body_markdown=(
            "Mehrere tausend Menschen haben am Sonntag in Berlin für höhere Löhne im Einzelhandel demonstriert. "
            "Aufgerufen hatte die Gewerkschaft Verdi.\n\n"
            "Die Beschäftigten verlangen eine Erhöhung um 2,50 Euro pro Stunde. Die Arbeitgeber haben bislang kein "
            "Angebot vorgelegt."),
    ),
    # metadata against the page: the page's values are kept, each field where they differ is named
    "layout_b_disagree": record(
        url=ART + "523180.faehren-an-der-kette.html", shape="html-b", kicker="Griechenland", title="Häfen stehen still",
        teaser="Seeleute streiken gegen längere Schichten. Inseln ohne Nachschub",
        published="2026-05-22T19:00:00+02:00", print_edition_date="2026-05-23", print_page=6,
        section="Kapital & Arbeit", page_kind="print", authors=["Lena Beispiel"], author_place="Athen",
        image="202001.jpg", image_credit="Nikos Paradeigma/Reuters",
        caption="Im Hafen von Piräus liegen die Fähren fest (20.5.2026)", topics=["Griechenland", "Häfen", "Streik"],
        disagreements=["print_edition_date", "section", "title", "teaser", "authors", "author_place", "topics",
                       "image", "image_credit"],
        body_markdown=(
            "In allen großen Häfen Griechenlands liegen seit Dienstag die Fähren an der Kette. Die "
            "Seeleutegewerkschaft protestiert gegen eine Reform, die längere Schichten erlaubt.\n\n"
            "Auf den Inseln wird das Wasser in den Supermärkten knapp. Die Regierung droht mit der Dienstverpflichtung "
            "der Streikenden."),
    ),
    # a layout this parser does not know: fields from the metadata, the text by trafilatura
    "unknown_layout": record(
        url=ART + "540206.wasser-fuer-alle.html", shape="html-generic", kicker="Hamburg", title="Wasser für alle",
        teaser="Ein Volksbegehren will die Wasserversorgung zurück in öffentliche Hand holen",
        published="2027-02-09T17:15:00+01:00", authors=["Jonas Muster"], author_place="Hamburg",
        image="215500.jpg", topics=["Hamburg", "Wasser", "Privatisierung"],
        body_markdown=(
            "Mehr als 20.000 Unterschriften hat ein Bündnis aus Umweltgruppen und Gewerkschaften in Hamburg in den "
            "vergangenen vier Wochen gesammelt. Es will erreichen, dass die Stadt die Anteile an ihren Wasserwerken "
            "zurückkauft, die sie vor zwanzig Jahren an einen Investor verkauft hatte.\n\n"
            "Seit dem Verkauf seien die Preise für Trinkwasser um fast die Hälfte gestiegen, während die Investitionen "
            "in das Leitungsnetz zurückgegangen seien, heißt es in der Begründung des Volksbegehrens. Viele Rohre "
            "stammten noch aus der Zeit vor dem Zweiten Weltkrieg.\n\n"
            "Der Senat lehnt einen Rückkauf bisher ab und verweist auf die angespannte Haushaltslage. Die Initiative "
            "hält dagegen, dass sich die Übernahme durch die Gewinne der Wasserwerke in wenigen Jahren selbst bezahlen "
            "würde.\n\n"
            "Bis zum Sommer müssen die Initiatoren mehr als 60.000 weitere Unterschriften sammeln, damit es zu einem "
            "Volksentscheid kommt. Sie zeigen sich zuversichtlich, dass ihnen das gelingt."),
    ),
}

# Page furniture of every fixture: none of it may reach a body.
FURNITURE = [
    # donation and promotion boxes, the edition line, tags, photo credits
    "Unabhängiger Journalismus", "braucht deine Unterstützung", "Jetzt unterstützen", "Jetzt bestellen",
    "Drei Wochen lang gratis", "Themen:", "Erschienen in der", "Aus: Ausgabe", "Ausgabe vom", "Foto:",
    "Juan Ejemplo", "Pablo Ejemplo", "Nikos Paradeigma", "Reuters", "AFP",
    # share, print and pdf bar
    "Drucken", "PDF", "Per Mail", "Teilen", "Tröten", "print.php", "pdf.php",
    # reader letters and the rating form
    "Leserbrief", "Hannelore Beispiel", "Detlef Muster", "Wer finanziert die Minen", "Artikel bewerten",
    "Wie gefällt Ihnen", "Bewertung abschicken", "sehr gut", "comment.php",
    # the ad inside the text
    "Anzeige", "Bücher gegen den Strom", "Buchladen", "jwAds",
    # navigation, masthead, search form, footer
    "Startseite", "Newsticker", "Abo-Shop", "Anmelden", "Suche starten", "Suchbegriff", "Mastodon", "RSS-Feeds",
    "Kapital &", "Wochenendbeilage", "Gegründet 1947", "GenossInnen", "Impressum", "Datenschutz", "Verlag 8. Mai",
    "_paq", "trackPageView",
    # related-article teasers, their dates and bylines
    "Mehr aus", "Lithium ohne Mitsprache", "Hafenarbeiter im Ausstand", "Ölpest im Amazonas",
    "Leerstand trotz Wohnungsnot", "Enteignung bleibt Thema", "Warnstreik im Nahverkehr",
    "Lehrer streiken landesweit", "Landlose besetzen Farm", "Friedensgespräche vertagt", "Hafen ohne Kräne",
    "Busse fahren wieder", "13.03.2025", "15.05.2026", "08.02.2027", "Von ",
    # the head of the article: it has its own fields
    "Erika Muster", "Ana Beispiel", "Lena Beispiel", "Gisela Beispiel", "Jonas Muster",
    "Streikposten", "Stolleneingang", "Piräus liegen",
    "\u00ad",
]


def parse_fixture(name: str) -> Article:
    meta = json.loads((PAGES / f"{name}.html.meta.json").read_text())
    return parse_page((PAGES / f"{name}.html").read_bytes(), url=meta["url"])


@pytest.mark.parametrize("name", CASES)
def test_every_field(name):
    got = parse_fixture(name).to_dict()
    assert got.pop("word_count") > 0
    assert got == CASES[name]


@pytest.mark.parametrize("name", CASES)
def test_fields_from_the_page_alone(name):
    """Without the crawler's sidecar the canonical URL comes from the page; nothing else changes."""
    article = parse_page((PAGES / f"{name}.html").read_bytes())
    assert article.to_dict() == parse_fixture(name).to_dict()


@pytest.mark.parametrize("name", CASES)
def test_no_furniture_in_the_body(name):
    body = parse_fixture(name).body_markdown
    found = [word for word in FURNITURE if word in body]
    assert found == []


@pytest.mark.parametrize("name", CASES)
def test_no_soft_hyphen_anywhere(name):
    text = json.dumps(parse_fixture(name).to_dict(), ensure_ascii=False)
    assert "\u00ad" not in text and "&shy;" not in text


def test_word_count_leaves_out_link_targets():
    assert parse_fixture("layout_b_print_full").word_count == 89
    assert parse_fixture("layout_a_print_full").word_count == 136


def test_sidecars_name_real_article_urls():
    for sidecar in PAGES.glob("layout_*.meta.json"):
        meta = json.loads(sidecar.read_text())
        assert meta["url"].startswith(ART) and meta["fetched_at"].endswith("Z")


def test_parse_command_prints_the_record():
    result = subprocess.run([sys.executable, "-m", "ingest", "parse", str(PAGES / "layout_b_print_full.html"),
                             "--db", str(ROOT / "no-such-archive.db")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["shape"] == "html-b"
    assert printed["url"] == CASES["layout_b_print_full"]["url"]  # from the sidecar
    assert printed["authors"] == ["Ana Beispiel", "Jonas Muster"]


# --- an article page is never a listing page because of its sidebars; listings still are --------------------------
SIDEBAR = "".join(f"<div class='teaser'><div>0{n}.03.2025</div><h3>Titel {n}</h3><p>Von Karl Muster{n}</p></div>"
                  for n in range(1, 6))


def test_sidebars_do_not_make_an_article_a_listing():
    raw = (f"<html><body><main><article><h1>Streik</h1><p>Der Text des Artikels.</p></article>"
           f"<aside>{SIDEBAR}</aside><div class='more'>{SIDEBAR}</div></main></body></html>").encode()
    assert parse_page(raw, url=ART + "495117.x.html").title == "Streik"


def test_news_article_json_ld_makes_an_article():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Streik"}</script>'
    raw = f"<html><head>{ld}</head><body><main><h1>Streik</h1><p>Der Text.</p>{SIDEBAR}</main></body></html>"
    article = parse_page(raw.encode(), url=ART + "495117.x.html")  # five bylines and dates: a listing without it
    assert article.title == "Streik" and article.body_markdown.startswith("Der Text.")


def test_listing_without_article_evidence_is_still_a_listing():
    raw = f"<html><body><main><h1>Ausland</h1>{SIDEBAR}</main></body></html>".encode()
    with pytest.raises(ListingPage):
        parse_page(raw)
    with pytest.raises(ListingPage):  # by its address, even with an <h1> in an <article>
        parse_page(b"<html><body><article><h1>Inland</h1><p>x</p></article></body></html>",
                   url="https://www.jungewelt.de/aktuell/rubrik/inland.php")


# --- the generic path: trafilatura, and never a silent empty body ---------------------------------------------------
def test_trafilatura_reads_a_layout_without_markers():
    text = " ".join(["Die Stadtwerke erhöhen zum Jahreswechsel die Preise für Fernwärme deutlich."] * 3)
    raw = f"""<html><head><meta property="og:title" content="Fernwärme wird teurer"></head><body>
<div><a href="/">Startseite</a> <a href="/abo/">Abo-Shop</a></div>
<div><div><h1>Fernwärme wird teurer</h1><div>{text}</div><div>Der Mieterbund kritisiert die Erhöhung.</div></div></div>
</body></html>"""
    article = parse_page(raw.encode(), url=ART + "530000.fernwaerme.html")
    assert article.shape == "html-generic"
    assert article.title == "Fernwärme wird teurer"
    assert article.body_markdown == f"{text}\n\nDer Mieterbund kritisiert die Erhöhung."


def test_no_text_at_all_is_a_page_error():
    raw = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "Leer"}</script>'
           '</head><body><div><h1>Leer</h1></div><div class="menu"><a href="/">Startseite</a></div></body></html>')
    with pytest.raises(PageError, match="no article text found .*trafilatura found none"):
        parse_page(raw.encode(), url=ART + "530001.leer.html")


def test_an_empty_text_column_is_a_page_error():
    raw = ('<html><body><article><div id="overline">Chile</div><h1>Leer</h1><h2>Nur ein Teaser</h2>'
           '<div class="content font-serif"><p> </p><div class="Anzeige Ad-300">Anzeige</div></div></article></body></html>')
    with pytest.raises(PageError, match="no article text found \\(layout B\\)"):
        parse_page(raw.encode(), url=ART + "530002.leer.html")


# --- metadata read gracefully -------------------------------------------------------------------------------------
def _meta_of(json_ld: str, extra: str = ""):
    html = f'<html><head><script type="application/ld+json">{json_ld}</script>{extra}</head><body></body></html>'
    return read_meta(Page(html).root)


def test_json_ld_with_a_trailing_comma_and_stray_whitespace():
    meta = _meta_of('{ "@type": " NewsArticle ", "headline": "  Peru:  Streik ", "author": [{"name": " "}],'
                    ' "datePublished": "2025-03-13T18:30:04Z", }')
    assert meta.news_article and meta.headline == "Peru: Streik"
    assert meta.authors == [] and meta.published == "2025-03-13T19:30:04+01:00"


def test_json_ld_graph_and_not_json():
    assert _meta_of('{"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "headline": "X"}]}').headline == "X"
    broken = _meta_of('{"@type": "NewsArticle", "headline": "X" "', '<meta property="og:title" content="Y: X">')
    assert not broken.news_article and broken.headline == "Y: X"


def test_json_ld_author_with_the_place_is_no_disagreement():
    """The JSON-LD may list the byline's place as a person (as a naive split of the byline does)."""
    raw = PAGES.joinpath("layout_a_print_full.html").read_text().replace(
        '{ "@type": "Person", "name": " Max Beispiel" } ]',
        '{ "@type": "Person", "name": " Max Beispiel" }, { "@type": "Person", "name": "Lima" } ]')
    article = parse_page(raw.encode())
    assert article.authors == ["Erika Muster", "Max Beispiel"] and article.author_place == "Lima"
    assert article.disagreements == []


def test_kicker_from_og_title_or_named_as_a_disagreement():
    raw = PAGES.joinpath("layout_a_online.html").read_text()
    only_meta = raw.replace('"headline": "Mieter gegen Konzern"', '"headline": "Leipzig: Mieter gegen Konzern"')
    assert parse_page(only_meta.encode()).kicker == "Leipzig"
    raw = PAGES.joinpath("layout_a_print_full.html").read_text().replace("Peru: Streik in den Minen", "Bolivien: Streik in den Minen")
    article = parse_page(raw.encode())
    assert (article.kicker, article.disagreements) == ("Peru", ["kicker"])


def test_layout_a_online_extra_with_its_timestamp_line():
    """Online items show `Online Extra` and `DD.MM.YYYY, HH:MM:SS / Section` where print items have their issue line."""
    raw = PAGES.joinpath("layout_a_online.html").read_text().replace(
        '<div class="kicker">\n  </div>',
        '<div class="kicker"><div class="issue">Online Extra</div><div>08.11.2024, 14:05:00 / Inland</div>'
        '<div>Wohnen</div></div>')
    article = parse_page(raw.encode())
    assert (article.kicker, article.page_kind, article.section) == ("Wohnen", "online_extra", "Inland")
    assert (article.published, article.print_edition_date) == ("2024-11-08T14:05:00+01:00", None)


def test_authors_from_metadata_when_the_page_shows_no_byline():
    raw = PAGES.joinpath("layout_a_online.html").read_text().replace(
        '<address class="author mt-1">Von Max Beispiel</address>', "")
    raw = raw.replace('<meta name="Author" content="Max Beispiel">',
                      '<meta name="Author" content="Erika Muster, Max Beispiel und Ana Ejemplo">')
    article = parse_page(raw.encode())
    assert article.authors == ["Erika Muster", "Max Beispiel", "Ana Ejemplo"] and article.author_place is None


def test_layout_b_online_section_and_interview_byline():
    raw = """<html><body><article class="max-w-[1088px]">
 <ul><li><div class="Date"> 03.06.2026 </div></li><li class="uppercase">&#8594; <a href="/aktuell/rubrik/inland.php">Inland</a></li></ul>
 <h1>»Wir bleiben« </h1><h2>Ein Gespräch mit Mara Muster</h2>
 <div class="mb-4">Interview: <span class="font-semibold">Jonas Beispiel, Köln</span></div>
 <div class="content font-serif"><p>F: Warum bleiben Sie?</p><p>Weil wir hier wohnen.</p></div>
</article></body></html>"""
    article = parse_page(raw.encode(), url=ART + "524100.wir-bleiben.html")
    assert (article.shape, article.title, article.teaser) == ("html-b", "»Wir bleiben«", "Ein Gespräch mit Mara Muster")
    assert (article.authors, article.author_place) == (["Jonas Beispiel"], "Köln")
    assert (article.section, article.print_edition_date, article.page_kind) == ("Inland", None, None)
    assert article.body_markdown == "F: Warum bleiben Sie?\n\nWeil wir hier wohnen."


def test_layout_b_image_in_a_picture_and_caption_without_its_class():
    raw = PAGES.joinpath("layout_b_print_full.html").read_text()
    raw = raw.replace('<img src="/img/1100/201234.jpg"', '<picture><source srcset="/img/900/201234.jpg"><img src="/img/1100/201234.jpg"')
    raw = raw.replace('alt="" class="w-full">', 'alt="" class="w-full"></picture>').replace('class="text-base/6 mt-2"', 'class="mt-2"')
    article = parse_page(raw.encode())
    assert (article.image, article.image_credit, article.caption) == (
        "201234.jpg", "Pablo Ejemplo/AFP", "Streikposten vor der Mine Escondida (14.5.2026)")


def test_lazy_loaded_image_gives_its_real_file():
    raw = PAGES.joinpath("layout_a_print_full.html").read_text().replace(
        'src="/img/450/187345.jpg"', 'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/450/187345.jpg"')
    raw = raw.replace('<source srcset="/img/900/187345.jpg" media="(min-width: 900px)">', "")
    assert parse_page(raw.encode()).image == "187345.jpg"


def test_paywall_box_beside_the_text_column():
    raw = PAGES.joinpath("layout_b_plain.html").read_text().replace(
        "Hunderttausende bezahlbare Wohnungen.</p>", "Hunderttausende bezahlbare ...</p>").replace(
        '<div class="clear-both"></div>',
        '<div class="clear-both"></div><section class="paywall"><p>Artikel-Länge: 4.210 Zeichen</p>'
        '<p>Sie benötigen ein Online-Abo, um diesen Artikel lesen zu können.</p></section>')
    article = parse_page(raw.encode())
    assert (article.paywalled, article.article_length) == (True, 4210)
    assert article.body_markdown.endswith("Schon jetzt fehlten in den Großstädten Hunderttausende bezahlbare ...")


# --- the print header forms of both layouts ---------------------------------------------------------------------
@pytest.mark.parametrize("line, expected", [
    ("Aus: Ausgabe vom 14.03.2025, Seite 6 / Ausland", ("2025-03-14", 6, "Ausland", "print")),
    ("Aus: Ausgabe vom 04.06.2025 / 0 / Seite 2 (Beilage)", ("2025-06-04", 2, "0", "beilage")),
    ("Aus: Ausgabe vom 04.06.2025, Seite 2 (Beilage) / 0", ("2025-06-04", 2, "0", "beilage")),
    ("Erschienen in der Ausgabe vom 16.05.2026, Seite 7, Ausland", ("2026-05-16", 7, "Ausland", "print")),
    ("Erschienen in der Ausgabe vom 23.05.2026, Seite 6, Kapital & Arbeit",
     ("2026-05-23", 6, "Kapital & Arbeit", "print")),
])
def test_print_header_forms(line, expected):
    header = c.parse_header(line)
    assert (header["print_edition_date"], header["print_page"], header["section"], header["page_kind"]) == expected


@pytest.mark.parametrize("line, authors, place", [
    ("Von Erika Muster und Max Beispiel, Lima", ["Erika Muster", "Max Beispiel"], "Lima"),
    ("Von Erika Muster, Max Beispiel und Ana Ejemplo", ["Erika Muster", "Max Beispiel", "Ana Ejemplo"], None),
    ("Von Ulla", ["Ulla"], None),  # a byline element may name a person by one name
    ("Von Jonas Muster, Frankfurt am Main", ["Jonas Muster"], "Frankfurt am Main"),
])
def test_trusted_bylines(line, authors, place):
    byline = c.parse_byline(line, trusted=True)
    assert (byline["authors"], byline["author_place"]) == (authors, place)


# --- into the archive: the records of both layouts as the build stores them ----------------------------------------
def test_build_stores_both_layouts(tmp_path):
    import shutil
    import sqlite3

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in CASES:
        for suffix in (".html", ".html.meta.json"):
            shutil.copy(PAGES / (name + suffix), raw / (name + suffix))
    db = tmp_path / "archive.db"
    result = subprocess.run([sys.executable, "-m", "ingest", "build", "--raw", str(raw), "--db", str(db), "--quiet"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    rows = {url: rest for url, *rest in conn.execute(
        "SELECT url, shape, published, print_edition_date, section, authors, author_place, topics, image_credit, "
        "disagreements FROM articles")}
    assert len(rows) == len(CASES)
    for case in CASES.values():
        shape, published, edition, section, authors, place, topics, credit, disagreements = rows[case["url"]]
        assert (shape, published, edition, section, place, credit) == (
            case["shape"], case["published"], case["print_edition_date"], case["section"], case["author_place"],
            case["image_credit"])
        assert json.loads(authors) == case["authors"] and json.loads(topics) == case["topics"]
        assert json.loads(disagreements or "[]") == case["disagreements"]
