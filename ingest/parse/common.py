"""Markers shared by every page form: header lines, bylines, datelines, agency markers, paywalls, footers."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

# --- header lines (format guide §1, §2) -------------------------------------------------
MASTHEAD = re.compile(r"^Gegründet 1947\b")
MEMBERS = re.compile(r"^Die junge Welt wird von [\d.]+\s*GenossInnen herausgegeben")
ONLINE_EXTRA = re.compile(r"^Online[ -]Extra$", re.I)
PROMO_LINES = [
    re.compile(r"^Drei Wochen (lang )?gratis"),
    re.compile(r"^Heute \d+ Seiten extra\b"),
    re.compile(r"^\d+ Ausgaben junge Welt für \d+\s*€"),
    re.compile(r"^Jetzt (zwei|drei) Wochen gratis testen"),
    re.compile(r"^Links & bündig: Jetzt bestellen"),
    re.compile(r"^Rosa-Luxemburg-Konferenz am \d"),
]
PROMO_LINE = re.compile("|".join(p.pattern for p in PROMO_LINES))  # any of them, in one regex call
D1 = re.compile(r"^Aus: Ausgabe vom (\d{1,2})\.(\d{1,2})\.(\d{4}), Seite (\d+)(?: \(([^)]*)\))? / (.+)$")
# D1 with the section before the page, as supplements print it: `Aus: Ausgabe vom 04.06.2025 / 0 / Seite 2 (Beilage)`
D1_SUPPLEMENT = re.compile(r"^Aus: Ausgabe vom (\d{1,2})\.(\d{1,2})\.(\d{4}) / (.+?) / Seite (\d+)(?: \(([^)]*)\))?$")
# the HTML layout B's print line (since April 2026): `Erschienen in der Ausgabe vom 14.03.2025, Seite 6, Ausland`
D1_ERSCHIENEN = re.compile(
    r"^Erschienen in der Ausgabe vom (\d{1,2})\.(\d{1,2})\.(\d{4}), Seite (\d+)(?: \(([^)]*)\))?, (.+)$")
D2 = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}) / (.+?) / Seite (\d+)(?: \(([^)]*)\))?$")
D3 = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}), (\d{1,2}):(\d{2})(?::(\d{2}))? / (.+)$")
D4 = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))? Uhr$")
CORPUS_DATE = re.compile(r"^\s*date (\d{4}-\d{2}(?:-\d{2})?)(?=\s|$)\s*")

# Sections of the printed paper; a D3 header naming anything else is a blog.
PRINT_SECTIONS = {
    "Titel", "Inland", "Ausland", "Ansichten", "Thema", "Feuilleton", "Sport", "Schwerpunkt",
    "Aktion", "Leserbriefe", "Wirtschaft", "Kapital & Arbeit", "Medien", "Geschichte",
    "Natur & Wissenschaft", "Politisches Buch", "Wochenendbeilage", "Reportage", "Interview",
    "Online Extra", "Kultur", "Abgeschrieben", "Antifaschismus", "Betrieb & Gewerkschaft",
}


def iso_date(d: str, m: str, y: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def iso_datetime(d, m, y, hh, mm, ss=None) -> str | None:
    try:
        moment = datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss or 0), tzinfo=BERLIN)
    except ValueError:
        return None
    return moment.isoformat()


def parse_header(line: str) -> dict | None:
    """A date/section line (D1–D4, layout B's `Erschienen in der …`) → published, section, print fields, page_kind."""
    if m := D1.match(line):
        d, mo, y, page, note, section = m.groups()
        return _print_header(iso_date(d, mo, y), int(page), note, section, "D1")
    if m := D1_SUPPLEMENT.match(line):
        d, mo, y, section, page, note = m.groups()
        return _print_header(iso_date(d, mo, y), int(page), note, section, "D1")
    if m := D1_ERSCHIENEN.match(line):
        d, mo, y, page, note, section = m.groups()
        return _print_header(iso_date(d, mo, y), int(page), note, section, "D1B")
    if m := D2.match(line):
        d, mo, y, section, page, note = m.groups()
        return _print_header(iso_date(d, mo, y), int(page), note, section, "D2")
    if m := D3.match(line):
        d, mo, y, hh, mi, ss, section = m.groups()
        section = section.strip()
        return {"published": iso_datetime(d, mo, y, hh, mi, ss), "section": section, "form": "D3",
                "page_kind": None if section in PRINT_SECTIONS else "blog"}
    if m := D4.match(line):
        d, mo, y, hh, mi, ss = m.groups()
        return {"published": iso_datetime(d, mo, y, hh, mi, ss), "form": "D4", "page_kind": "other"}
    return None


def _print_header(day, page, note, section, form) -> dict:
    section = section.strip()
    supplement = "beilage" in (note or "").lower() or "beilage" in section.lower()
    return {"published": day, "print_edition_date": day, "print_page": page, "section": section,
            "page_kind": "beilage" if supplement else "print", "form": form}


# --- names and bylines (§4) ---------------------------------------------------------------
# Latin letters with diacritics (Latin-1 to Extended-B, Extended Additional): Yıldız, Łódź, Şimdi, Nguyễn.
_LATIN = [chr(c) for c in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))]
_UPPER = "A-Z" + "".join(ch for ch in _LATIN if ch.isupper())
_LOWER = "a-z" + "".join(ch for ch in _LATIN if ch.islower())
_NAME_TOKEN = re.compile(rf"^(?:[{_UPPER}]\.|(?:[{_UPPER}][{_LOWER}'’]*\.?(?:-[{_UPPER}]?[{_UPPER}{_LOWER}'’]+)*)|(?:[Aa]l-|[Ee]l-|[Dd]’|O’|[Mm]a?c)[{_UPPER}][{_LOWER}'’-]+)$")
_PARTICLES = {"von", "van", "der", "den", "de", "del", "della", "da", "di", "du", "dos", "das", "zu",
              "ten", "ter", "la", "le", "bin", "ibn", "y", "e", "al", "el", "vom", "zur"}
