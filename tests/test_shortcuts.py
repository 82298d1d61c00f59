"""The shortcuts of every page's work outside the HTML parser (issue 11) give what the plain rule they stand in for gives."""
import json
import unicodedata

import pytest

from ingest import build
from ingest.enrich import places, stems
from ingest import parse
from ingest.model import PageError
from ingest.parse import common, decode_page
from ingest.sources.files import read_file, read_page


def test_control_characters_are_counted_as_unicode_does():
    # C0 and C1 controls but line breaks, tab and form feed: nine make a page binary, eight do not
    for control in ("\x01", "\x0b", "\x1f", "\x7f", "\x85", "\x9f"):
        with pytest.raises(PageError, match="9 control characters"):
            decode_page(("Titel\n" + control * 9).encode("utf-8"))
        assert decode_page(("Titel\n" + control * 8).encode("utf-8")).startswith("Titel")
    assert decode_page("a\tb\fc\r\nd\n".encode("utf-8") * 50)  # none of them counts
    for ch in map(chr, range(0x3000)):
        assert bool(parse._CONTROLS.match(ch)) == (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")


def _fold_by_decomposition(word: str) -> str:
    kept = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.combining(ch) and not (ch == "\u0308" and kept and kept[-1] in "aou"):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


@pytest.mark.parametrize("word", ["Krieg", "Bevölkerung", "Straße", "ÄRGER", "Ärger", "Łódź", "Erdoğan", "naïve",
                                  "Ae\u0308rger", "STRAẞE", "İstanbul", "Señora", "x"])
def test_fold_shortcut_is_the_decomposition(word):
    assert stems.fold(word) == _fold_by_decomposition(word)


def _stems_word_by_word(*texts: str) -> str:
    """german_stems as the words' own stems and parts give it (what it was before it split texts on spaces)."""
    own, parts = [], {}
    for text in texts:
        for word in stems.WORD.findall(text or ""):
            stem, extra = stems.word_stems(word)
            own.append(stem)
            parts.update(dict.fromkeys(p for p in extra if p != stem))
    return " ".join(own) + (stems.PARTS_MARK + " ".join(parts) if parts else "")


@pytest.mark.parametrize("texts", [
    ("Der Warnstreik der Gewerkschafterinnen", None, "»US-Präsident« – (dpa/jW) z.B. 12.000 Mieter_innen,Wähler"),
    ("", "Kriegerin, Wählerinnen; Straßenbahnfahrerinnen… Arbeiterinnen und Arbeiter!", "—  –  ..."),
    ("Bundesregierungssprecher\tsagte\u00a0am\u2003Montag", "Kiew Kyjiw Selenskijs", "schoen Schöne"),
])
def test_german_stems_by_pieces_is_word_by_word(texts):
    stems._indexed.cache_clear()
    assert stems.german_stems(*texts) == _stems_word_by_word(*texts)
    assert stems.german_stems(*texts) == _stems_word_by_word(*texts)  # from the caches, too


def test_text_pieces_kept_are_bounded():
    pieces = stems._TokenStems()
    pieces.SIZE = 4
    for token in ["Warnstreik,", "der", "–", "»Mieter«", "US-Präsident", "Krieg.", "Kriege"]:
        assert pieces[token] == " ".join(stems._word_indexed(word) for word in stems.WORD.findall(token))
        assert len(pieces) <= 5
    assert "Kriege" in pieces and "Warnstreik," not in pieces  # the first added went first
    pieces.cache_clear()
    assert not pieces


def test_feminine_plural_has_the_parts_of_its_noun_only():
    assert stems.word_stems("Wählerinnen") == stems.word_stems("Wählerin") == ("wahl", ())
    assert stems.word_stems("Arbeiterinnen")[1] == stems.word_stems("Arbeiterin")[1] == ("arbeit",)


@pytest.mark.parametrize("line", ["Satz.        10 Wochen junge Welt", "Satz.\t\t\t\t\t\t\t\t10 Wochen", "Satz." + "\u2003" * 8 + "x",
                                  "Satz.       sieben", "Satz.  " + " \u00a0" * 4 + "x", "Satz. ", ""])
def test_trailing_promo_shortcut_is_the_regex(line):
    assert common.strip_trailing_promo(line) == common._PROMO_AFTER_SPACES.sub("", line).rstrip()


def test_promo_lines_as_one_regex():
    for line in ("Drei Wochen lang gratis", "Heute 8 Seiten extra", "Jetzt drei Wochen gratis testen", "Drei Wochen",
                 "Rosa-Luxemburg-Konferenz am 10. Januar", "Mehr aus: Ausland"):
        assert bool(common.PROMO_LINE.match(line)) == any(p.match(line) for p in common.PROMO_LINES)


def test_alternate_names_found_when_no_main_name_is():
    # none of these is a city's main name, nor an exonym of places.EXONYMS
    assert places.geocode("Lüttich")["name"] == "Liège"
    assert places.geocode("Krakau")["country_code"] == "PL"
    assert places.geocode("Aleppo")["name"] == "Aleppo"
    assert places.geocode("Nirgendwo am See") is None


def test_read_file_is_read_page(tmp_path):
    (tmp_path / "a").mkdir()
    pages = {"a/x.txt": json.dumps({"url": "https://www.jungewelt.de/artikel/1.x", "fetched_at": "2025-01-01"}),
             "a/y.txt": "{not json", "a/z.txt": None, "a/bom.txt": "\ufeff" + json.dumps({"url": "u"})}
    for rel, sidecar in pages.items():
        (tmp_path / rel).write_bytes(b"Titel\n\nText.")
        if sidecar is not None:
            (tmp_path / (rel + ".meta.json")).write_text(sidecar, "utf-8")
        assert read_file(tmp_path, rel) == read_page(tmp_path, tmp_path / rel)
    assert read_file(str(tmp_path), "a/x.txt").url == "https://www.jungewelt.de/artikel/1.x"
    assert read_file(tmp_path, "a/bom.txt").url is None  # as before: a sidecar with a BOM is no JSON


def test_workers_share_what_the_building_process_loaded(tmp_path):
    places._gazetteer.cache_clear()
    stems._of_kinds.cache_clear()
    pool = build.Workers(2, tmp_path)  # forks later, on its first parallel job
    try:
        assert places._gazetteer.cache_info().currsize == 1
        assert stems._of_kinds.cache_info().currsize >= 5
    finally:
        pool.close()


# words, marks that join words (' ’ . -), others that part them, spaces of every kind: what a body is made of
_WORD_PIECES = ["Wort", "Straße", "ä", "x", "3", "12.000", "_", "'", "’", ".", "-", "–", ",", "/", "»", "«", "(",
                ")", " ", "  ", "\n\n", "\t", "\xa0", "\u2009", "…", "z. B.", "3,5", "US-Präsident", "#", "*", "é"]


def test_words_are_counted_as_the_word_pattern_finds_them():
    import random

    from ingest import model

    rng = random.Random(3)
    texts = ["", "Wort", " – ", "a" * 20, " ".join(["Wort"] * model._WORDS_GROUPED)]
    texts += ["".join(rng.choice(_WORD_PIECES) for _ in range(rng.randint(0, 300))) for _ in range(3000)]
    for text in texts:
        assert model.count_words(text) == len(model._WORD.findall(text)), text
    assert model.count_words(None) == 0


def test_record_is_what_asdict_gives():
    import dataclasses

    from ingest.model import Article

    article = Article(url="u", title="T", authors=["A", "B"], agencies=["dpa"], word_count=3, paywalled=False)
    record = article.to_dict()
    assert record == dataclasses.asdict(article) and list(record) == list(dataclasses.asdict(article))
    assert record["authors"] is not article.authors  # a copy: the record may be changed apart from the article
    article.later = "x"  # an attribute that is no field: still the fields alone
    assert article.to_dict() == dataclasses.asdict(article) and "later" not in article.to_dict()


_URL_PIECES = ["https://", "http://", "www.jungewelt.de", "jungewelt.de", "/", "artikel", "beilage", "blogs", "rlk",
               "%2F", "%62", "%", "?", "ref=", "&", "#", "loginFailed.php", "\t", "\n", " ", "+", "x", "123.html"]


def test_page_kind_shortcut_is_the_url_reading():
    import random

    from ingest.urls import _path_of, kind_of_path, page_kind_from_url

    rng, named = random.Random(5), 0
    urls = [None, "", "https://www.jungewelt.de/beilage/art/1", "/blogs/x/2", "www.jungewelt.de/loginFailed.php?ref="
            "%2Fbeilage%2Fart%2F123", "https://www.jungewelt.de/loginFailed.php?ref=%2F%62logs%2Fa%2F1"]
    urls += ["".join(rng.choice(_URL_PIECES) for _ in range(rng.randint(1, 10))) for _ in range(20000)]
    # and paths that open with a kind's folder, maybe spelt with escapes, tabs or behind the paywall's wrapper
    for _ in range(5000):
        path = "/" + rng.choice(["beilage", "blogs", "rlk", "b%65ilage", "bl\togs", "r%6Ck", "artikel", "Beilage"])
        path += rng.choice(["/", "", "/art/12", "%2F1"])
        wrapped = rng.choice([path, "/loginFailed.php?ref=" + path.replace("/", "%2F"), "/loginFailed.php?ref=" + path])
        urls.append(rng.choice(["https://www.jungewelt.de", "jungewelt.de", "", " http://x"]) + wrapped)
    for url in urls:
        # the plain rule: every URL split and unquoted
        assert page_kind_from_url(url) == (kind_of_path(_path_of(url)) if url else None), url
        named += page_kind_from_url(url) is not None
    assert named > 500


def test_glue_and_initial_are_found_where_the_plain_patterns_find_them():
    import random
    import re

    rng = random.Random(9)
    behind = re.compile(rf"(?<=[{common._LOWER}*)])(?=[{common._UPPER}»„\"“0-9])")
    initial = re.compile(r"\b[A-Z]\.$")
    for _ in range(20000):
        line = "".join(rng.choice("aZé É*)»„\"“0-.\n x") for _ in range(rng.randint(0, 130)))
        end = min(len(line), 110)
        glued = [m.end() for m in common._GLUE.finditer(line, 0, end)]
        assert glued == [m.start() for m in behind.finditer(line, 0, end)]
        assert bool(common._INITIAL_AT_END.search(line, max(0, len(line) - 3))) == bool(initial.search(line))


def _path_by_splitting(url: str) -> str:
    """The plain rule urls._path_of stands in for: every URL split and unquoted, the paywall's wrapper unwrapped."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url if "://" in url or url.startswith("/") else "https://" + url)
    path = unquote(parts.path)
    ref = parse_qs(parts.query).get("ref") if path.endswith("loginFailed.php") else None
    return _path_by_splitting(unquote(ref[0])) if ref else path


def _outcome(read, url: str):
    try:
        return read(url)
    except ValueError as err:  # urlsplit refuses some hosts: the shortcut must refuse them too
        return ValueError, str(err)


# the URL forms of the format guides (hosts with and without www., the paywall's wrapper, print, rlk, beilage, blog
# and listing addresses, raw umlauts in a slug) and characters that could make urlsplit or unquote read them otherwise
_URL_STARTS = ["https://", "http://", "", "HTTPS://", "//", "/", " ", "\x00", "https:/", "ftp://", "https:///"]
_URL_HOSTS = ["www.jungewelt.de", "jungewelt.de", "user@www.jungewelt.de:443", "jungewelt.de:x", "[::1]", "[::1",
              "x]", "[v1.x]", "jüngewelt.de", "a\u2100b.de", "ｊｗ.de", "", ":", "@"]
_URL_PATHS = ["/artikel/493101.trump-telefoniert-mit-putin.html", "/artikel/365771.über-straße.html",
              "/loginFailed.php?ref=/artikel/448123.kein-ende.html", "/loginFailed.php?ref=%2Fbeilage%2Fart%2F123",
              "/loginFailed.php?ref=/2010/08-18/030.php", "/2010/08-18/030.php", "/rlk/de/article/254578.x.html",
              "/beilage/art/123", "/blogs/rlk/42", "/aktuell/rubrik/ausland.php", "/kultur/theater.php?start=20",
              "/comment.php?articleId=5", "/2025/03-14/index.php", "", "/"]
_URL_HOSTILE = ["%", "%2F", "%C3%BC", "?", "#", "\t", "\n", "\r", " ", "\x0b", "\x00", "[", "]", ":", "://", "@", "/",
                "//", "ü", "\u2100", "\ufeff", "\u3000", ".", "loginFailed.php", "?ref=", "&ref=%2Fartikel%2F1"]


def test_path_shortcut_is_the_url_split_and_unquoted():
    import random
    from urllib.parse import urlsplit

    from ingest import urls

    rng, plain = random.Random(11), 0
    cases = []
    for _ in range(40000):
        url = rng.choice(_URL_STARTS) + rng.choice(_URL_HOSTS) + rng.choice(_URL_PATHS)
        for _ in range(rng.choice([0, 0, 1, 2, 3])):  # hostile characters anywhere, most URLs left as they are
            at = rng.randint(0, len(url))
            url = url[:at] + rng.choice(_URL_HOSTILE) + url[at:]
        cases.append(url)
    for url in cases + [url.strip() for url in cases]:  # (article_path, article_id and canonical_url strip it)
        calls = urlsplit.cache_info()
        got = _outcome(urls._path_of, url)
        plain += urlsplit.cache_info() == calls  # read without urlsplit
        assert got == _outcome(_path_by_splitting, url), repr(url)
    assert plain > 10000
    assert urls.article_id("https://www.jungewelt.de/artikel/365771.über-straße.html") == "artikel-365771"
