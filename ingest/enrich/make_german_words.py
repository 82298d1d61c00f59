"""Writes german_words.tsv.gz, the word list the compound splitter (stems.py) takes its parts from; run by hand.

Sources: the noun list of the `german-nouns` package (Wiktionary DE, CC BY-SA 4.0: every noun with all its
inflected forms) and the German word frequencies of `wordfreq` (already the benchmark's word source). german-nouns
pins an old lxml through its parser dependency, so it is not installed; its CSV is read from a downloaded wheel:

    pip download --no-deps -d /tmp/gn german-nouns==1.2.5 && unzip -o -q /tmp/gn/*.whl -d /tmp/gn
    python -m ingest.enrich.make_german_words /tmp/gn/german_nouns/nouns.csv

One line a word form: `form <TAB> kinds <TAB> zipf [<TAB> lemma]`, forms folded as stems.fold() folds them (lower case, umlauts
and ß kept), kinds one letter each (streik: `nv`, a noun and a verb stem). Kinds: `n` a form of a noun (may be a compound's head or a modifier), `a` the same for a noun declined
like an adjective (der Abgeordnete), `e` a noun in -e whose stem Snowball would fold into another noun (Kohle/Kohl),
`p` a place (Balkan-krieg), `v` a verb stem (Warn-streik), `m` another modifier: an adjective (Groß-stadt) or a
common longer word (Mindest-lohn), `w` any other common word (und, heute: only its frequency is of use).
The lemma is given only where Snowball stems a noun form apart from its lemma (Zinsen: zins, but Zins: zin).
"""
from __future__ import annotations

import csv
import gzip
import math
import sys
from functools import lru_cache
from pathlib import Path

import Stemmer
import wordfreq

from ingest.enrich.stems import fold

OUT = Path(__file__).with_name("german_words.tsv.gz")
# a noun counts if its lemma is at least this common (Zipf scale: 3 = once per million words): rare Wiktionary
# entries (Mee, Gesell) would otherwise turn look-alikes into parts
NOUN_ZIPF = 3.0
VERB_ZIPF, CONJUGATED_ZIPF = 3.0, 2.5  # warn- is a verb stem because »warnen« and »warnt« are common enough
LONG_WORD_ZIPF, LONG_WORD = 3.0, 5  # any common word of five letters or more may modify (Mindest-lohn)
COMMON_ZIPF = 4.5  # once in 30,000 words or more: too common to pick a pasted paragraph's articles (und, heute)
NOT_NOUNS = {"Toponym", "Vorname", "Nachname", "Eigenname", "Abkürzung", "Buchstabe", "Symbol", "Straßenname",
             "Affix", "Suffix", "Gebundenes Lexem", "Wortverbindung", "Redewendung", "Grußformel",
             "Geflügeltes Wort"}
FIRST_FORM_COLUMN = 7  # lemma, pos, genus ×5, then the inflected forms
# Words of the closed classes (articles, pronouns, prepositions, conjunctions, particles, auxiliaries): never a
# compound's part, even where Wiktionary also has a noun of that spelling (das Aus, das Für und Wider, das Ich)
# and wordfreq, which ignores case, lends it the preposition's frequency
FUNCTION_WORDS = set("""
der die das des dem den ein eine einer eines einem einen kein keine keiner keines keinem keinen
ich du er sie es wir ihr mich dich sich uns euch mir dir ihm ihn ihnen man mein dein sein unser euer
meine deine seine unsere eure ihre dieser diese dieses diesem diesen jener jene jenes welcher welche welches
wer was wo wie wann warum weshalb woher wohin womit wovon
ab an auf aus bei bis durch für gegen hinter in mit nach neben ob ohne seit statt trotz über um unter
vor während wegen wider zu zwischen samt nebst entlang gegenüber
und oder aber denn doch sondern dass daß weil wenn als ob falls obwohl damit sowie sowohl weder noch
nicht nur auch schon noch sehr mehr viel viele wenig immer nie oft wieder jetzt dann da dort hier heute
ja nein nun mal eben halt wohl gar etwa fast ganz sogar bereits erst
bin bist ist sind seid war waren wäre wären habe hast hat haben habt hatte hatten werde wirst wird werden
wurde wurden worden kann kannst können konnte muss musst müssen musste soll sollen sollte will wollen wollte
darf dürfen mag mögen möchte gut alle alles von vom zum zur im am ins beim etwas nichts selbst
her hin fort zurück zusammen wieder empor nieder weiter
""".split())


@lru_cache(maxsize=None)
def _frequencies() -> dict[str, float]:
    return wordfreq.get_frequency_dict("de", "large")


def zipf(word: str) -> float:
    """wordfreq's Zipf value (log10 of uses per billion words), 0 for a word it does not list."""
    frequency = _frequencies().get(word.casefold(), 0.0)  # wordfreq's keys are case-folded: ß as ss
    return round(math.log10(frequency * 1e9), 2) if frequency else 0.0