# Capitalised words that start sentences or headlines but never a person's name.
_NOT_NAMES = {
    "Der", "Die", "Das", "Den", "Dem", "Des", "Ein", "Eine", "Einer", "Und", "Oder", "Aber", "Mit",
    "Für", "Gegen", "Nach", "Vor", "Über", "Unter", "Im", "Am", "Zum", "Zur", "Vom", "Bei", "Aus",
    "Auf", "An", "In", "Wie", "Wer", "Was", "Warum", "Wo", "Wenn", "Weil", "Kein", "Keine", "Nicht",
    "Neue", "Neuer", "Neues", "Mehr", "Alle", "Alles", "Viele", "Heute", "Gestern", "Morgen", "Hier",
    "Dort", "So", "Doch", "Nur", "Noch", "Schon", "Auch", "Ja", "Nein", "Es", "Er", "Sie", "Wir", "Ich",
    "Man", "Dieser", "Diese", "Dieses", "Jetzt", "Dann", "Als", "Ohne", "Um", "Bis", "Seit", "Durch",
    "Foto", "Fotos", "Interview", "Gespräch", "Kommentar", "Chronik", "Teil", "Seite", "Ausgabe",
    "Von", "Zu", "Zwischen", "Trotz", "Wegen", "Jahre", "Jahren", "Krieg", "Streik", "Protest",
}
_NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "ismus", "ität", "nisse", "ungen")
_VOWEL = re.compile(r"[aeiouyäöüéèáàóíúAEIOUYÄÖÜ]")


def is_person_name(text: str, known_authors: frozenset[str] = frozenset()) -> bool:
    text = text.strip().rstrip("*").strip()
    if text in known_authors:
        return True
    if not 4 <= len(text) <= 45:
        return False
    tokens = text.split()
    if not 2 <= len(tokens) <= 5:
        return False
    if tokens[0].lower() in _PARTICLES or tokens[-1].lower() in _PARTICLES:
        return False
    for i, token in enumerate(tokens):
        if token.lower() in _PARTICLES and 0 < i < len(tokens) - 1:
            continue
        if token in _NOT_NAMES or not _NAME_TOKEN.match(token):
            return False
        letters = token.rstrip(".")
        if len(letters) > 1 and not _VOWEL.search(letters):
            return False
    if tokens[0].lower().endswith(_NOUN_ENDINGS):
        return False
    return True


