"""The shared markers of common.py, one form at a time."""
import pytest

from ingest.parse import common as c
from ingest.parse import parse_page


@pytest.mark.parametrize("line, authors, place", [
    ("Von Karla Beispiel", ["Karla Beispiel"], None),
    ("Von Anna Probe und Ben Muster", ["Anna Probe", "Ben Muster"], None),
    ("Von Anna Probe/Ben Muster", ["Anna Probe", "Ben Muster"], None),
    ("Von Anna Probe, Ben Muster und Lea Kraut", ["Anna Probe", "Ben Muster", "Lea Kraut"], None),
    ("Von Tom Beispiel, Stuttgart", ["Tom Beispiel"], "Stuttgart"),
    ("Interview: Jan Beispiel", ["Jan Beispiel"], None),
    ("Interview: Kristian Muster, Köln", ["Kristian Muster"], "Köln"),
    ("Karl Beispiel (AFP), Washington", ["Karl Beispiel"], "Washington"),
    ("Hans Beispiel*", ["Hans Beispiel"], None),
    ("Nora van der Beek", ["Nora van der Beek"], None),
    ("Hans-Jürgen Probe, Frankfurt am Main", ["Hans-Jürgen Probe"], "Frankfurt am Main"),
])
def test_bylines(line, authors, place):
    byline = c.split_byline_line(line)
    assert byline["authors"] == authors
    assert byline["author_place"] == place


@pytest.mark.parametrize("line", [
    "Von Pasolini, Fellini und Visconti: Eine Werkschau in Bologna",
    "Von Karl Marx bis Rosa Luxemburg: Eine Reise",
    "Die Regierung weist die Vorwürfe zurück.",
    "Ein Gespräch mit Mara Beispiel",
    "Kein Frieden in Sicht",
])
def test_not_bylines(line):
    assert c.split_byline_line(line) is None


def test_byline_agency_is_reported_separately():
    assert c.parse_byline("Karl Beispiel (AFP), Washington")["byline_agency"] == "AFP"


@pytest.mark.parametrize("line, authors, place, rest", [
    ("Reinhard LauterbachWährend in Brüssel", ["Reinhard Lauterbach"], None, "Während in Brüssel"),
    ("Volker Hermsdorf, HavannaDas Ministerium", ["Volker Hermsdorf"], "Havanna", "Das Ministerium"),
    ("André ScheerVolker Hermsdorf nimmt", ["André Scheer"], None, "Volker Hermsdorf nimmt"),
    ("Nina Beispiel*Tom Probe ist Vorsitzender", ["Nina Beispiel"], None, "Tom Probe ist Vorsitzender"),
    ("Interview: Jan BeispielF: Was bedeutet das?", ["Jan Beispiel"], None, "F: Was bedeutet das?"),
    ("Kai Mustermann»Nie wieder«, sagte sie", ["Kai Mustermann"], None, "»Nie wieder«, sagte sie"),
])
def test_glued_bylines(line, authors, place, rest):
    byline, body = c.split_glued_byline(line)
    assert (byline["authors"], byline["author_place"], body) == (authors, place, rest)


def test_glued_byline_needs_a_name():
    assert c.split_glued_byline("Während in Brüssel über Waffenstillstände geredet wird") is None
    assert c.split_glued_byline("Lisa DeLucaDie Hafenarbeiter") is None
    byline, rest = c.split_glued_byline("Lisa DeLucaDie Hafenarbeiter", frozenset({"Lisa DeLuca"}))
    assert (byline["authors"], rest) == (["Lisa DeLuca"], "Die Hafenarbeiter")


@pytest.mark.parametrize("paragraph, place", [
    ("Berlin. Mehrere tausend Menschen", "Berlin"),
    ("Tel Aviv. Der Gewerkschaftsverband", "Tel Aviv"),
    ("Gaza-Stadt. In der Nacht", "Gaza-Stadt"),
    ("Frankfurt am Main. Die Europäische Zentralbank", "Frankfurt am Main"),
    ("Den Haag. Der Gerichtshof", "Den Haag"),
    ("Frankfurt (Oder). Die Stadt", "Frankfurt (Oder)"),
    ("Die Linke. Die Partei", None),
    ("Tel. 030 123456", None),
    ("Es reicht. Die Beschäftigten", None),
    ("Washington hat am Montag", None),
])
def test_datelines(paragraph, place):
    assert c.split_dateline(paragraph)[0] == place


@pytest.mark.parametrize("paragraphs, rest, tokens", [
    (["Text. (dpa/jW)"], ["Text."], ["dpa", "jW"]),
    (["Text. (mme)"], ["Text."], ["mme"]),
    (["Text.", "(AP/jW)", "(AP/jW)"], ["Text."], ["AP", "jW"]),
    (["Text. (AFP/dpa/jW)"], ["Text."], ["AFP", "dpa", "jW"]),
    (["Text. (apn/jW)"], ["Text."], ["apn", "jW"]),
    (["Text. (Ende)"], ["Text. (Ende)"], []),
    (["sagte Lars Probe (SPD)"], ["sagte Lars Probe (SPD)"], []),
    (["Notiz. (jW)", "Weiter geht es ..."], ["Notiz. (jW)", "Weiter geht es ..."], []),
])
def test_trailing_markers(paragraphs, rest, tokens):
    assert c.split_agency_marker(paragraphs) == (rest, tokens)


@pytest.mark.parametrize("line, fields", [
    ("Aus: Ausgabe vom 24.03.2019, Seite 12 / Thema",
     {"published": "2019-03-24", "print_page": 12, "section": "Thema", "page_kind": "print"}),
    ("14.03.2007 / 0 / Seite 2 (Beilage)",
     {"published": "2007-03-14", "print_page": 2, "section": "0", "page_kind": "beilage"}),
    ("30.12.2000 / Feuilleton / Seite 0", {"published": "2000-12-30", "print_page": 0, "section": "Feuilleton"}),
    ("12.02.2025, 18:46:06 / Ausland", {"published": "2025-02-12T18:46:06+01:00", "section": "Ausland", "page_kind": None}),
    ("03.05.2021, 10:15:00 / Wir verändern die Welt", {"published": "2021-05-03T10:15:00+02:00", "page_kind": "blog"}),
    ("14.01.2021 10:12 Uhr", {"published": "2021-01-14T10:12:00+01:00"}),
])
def test_headers(line, fields):
    header = c.parse_header(line)
    for name, value in fields.items():
        assert header.get(name) == value, name


def test_not_headers():
    assert c.parse_header("vom 28.06.2016 -") is None
    assert c.parse_header("Gegründet 1947 Mittwoch, 24. April 2024, Nr. 96") is None


def test_cut_at_the_corpus_limit_on_a_full_stop_is_unknown():
    sentence = "Die Beschäftigten fordern mehr Personal und bessere Bezahlung."
    body = " ".join([sentence] * 31)
    title = "Warnstreik im Klinikum"
    page = title + " " + "x" * (2000 - len(title) - 2 - len(body)) + "\n" + body
    assert len(page) == 2000 and page.endswith("Bezahlung.")
    assert parse_page(page.encode()).paywalled is None
    # a shorter dump ending on a full stop shows its end
    assert parse_page((title + "\n" + " ".join([sentence] * 10)).encode()).paywalled is False
