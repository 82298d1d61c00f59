"""German search stems: Snowball stems with umlaut/ß folding, one spelling per name, and the parts of compounds."""
from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache
from itertools import islice
from pathlib import Path

import Stemmer

# Transliterations and exonyms → the one form the archive searches by. Kept small and by hand: every
# entry is a spelling jW or the agencies actually use. Keys and values are lower case, accents dropped.
NAME_VARIANTS = {
    "selenskij": "selenskyj", "selensky": "selenskyj", "selenski": "selenskyj", "selenskyi": "selenskyj",
    "zelensky": "selenskyj", "zelenskyy": "selenskyj", "zelenskyj": "selenskyj", "zelenskiy": "selenskyj",
    "zelenskij": "selenskyj", "zelenski": "selenskyj",
    "kiew": "kyjiw", "kyiv": "kyjiw", "kiev": "kyjiw", "kijew": "kyjiw", "kyjw": "kyjiw",
    "charkow": "charkiw", "kharkiv": "charkiw", "kharkov": "charkiw", "charkiv": "charkiw",
    "odesa": "odessa",
    "lviv": "lwiw", "lwow": "lwiw", "lemberg": "lwiw",
    "zaporizhzhia": "saporischschja", "saporoschje": "saporischschja", "saporishshja": "saporischschja",
    "peking": "beijing",
    "netanyahu": "netanjahu",
    "gaddafi": "gaddafi", "ghaddafi": "gaddafi", "gadhafi": "gaddafi", "kaddafi": "gaddafi", "qaddafi": "gaddafi",
    "khamenei": "chamenei",
    "hezbollah": "hisbollah", "hizbollah": "hisbollah", "hizbullah": "hisbollah",
    "jeltsin": "jelzin", "yeltsin": "jelzin",
    "gorbachev": "gorbatschow", "gorbachov": "gorbatschow",
    "khrushchev": "chruschtschow",
    "lawrow": "lawrow", "lavrov": "lawrow",
    "schoigu": "schoigu", "shoigu": "schoigu",
    "peskov": "peskow",
    "medvedev": "medwedew",
    "navalny": "nawalny", "nawalnyj": "nawalny",
    # names ending in a vowel map to themselves: Snowball leaves their genitive alone (Moskaus, Chinas)
    "moskau": "moskau", "china": "china", "europa": "europa", "kuba": "kuba", "afrika": "afrika",
    "amerika": "amerika", "venezuela": "venezuela", "kanada": "kanada", "korea": "korea", "nicaragua": "nicaragua",
    "syria": "syria", "kolumbia": "kolumbia", "bolivia": "bolivia", "ghana": "ghana", "gaza": "gaza",
}

# Verbs that Snowball folds into a noun of another meaning (kriegen, to get → krieg): their forms in lower case,
# where they cannot be the noun, keep a stem of their own; »Kriegen« (in den Kriegen) is still the war.
LOWER_CASE_VERBS = {form: "kriegen" for form in ("kriegen", "kriege", "kriegst", "kriegt", "kriegte", "kriegten",
                                                  "kriegtest", "kriegtet", "gekriegt")}

# Snowball strips the -er of people ("Krieger" → krieg, "Mieter" → miet, "Arbeiter" → arbeit) and the
# umlaut of "schön" (→ schon): these words keep a stem of their own, so »Krieg« does not find warriors.
_PEOPLE = ["krieger", "arbeiter", "gewerkschafter", "mieter", "bauer", "lehrer", "fahrer", "sprecher", "spieler",
           "leser", "maler"]
OWN_STEMS = {
    **{person + ending: person for person in _PEOPLE for ending in ("", "n", "s")},
    **{person + ending: person + "in" for person in _PEOPLE for ending in ("in", "innen")},
    **{"schoen" + ending: "schoen" for ending in ("", "e", "en", "er", "es", "em")},
}