_PLACE = re.compile(rf"^(?:St\. )?[{_UPPER}][{_LOWER}{_UPPER}'’.-]*(?:[ -](?:am|an der|an|im|upon|on|de|del|el|al|[{_UPPER}][{_LOWER}{_UPPER}'’.-]*)){{0,3}}$")


def is_place_name(text: str) -> bool:
    text = text.strip()
    return 2 <= len(text) <= 40 and bool(_PLACE.match(text)) and text.split()[0] not in _NOT_NAMES


_VON = re.compile(r"^Von\s")
_NAMES_SEPARATOR = re.compile(r"\s*,\s*|\s+und\s+|\s*/\s*|\s+&\s+")
_AGENCY_IN_NAME = re.compile(r"\s*\(([A-Za-z]{2,8}(?:/[A-Za-z]{2,8})*)\)\s*$")


def parse_byline(text: str, known_authors: frozenset[str] = frozenset(), *, require_von: bool = False,
                 trusted: bool = False) -> dict | None:
    """`Von A und B`, `Name, City`, `Name (AFP), City`, `Interview: Name`, `Name*` → authors, place; else None.

    `trusted`: the text stands where only a byline stands (an HTML byline element, the `Author` meta), so a
    name need not look like a common name (`Von Ulla`, `Von jW-Redaktion`); the place still has to look like one.
    """
    text = text.strip()
    interview = False
    if text.startswith("Interview:"):
        interview, text = True, text[len("Interview:"):].strip()
    has_von = bool(_VON.match(text))
    if has_von:
        text = text[4:].strip()
    elif require_von:
        return None
    if not text or len(text) > 120:
        return None
    parts = [p.strip() for p in text.split(",")]
    place = None
    if len(parts) >= 2 and " und " not in parts[-1] and "/" not in parts[-1]:
        if len(parts) == 2 or " und " in parts[-2]:
            place = parts.pop()
            if not is_place_name(place):
                if not trusted:
                    return None
                parts.append(place)
                place = None
    names_text = ", ".join(parts)
    agency = None
    authors = []
    for name in _NAMES_SEPARATOR.split(names_text):
        if m := _AGENCY_IN_NAME.search(name):
            agency, name = m[1], name[: m.start()]
        name = name.strip().rstrip("*").strip()
        if not (_is_listed_name(name) if trusted else is_person_name(name, known_authors)):
            return None
        authors.append(name)
    if not authors:
        return None
    return {"authors": authors, "author_place": place, "byline_agency": agency, "interview": interview}


def _is_listed_name(name: str) -> bool:
    """A name in a place that holds only names: capitalised, a few words, not a sentence."""
    return 2 <= len(name) <= 60 and len(name.split()) <= 6 and name[0].isupper() and not name.endswith((".", ":"))


# where a byline runs into the text: the lower-case letter (or * or closing bracket) that ends the byline, matched
# itself, not looked behind for (a search that opens with a character set skips ahead in C; one that opens with a
# look-behind tries it at every character)
_GLUE = re.compile(rf"[{_LOWER}*)](?=[{_UPPER}»„\"“0-9])")


def split_glued_byline(line: str, known_authors: frozenset[str] = frozenset()) -> tuple[dict, str] | None:
    """`Volker Hermsdorf, HavannaDas …` → (byline, `Das …`); None when the line opens with no byline."""
    for m in _GLUE.finditer(line, 0, min(len(line), 110)):
        head, rest = line[: m.end()], line[m.end():]
        byline = parse_byline(head, known_authors)
        if byline and len(rest.strip()) > 0:
            return byline, rest
    return None


_INITIAL_AT_END = re.compile(r"\b[A-Z]\.$")


def split_byline_line(line: str, known_authors: frozenset[str] = frozenset()) -> dict | None:
    """A byline standing on its own line: `Von …`, `Interview: …`, or a bare name (`Name*`, `Name, City`)."""
    # (the initial stands at the end: searched for there, not from every character of a paragraph)
    if line.endswith((".", "!", "?", ":", "…")) and not _INITIAL_AT_END.search(line, max(0, len(line) - 3)):
        return None
    return parse_byline(line, known_authors)


