"""German search stems: Snowball stems with umlaut/ß folding and one spelling per name, for pages and queries alike."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
_stemmer = Stemmer.Stemmer("german")


def fold(word: str) -> str:
    """Lower case with accents dropped but umlauts and ß kept: Snowball itself treats ä/ae and ß/ss alike."""
    kept = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        # the diaeresis on a, o, u is the German umlaut and stays; every other mark (é, ğ, č) goes
        if unicodedata.combining(ch) and not (ch == "\u0308" and kept and kept[-1] in "aou"):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def canonical_name(folded: str) -> str | None:
    """The one spelling of a name, also for the genitive (Selenskijs → selenskyj)."""
    plain = folded.translate(_UMLAUTS)
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
    own = OWN_STEMS.get(folded.translate(_UMLAUTS))
    if own is not None:
        return own
    # Snowball German maps ä/ae, ö/oe, ü/ue and ß/ss to one form: "Muenchen" and "München" reach "munch"
    return _stemmer.stemWord(folded)


def german_stems(*texts: str | None) -> str:
    """Stems of every word of the texts, in order (so phrases can match on stems too)."""
    return " ".join(stem(word) for text in texts if text for word in WORD.findall(text))