_NAMES = frozenset(NAME_VARIANTS.values())
WORD = re.compile(r"\w+", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
# without PyStemmer's own cache (10,000 words, purged when full, which cost more than stemming): stem() keeps its own
_stemmer = Stemmer.Stemmer("german", 0)
# a word in lower case that folds to itself: ASCII and the umlauts and ß (what fold keeps), nothing to decompose
_FOLDS_TO_ITSELF = re.compile("[\x00-\x7fäöüß]*")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower case with accents dropped but umlauts and ß kept: Snowball itself treats ä/ae and ß/ss alike."""
    lower = word.lower()
    if lower.isascii() or _FOLDS_TO_ITSELF.fullmatch(lower):  # most German words
        return lower
    kept = []
    for ch in unicodedata.normalize("NFD", lower):
        # the diaeresis on a, o, u is the German umlaut and stays; every other mark (é, ğ, č) goes
        if unicodedata.combining(ch) and not (ch == "\u0308" and kept and kept[-1] in "aou"):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def _plain(folded: str) -> str:
    """A folded word with its umlauts as ae, oe, ue (most words have none: then no translation)."""
    return folded if folded.isascii() else folded.translate(_UMLAUTS)


def canonical_name(folded: str) -> str | None:
    """The one spelling of a name, also for the genitive (Selenskijs → selenskyj)."""
    plain = _plain(folded)
    if plain in NAME_VARIANTS:
        return NAME_VARIANTS[plain]
    if plain in _NAMES:
        return plain
    if plain.endswith("s") and plain[:-1] in NAME_VARIANTS:
        return NAME_VARIANTS[plain[:-1]]
    if plain.endswith("s") and plain[:-1] in _NAMES:
        return plain[:-1]
    return None


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    folded = fold(word)
    name = canonical_name(folded)
    if name is not None:
        return name
    plain = _plain(folded)
    if word[:1].islower() and plain in LOWER_CASE_VERBS:
        return LOWER_CASE_VERBS[plain]
    own = OWN_STEMS.get(plain)
    if own is not None:
        return own
    kinds, _, lemma = _entry(folded)
    if lemma:
        # a noun form Snowball stems apart from its lemma (Zinsen → zins, but Zins → zin): the lemma's stem
        return stem(lemma)
    if len(plain) > 6 and plain.endswith(_UNG):
        # Snowball cuts -ung only from long words (Regierung → regier, like regierenden; Wohnung keeps it): a noun
        # in -ung keeps it, so »Regierung« finds neither »regierenden« nor »regiert«. -unk is a stand-in Snowball
        # leaves alone, so it still folds the umlauts (Bevölkerung, Bevoelkerung → bevolkerung)
        base = folded[:folded.rindex("ung")]
        return _stemmer.stemWord(base + "unk")[:-1] + "g"
    if "e" in kinds:
        # a noun in -e that Snowball folds into a rarer neighbour: Kohle/Kohlen → kohle, not kohl (Kohl, Kohls)
        return _stemmer.stemWord(folded) + "e"
    # Snowball German maps ä/ae, ö/oe, ü/ue and ß/ss to one form: "Muenchen" and "München" reach "munch"
    return _stemmer.stemWord(folded)


_UNG = ("ung", "ungen", "ungs")

# --- compounds and derived words ---------------------------------------------------------------------------------
# A compound is split into the words it is made of (Warnstreik → warn + Streik, Bundesregierung → Bund + Regierung),
# and the stems of its noun parts are indexed after the text's own stems, so »Streik« finds »Warnstreik«. So are
# the nouns some derived words come from: the verb of »streikten«, »gestreikt« (Streik), the noun of a person
# (Mieter → Miete, Rentner → Rente) and of an adjective (schulisch → Schule, arbeitslos → Arbeit). The words come
# from german_words.tsv.gz (make_german_words.py: Wiktionary's nouns with every inflected form, wordfreq's
# frequencies): a part must be a common noun (or place) there, so look-alikes (Arm in Armee, Rat in Rate) are no parts.
WORDS_FILE = Path(__file__).with_name("german_words.tsv.gz")
_UNKNOWN = ("", 0.0, "")
NOUN_KINDS = frozenset("nae")  # a noun, one declined like an adjective (Abgeordnete), a noun in -e (Kohle)
INDEXED_KINDS = NOUN_KINDS | {"p"}  # what a reader searches a compound by: its nouns and places (Balkan-krieg)
MODIFIER_KINDS = INDEXED_KINDS | {"v", "m"}  # and what may begin a compound: verb stems (Warn-), adjectives (Groß-)
MIN_PART = 3
# the linking elements between a modifier and the head (Kriegs-gefahr, Gewerkschafts-bund, Bundes-regierung); most
# are also the modifier's own genitive or plural, which german_words lists anyway. A noun in -e often drops it
# (Schul-buch, Miet-wohnung, Grenz-polizei, Erd-gas)
LINKS = ("s", "es", "n", "en", "er", "e", "ens", "ns")
# derivational endings that are also nouns (der Schaft, das Ion, die Rung): as a head they make a new word, not a
# compound (Gesell-schaft, Land-schaft, Gewerk-schaft, Akt-ion, Digitalisie-rung)
SUFFIX_HEADS = frozenset({"schaft", "schaften", "tum", "tums", "heit", "keit", "ling", "linge", "lingen", "ion",
                          "ionen", "rung", "rungs", "rungen"})
# heads that make adjectives of nouns: arbeits|los, Arbeits|losen|versicherung, Arbeits|losigkeit
ADJECTIVE_HEADS = frozenset({"los", "lose", "losen", "loser", "loses", "losem", "losigkeit"})
# a word of a particle and a noun is a word of its own (Angebot, Ausland, Umwelt), unless it is rare enough to be
# made up for one compound (Nachkrieg in Nachkriegschaos, Nichtwähler)
PARTICLES = ("ab", "an", "auf", "aus", "bei", "durch", "ein", "gegen", "hinter", "mit", "nach", "neben", "über",
             "um", "unter", "vor", "wider", "zu", "zwischen", "miss", "ur", "nicht")
COMMON_ZIPF = 3.0
RARER_PARTS = 0.5  # on the Zipf scale: a third as common
SHORT_HEAD_ZIPF = 4.0  # a head of three letters must be common: Bau, Rat, Amt, Gas, but not Ern (Arbeit|ern)
# a compound much rarer than its head may begin with a modifier the list does not have (Kriminal|polizei,
# Dokumentar|film), if both are long enough not to be look-alikes (Demok|rat)
UNLISTED_MODIFIER, UNLISTED_RARER = 5, 1.0
LOWER_CASE_COMPOUND = 8
# the longest compounds in print (Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz: 63); a longer
# »word« is a URL, a hash or junk, and splitting it would cost time for nothing
MAX_COMPOUND = 64
FEMININE = (("innen", "in"), ("in", "in"))  # Gewerkschaftssekretärinnen: the parts of …sekretär, head …sekretärin
_FEMININE_ENDINGS = tuple(ending for ending, _ in FEMININE)
# Snowball folds these persons into the word they come from, or their word is another's: they keep their own stem
# (OWN_STEMS) and are no person of a noun (Krieger is not a Krieg's, Bauer not a Bau's)
NOT_PERSONS = frozenset({"krieger", "bauer", "lehrer", "fahrer", "sprecher", "spieler", "leser", "maler"})
_NOT_PERSONS = tuple(NOT_PERSONS)
# endings of derived words, each with the stem or noun before it: a person (Mieter, Rentnerin, Sportler,
# Eisenbahner), a verb form (streikte, gestreikt, streikenden: ge- only, as be-/ver-/er- make other verbs:
# reichen/erreichen, teilen/verteilen), an adjective (schulisch, kriegerisch)
PERSON_ENDINGS = frozenset(f"{person}{more}" for person in ("er", "ler", "ner")
                           for more in ("", "in", "innen", "n", "s"))
VERB, OTHER_MODIFIER = frozenset("v"), frozenset("m")
VERB_ENDINGS = frozenset({"t", "et", "te", "ten", "tet", "test", "teten", "ete", "eten", "tes", "ter", "tem", "end",
                          "ende", "enden", "ender", "endes", "endem"})
# (Snowball itself cuts -lich and, from long words, -isch: gewerkschaftlich, but not schulisch)
ADJECTIVE_ENDINGS = frozenset(f"{er}isch{more}" for er in ("", "er") for more in ("", "e", "en", "er", "es", "em"))
MIN_STEM = 4
MAX_ENDING = 8  # erischen, lerinnen


@lru_cache(maxsize=None)
def _as_tuple(endings: frozenset[str]) -> tuple[str, ...]:
    return tuple(endings)


def _bases(word: str, endings: frozenset[str], prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """What is left of a word without one of the endings (and prefixes), longest first."""
    if not word.endswith(_as_tuple(endings)):
        return []  # most words: one test
    found = []
    for cut in range(1, min(MAX_ENDING, len(word) - MIN_PART) + 1):
        if word[-cut:] in endings:
            for prefix in prefixes:
                if word.startswith(prefix) and len(word) - len(prefix) - cut >= MIN_PART:
                    found.append(word[len(prefix):-cut])
    return found


def _transliterations(form: str) -> set[str]:
    """The spellings of a form a page may use: ß or ss, ä or ae."""
    both = {form, form.replace("ß", "ss")}
    return both | {f.translate(_UMLAUTS) for f in both}


@lru_cache(maxsize=1)
def german_words() -> dict[str, tuple[str, float, str]]:
    """Word form → (kinds, Zipf frequency, lemma or ""), from german_words.tsv.gz; umlauts also as ae/oe/ue and
    ß also as ss (wordfreq's own forms are written with ss)."""
    words = {}
    with gzip.open(WORDS_FILE, "rt", encoding="utf-8") as lines:
        for line in lines:
            form, kinds, zipf, *lemma = line.rstrip("\n").split("\t")
            words[form] = (kinds, float(zipf), lemma[0] if lemma else "")
    for form in [f for f in words if not f.isascii()]:
        for spelling in _transliterations(form):
            words.setdefault(spelling, words[form])
    return words


def load_word_list() -> None:
    """Load now what the stems look words up in (a build does before it forks its workers, which then share it)."""
    _load()
    for kinds in (INDEXED_KINDS, MODIFIER_KINDS, NOUN_KINDS, VERB, OTHER_MODIFIER):
        _of_kinds(kinds)
    _listed_heads()


def _entry(word: str) -> tuple[str, float, str]:
    return (_WORDS or _load()).get(word, _UNKNOWN)


_WORDS: dict = {}


def _load() -> dict:
    _WORDS.update(german_words())
    return _WORDS


@lru_cache(maxsize=None)
def _of_kinds(kinds: frozenset[str]) -> frozenset[str]:
    """Every word of german_words of one of the kinds: a set to look words up in, the splitter's inner loop."""
    by_kind = _by_kind()
    return frozenset().union(*(by_kind.get(kind, ()) for kind in kinds))


@lru_cache(maxsize=1)
def _by_kind() -> dict[str, list[str]]:
    """Kind letter → every word of german_words of that kind (one pass for all the sets _of_kinds makes)."""
    found: dict[str, list[str]] = {}
    for word, (letters, _, _) in german_words().items():
        for kind in letters:
            found.setdefault(kind, []).append(word)
    return found


def _is(word: str, kinds: frozenset[str]) -> bool:
    return word in _of_kinds(kinds)


def _zipf(word: str) -> float:
    return _entry(word)[1]


def _commoner_parts(word: str, modifier: str, head: str) -> bool:
    """A word is split only if its head is commoner than itself and its parts are on average not much rarer
    (after Koehn and Knight): Welt|krieg (5.7, 5.2 against 4.5), Mindest|lohn (3.0, 4.3 against 3.9), but not
    Verb|rechen (3.7, 3.0 against Verbrechen's 4.5) nor Bau|ern in Bauern (4.9, 3.2 against 4.4)."""
    whole, head_zipf = _zipf(word), _head_zipf(head)
    return head_zipf >= whole - RARER_PARTS and (_zipf(modifier) + head_zipf) / 2 >= whole - RARER_PARTS


def _is_head(head: str, lower_case: bool) -> bool:
    if lower_case:  # an adjective or participle made of a noun: klima|neutral, kriegs|tüchtig, arbeits|los
        return head in ADJECTIVE_HEADS or (len(head) > MIN_PART and _is(head, OTHER_MODIFIER)
                                            and not _is(head, NOUN_KINDS))
    # a noun, or a person of a verb (Streik|brecher, Klima|schützer); most tries are neither, so those tests first
    if head in _of_kinds(NOUN_KINDS):
        return head not in SUFFIX_HEADS and (len(head) > MIN_PART or _zipf(head) >= SHORT_HEAD_ZIPF)
    return head[-2:] == "er" and _verb_person(head)


def _verb_person(head: str) -> bool:
    return head.endswith("er") and len(head) > MIN_STEM and _is(head[:-2], VERB)


def _head_zipf(head: str) -> float:
    """How common a head is; a person of a verb (Steuer|zahler) as common as the verb (zahlen)."""
    return max(_zipf(head), _zipf(head[:-2] + "en") if _verb_person(head) else 0.0)


@lru_cache(maxsize=1)
def _listed_heads() -> frozenset[str]:
    """What may be a head but for a person of a verb: every listed word (heads are) and -los."""
    return _of_kinds(MODIFIER_KINDS) | ADJECTIVE_HEADS


@lru_cache(maxsize=100_000)  # a modifier is tried as a compound for every head it may come before
def _split(word: str, lower_case: bool = False, modifier: bool = False) -> tuple[str, ...] | None:
    """The parts of a compound (every level, modifier before head), or None. Longest head first: Waffen|stillstand.
    A compound's modifier may itself end in an adjective or verb (Partei|neu-gründung, Friedens|nobel-preis)."""
    heads = [word[start:] for start in range(MIN_PART, len(word) - MIN_PART + 1)]
    if not word.endswith("er"):  # (a person of a verb, Streik|brecher, may be a head without being listed)
        listed = _listed_heads()
        heads = [head for head in heads if head in listed]  # most tries: one set lookup, here all at once
    for head in heads:
        if not (_is_head(head, lower_case) or modifier and _is(head, MODIFIER_KINDS) and head not in SUFFIX_HEADS):
            continue
        first = word[:len(word) - len(head)]
        if head.startswith("end") and (_is(first, VERB) or _entry(first + "en")[0]):
            continue  # a participle, not a compound: Streik|enden, Regier|enden
        bases = [first] + [first[:-len(link)] for link in LINKS if first.endswith(link)]
        bases = [base for base in bases if len(base) >= MIN_PART]
        if "w" not in _entry(first)[0]:  # a noun in -e without it: Schul-buch, Hilf-s-werk; not nicht → Nichte
            bases += [first + "e"] + ([first[:-1] + "e"] if first.endswith("s") else [])
        # a modifier that is a word itself, a noun first (Regierungs-chef: Regierung, not the form »regierungs«) …
        for kinds in (INDEXED_KINDS, MODIFIER_KINDS):
            for base in bases:
                if _is(base, kinds) and _commoner_parts(word, base, head):
                    return (base, *(_split(base) or ()), head, *(_split(head) or ()))
        for base in bases:  # … or a compound (Dienstleistungs-gewerkschaft, Partei|neu-gründung) …
            inner = _split(base, modifier=True) if len(base) >= 2 * MIN_PART else None
            if inner:
                return (base, *inner, head, *(_split(head) or ()))
        if (len(first) >= UNLISTED_MODIFIER and len(head) > MIN_PART and _zipf(head) >= COMMON_ZIPF
                and _zipf(head) - _zipf(word) >= UNLISTED_RARER):
            return (head, *(_split(head) or ()))  # … or, in a word much rarer than its head, any longer beginning
    if word.startswith(PARTICLES):
        for particle in PARTICLES:
            rest = word[len(particle):]
            if (word.startswith(particle) and len(rest) >= MIN_PART and _is(rest, NOUN_KINDS)
                    and _zipf(word) < COMMON_ZIPF):
                return (rest, *(_split(rest) or ()))
    return None


def _person_of(word: str) -> str | None:
    """The noun a person is named after: Mieter → miete, Rentnerin → rente, Wähler → wahl, Eisenbahner → eisenbahn;
    not Partner (Part) or Messer (Messe): the noun must be commoner than the person."""
    if word.startswith(_NOT_PERSONS):
        return None
    for base in _bases(word, PERSON_ENDINGS):
        for noun in (base, base + "e", base.translate(_UMLAUTS_OFF)):
            if _is(noun, NOUN_KINDS) and _zipf(noun) > _zipf(word):
                return noun
    return None


_UMLAUTS_OFF = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


@lru_cache(maxsize=200_000)
def compound_parts(folded: str, lower_case: bool = False) -> tuple[str, ...]:
    """The nouns and places a compound is made of, at every level: bundesregierungssprecher → (bundesregierung,
    bundes, regierung, sprecher); with the nouns its persons are named after (Leiharbeiter: arbeiter, arbeit).
    () for a word that is not a compound, or is a name or a word of its own."""
    if (not 2 * MIN_PART <= len(folded) <= MAX_COMPOUND or canonical_name(folded)
            or _plain(folded) in NOT_PERSONS):
        return ()
    for ending, head_ending in FEMININE if folded.endswith(_FEMININE_ENDINGS) else ():
        base = folded[:-len(ending)]
        if folded.endswith(ending) and not lower_case and (_is(base, NOUN_KINDS) or _split(base)):
            # a woman of a noun (Kriegerin, Sekretärin): the parts of the noun, its head with -in (…sekretärin)
            person = _person_of(base)
            parts = [p + head_ending if base.endswith(p) else p for p in compound_parts(base)]
            return tuple(dict.fromkeys(parts + ([person] if person else [])))
    parts = list(_split(folded, lower_case) or ())
    if not parts and not lower_case and not _is(folded, NOUN_KINDS):
        # an adjective at the start of a sentence: Klima|neutral, Pflege|bedürftige
        parts = list(_split(folded, lower_case=True) or ())
        lower_case = bool(parts)
    if lower_case:
        parts = parts[:-1] if parts and folded.endswith(parts[-1]) else parts  # the adjective itself is no part
    found = [p for p in parts if _is(p, INDEXED_KINDS) or _split(p)]
    for word in [folded, *found]:
        person = _person_of(word) if not lower_case else None
        if person:
            found += [person, *(_split(person) or ())]
    return tuple(dict.fromkeys(found))


def _derived_from(folded: str) -> str | None:
    """The verb stem or noun a verb form or adjective comes from: streikten, gestreikt, streikenden → streik;
    schulisch → schule, kriegerisch → krieg. None for a word of its own."""
    for base in _bases(folded, VERB_ENDINGS, ("ge", "")):
        if len(base) >= MIN_STEM and _is(base, VERB):
            return base
    for base in _bases(folded, ADJECTIVE_ENDINGS):
        if base in NOT_PERSONS:  # krieger|isch is war-like (krieg|erisch), not of warriors
            continue
        for noun in (base, base + "e"):
            if _is(noun, NOUN_KINDS):
                return noun
    return None


# a word's stems as german_stems writes them: its own, then its parts' behind this mark (»warnstreik\x00streik«),
# so that a text's words are looked up in one pass of C (map over the cache) and the parts cut out by a regex
_PART = "\x00"
_PARTS = re.compile("\x00([^ \x00]+)")


@lru_cache(maxsize=200_000)  # a build's common words and its compounds: the split is the costly part
def _word_indexed(word: str) -> str:
    own = stem(word)
    folded = fold(word)
    if len(folded) < 2 * MIN_PART or _plain(folded) in LOWER_CASE_VERBS and word[:1].islower():
        return own
    lower_case = not word[:1].isupper()
    # a lower-case compound is long (arbeitslos, klimaneutral); most lower-case words are not, and are left alone
    splits = not lower_case or len(folded) >= LOWER_CASE_COMPOUND
    extra = [stem(part) for part in compound_parts(folded, lower_case)] if splits else []
    derived = _derived_from(folded)
    if derived:
        extra.append(stem(derived))
    return own + "".join(_PART + s for s in dict.fromkeys(extra) if s != own)


def word_stems(word: str) -> tuple[str, tuple[str, ...]]:
    """A word of a page: its stem, and the stems of the words it is made of or comes from. A word written with a
    capital is a noun (German nouns are), split into nouns; a lower-case one is a verb or adjective, of which only
    the nouns it begins with count (arbeits|los, klima|neutral)."""
    own, *extra = _word_indexed(word).split(_PART)
    return own, tuple(extra)


class _TokenStems(dict):
    """What stands between two spaces of a text (»Warnstreik,«, »US-Präsident«, »–«) → its words' stems as
    german_stems writes them, "" for none. A dict, not an lru_cache: a text's pieces are looked up in one pass of C
    (str.split, then map over dict lookups), which costs less than finding its words with a regex; when full, the
    half first added goes. (A space never stands inside a word, so the pieces' words are the text's words.)"""

    SIZE = 500_000

    def __missing__(self, token: str) -> str:
        value = self[token] = " ".join(map(_word_indexed, WORD.findall(token)))
        if len(self) > self.SIZE:
            for oldest in list(islice(self, self.SIZE // 2)):
                self.pop(oldest, None)
        return value

    def cache_clear(self) -> None:
        """Forget every word (bench/search_quality.py measures german_stems with its caches empty, too)."""
        self.clear()
        _word_indexed.cache_clear()


_indexed = _TokenStems()


# what separates a text's stems from its parts' in search_stems: unicode61 reads it as a space, so a phrase
# search never runs from the text into the parts, and the ranked search finds the whole words before it
PARTS_MARK = " | "


def german_stems(*texts: str | None, parts: bool = True) -> str:
    """Stems of every word of the texts, in order (so phrases can match on stems too), then the stems of every
    compound's parts, once each: »Der Warnstreik« → »der warnstreik | streik«. parts=False: the stems alone
    (bench/search_quality.py measures the search without the parts)."""
    if not parts:
        return " ".join(map(stem, [word for text in texts if text for word in WORD.findall(text)]))
    # a word's stems are never empty: an empty value is a piece without words (a dash), left out
    indexed = " ".join(filter(None, map(_indexed.__getitem__, " ".join(filter(None, texts)).split())))
    if _PART not in indexed:
        return indexed
    pieces = _PARTS.split(indexed)  # text, part, text, part … (one pass of the regex, not findall's and sub's two)
    return "".join(pieces[::2]) + PARTS_MARK + " ".join(dict.fromkeys(pieces[1::2]))


def whole_words(search_stems: str | None) -> str:
    """The stems of a search_stems value without its parts."""
    return (search_stems or "").partition(PARTS_MARK)[0]