# --- image lines and captions (§5) -------------------------------------------------------
IMAGE_FILE = re.compile(r"^\S+\.(?:jpe?g|png|gif|webp)$", re.I)
PHOTO_CREDIT = re.compile(r"(?:\bFotos?:\s*(?:(?!\. ).){1,80}|\bjW-Archiv|\bArchiv)\s*$")


# --- dateline (§6) -------------------------------------------------------------------------
_DATELINE = re.compile(rf"^((?:St\. )?[{_UPPER}][{_LOWER}{_UPPER}'’-]*(?:[ /-](?:am|an der|im|upon|on|de|el|al|[{_UPPER}][{_LOWER}{_UPPER}'’-]*)){{0,3}}(?: \([{_UPPER}][{_LOWER}]+\))?)\.\s+(?=[{_UPPER}»„\"“0-9])")
_NOT_PLACES = _NOT_NAMES | {"Dr", "Prof", "Nr", "St", "Bzw", "Ca", "Vgl", "Abb", "Tel", "Okay", "Gut", "Stopp",
                            "Schluss", "Ende", "Aus", "Danke", "Bitte", "Genau", "Richtig", "Falsch", "Klar"}


_ARTICLE_PLACES = {"Den Haag", "Den Helder", "Le Mans", "Le Havre", "Los Angeles", "Las Vegas", "El Paso"}


def split_dateline(paragraph: str) -> tuple[str | None, str]:
    """`Washington. US-Präsident …` → (`Washington`, `US-Präsident …`)."""
    m = _DATELINE.match(paragraph)
    if not m:
        return None, paragraph
    place = m[1]
    # `Tel.` alone is an abbreviation, `Tel Aviv.` a place: the stop list applies to one-word places
    if place in _ARTICLE_PLACES:
        return place, paragraph[m.end():]
    if (" " not in place and place in _NOT_PLACES) or place.split()[0] in _NOT_NAMES or len(place) > 40:
        return None, paragraph
    return place, paragraph[m.end():]


# --- trailing agency marker (§7) -------------------------------------------------------------
_MARKER = re.compile(r"\(([A-Za-z]{1,10}(?:\s*/\s*[A-Za-z]{1,10}){0,3})\)\s*$")
# Sources that sign items, code → full name; any other token must be an editor's initials (`mme`) to
# count as a marker, so a closing `(Ende)` or `(SPD)` stays text.
AGENCY_NAMES = {
    "jW": "junge Welt", "dpa": "Deutsche Presse-Agentur", "AFP": "Agence France-Presse",
    "AP": "Associated Press", "Reuters": "Reuters", "dapd": "Deutscher Auslands-Depeschendienst",
    "ddp": "Deutscher Depeschendienst", "ADN": "Allgemeiner Deutscher Nachrichtendienst",
    "SID": "Sport-Informations-Dienst", "epd": "Evangelischer Pressedienst", "KNA": "Katholische Nachrichtenagentur",
    "AA": "Anadolu Ajansı", "ANSA": "Agenzia Nazionale Stampa Associata", "EFE": "Agencia EFE",
    "APA": "Austria Presse Agentur", "SDA": "Schweizerische Depeschenagentur", "IPS": "Inter Press Service",
    "PL": "Prensa Latina", "Prensa Latina": "Prensa Latina", "UPI": "United Press International", "TASS": "TASS",
    "RIA": "RIA Nowosti", "Xinhua": "Xinhua", "IRNA": "Islamic Republic News Agency",
    "SANA": "Syrian Arab News Agency", "WAFA": "Palestine News & Info Agency (WAFA)",
    "ots": "news aktuell (Originaltextservice)", "red": "Redaktion", "Bloomberg": "Bloomberg",
    "idw": "Informationsdienst Wissenschaft", "ntv": "n-tv", "Télam": "Télam", "Telam": "Télam",
}
AGENCIES = {code.lower() for code in AGENCY_NAMES}
_INITIALS = re.compile(r"^[a-zäöü]{2,4}$")