def read_nouns(csv_path: Path) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """(noun form → kind, noun form → its lemma, places' forms)."""
    kinds, lemmas, places, claims = {}, {}, set(), {}
    with open(csv_path, encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        for row in rows:
            lemma, pos = row[0], set(row[1].split(","))
            if not lemma[:1].isupper() or " " in lemma or "-" in lemma or zipf(lemma) < NOUN_ZIPF:
                continue
            forms = {fold(form) for form in row[FIRST_FORM_COLUMN:] if form and " " not in form} | {fold(lemma)}
            if "Toponym" in pos:
                places |= forms
            if pos & NOT_NOUNS or "Substantiv" not in pos:
                continue
            kind = "a" if "adjektivische Deklination" in pos else "n"
            for form in forms:
                # a form of two nouns belongs to the one it names (Kohle: Kohl's old dative, Kohle's nominative),
                # else to the commoner one
                claim = (form == fold(lemma), zipf(lemma))
                if form not in claims or claim > claims[form]:
                    kinds[form], lemmas[form], claims[form] = kind, fold(lemma), claim
    return kinds, lemmas, places


def e_nouns(kinds: dict[str, str], lemmas: dict[str, str]) -> set[str]:
    """Forms of nouns in -e that Snowball folds into another noun: Kohle/Kohlen → kohl like Kohl/Kohls. Not when
    the shorter word is also a verb or an adjective (warten/Warte, deutsche/Deutsche): those forms are common in
    lower case, where the Snowball stem is right."""
    stemmer = Stemmer.Stemmer("german")
    lemma_set = set(lemmas.values())

    def verb_or_adjective(base):
        return (max(zipf(base + "t"), zipf(base + "et")) >= LONG_WORD_ZIPF
                or min(zipf(base + "er"), zipf(base + "es")) >= LONG_WORD_ZIPF)

    return {form for form, lemma in lemmas.items()
            if lemma.endswith("e") and lemma[:-1] in lemma_set and kinds[form] == "n"
            and stemmer.stemWord(form) == stemmer.stemWord(lemma[:-1]) and not verb_or_adjective(lemma[:-1])
            # the -e noun must be the commoner word: Kohle (4.4) over Kohl (4.0), but Zwecke (also Zweck's plural)
            # and Rande (am Rande) stay with Zweck and Rand
            and zipf(lemma) > zipf(lemma[:-1])}


def modifiers() -> tuple[set[str], set[str], set[str]]:
    """(verb stems, other words that begin compounds: adjectives and common longer words, common words of any
    length: what a pasted paragraph's search leaves out)."""
    verbs, others, common = set(), set(), set()
    for word in _frequencies():
        if not word.isalpha():
            continue
        if (len(word) >= 5 and word.endswith("en") and zipf(word) >= VERB_ZIPF
                and max(zipf(word[:-2] + ending) for ending in ("t", "et", "te")) >= CONJUGATED_ZIPF):
            verbs.add(fold(word[:-2]))  # warn(en, t), miet(en, et), fahr(en, t); not kont(en)
        if (len(word) >= 6 and word.endswith(("eln", "ern")) and zipf(word) >= VERB_ZIPF
                and zipf(word[:-1] + "t") >= CONJUGATED_ZIPF):
            verbs.add(fold(word[:-1]))  # verweiger(n, t), wander(n, t)
        if len(word) >= 4 and word.endswith("e") and min(zipf(word), zipf(word + "n"), zipf(word[:-1])) >= VERB_ZIPF:
            others.add(fold(word[:-1]))  # groß(e, en), neu(e, en)
        if len(word) >= LONG_WORD and zipf(word) >= LONG_WORD_ZIPF:
            others.add(fold(word))
        if zipf(word) >= COMMON_ZIPF:
            common.add(fold(word))
    return verbs, others, common


def main(csv_path: str) -> None:
    kinds, lemmas, places = read_nouns(Path(csv_path))
    for form in e_nouns(kinds, lemmas):
        kinds[form] = "e"
    verbs, others, common = modifiers()
    # a form may be of several kinds (streik: a noun and a verb stem), so kinds are letters
    for kind, forms in [("p", {p for p in places if zipf(p) >= NOUN_ZIPF}), ("v", verbs), ("m", others)]:
        for form in forms:
            kinds[form] = kinds.get(form, "") + kind
    for form in common - set(kinds):
        kinds[form] = "w"
    for form in FUNCTION_WORDS:
        kinds[form] = "w"
    stemmer = Stemmer.Stemmer("german")
    lines = []
    for form, kind in sorted(kinds.items()):
        if len(form) >= 3 or kind == "w":
            # the lemma, where Snowball stems the form apart from it (Zinsen → zins, Zins → zin)
            lemma = lemmas.get(form, form) if kind[:1] in ("n", "a") else form
            lemma = lemma if stemmer.stemWord(lemma) != stemmer.stemWord(form) else ""
            lines.append(f"{form}\t{kind}\t{zipf(form):.2f}" + (f"\t{lemma}" if lemma else "") + "\n")
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write("".join(lines).encode("utf-8"))  # mtime 0: the same list gives the same bytes
    print(f"{OUT.name}: {len(lines)} forms", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