def is_marker(tokens: list[str]) -> bool:
    known = [t.lower() in AGENCIES for t in tokens]
    if all(known):
        return True
    if len(tokens) == 1:
        return bool(_INITIALS.match(tokens[0]))
    return "jw" in (t.lower() for t in tokens) and all(len(t) <= 8 for t in tokens)
_SENTENCE_END = re.compile(r"[.!?…«»\"“”')\]]\s*$")


def split_agency_marker(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Remove the trailing `(dpa/jW)` (same line or own line, maybe doubled) → (paragraphs, tokens)."""
    paragraphs = list(paragraphs)
    tokens: list[str] = []
    while paragraphs:
        last = paragraphs[-1].strip()
        m = _MARKER.search(last)
        if not m:
            break
        before = last[: m.start()].rstrip()
        if before and not _SENTENCE_END.search(before):
            break
        found = [t.strip() for t in m[1].split("/")]
        if not is_marker(found) or (tokens and found != tokens):
            break
        tokens = found
        if before:
            paragraphs[-1] = before
            break
        paragraphs.pop()
    return paragraphs, tokens


# --- end of the article: paywall and footer (§8, §9) -------------------------------------------
ARTICLE_LENGTH = re.compile(r"Artikel-Länge:\s*([\d.]+)\s*Zeichen")
PAYWALL_OPENINGS = (
    "Uneingeschränkter Zugriff auf alle Inhalte",
    "Sie benötigen ein Online-Abo",
    "Dieser Beitrag ist gesperrt",
    "Zum Aufrufen dieser Seite",
    "Alle Inhalte ohne Einschränkung lesen",
)
FOOTER_OPENINGS = (
    "links & bündig gegen rechte Bünde",
    "Jetzt den kostenlosen jW-Newsletter",
    "Mehr aus:",
    "75 für 75",
    "Weitere Leserbriefe zu diesem Artikel",
    "Dein Abo zählt",
    "Abo abschließen",
)
_PROMO_AFTER_SPACES = re.compile(r"\s{8,}\S.*$")
# the footer `Mehr aus: <Section>` names the article's section; on a page without header it is the only place (§9)
MORE_FROM = re.compile(r"^Mehr aus:\s*(\S.*?)\s*$")
_PROMO_FOOTER = re.compile(r"^\d+ Wochen junge Welt\b|^\d+ Ausgaben (?:der )?junge[n]? Welt\b")
# a promo footer or promo line: the patterns above as one (a text's every line is tried, one regex call costs less)
_PROMO_OR_FOOTER = re.compile(f"{_PROMO_FOOTER.pattern}|{PROMO_LINE.pattern}")


def find_end(lines: list[str]) -> tuple[int, dict]:
    """Index of the first line after the article text, and what the tail says (paywall, length)."""
    tail = {"paywalled": None, "article_length": None, "footer": False, "section": None}
    for i, line in enumerate(lines):
        stripped = line.strip()
        if "Artikel-Länge:" in stripped and (m := ARTICLE_LENGTH.search(stripped)):
            tail["article_length"] = int(m[1].replace(".", ""))
            tail["paywalled"] = True
            if stripped[: m.start()].strip():
                lines[i] = stripped[: m.start()].strip()
                return i + 1, tail
            return i, tail
        if stripped.startswith(PAYWALL_OPENINGS):
            tail["paywalled"] = True
            return i, tail
        if stripped.startswith(FOOTER_OPENINGS) or _PROMO_OR_FOOTER.match(stripped):
            tail["footer"] = True
            tail["section"] = next((m[1] for later in lines[i:] if (m := MORE_FROM.match(later.strip()))), None)
            return i, tail
    return len(lines), tail


def strip_trailing_promo(line: str) -> str:
    """`… last sentence.                 10 Wochen junge Welt online lesen …` → `… last sentence.`"""
    if line.isprintable() and "        " not in line:
        # (printable: no whitespace but the plain space, so eight spaces in a row are the only run the regex finds)
        return line.rstrip()
    return _PROMO_AFTER_SPACES.sub("", line).rstrip()
