"""German search stems: Snowball stems with umlaut/ß folding and one spelling per name, for the FTS index."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# Transliterations and exonyms → one form, applied to pages and queries alike.
NAME_VARIANTS = {
    "selenskij": "selenskyj", "selensky": "selenskyj", "zelensky": "selenskyj", "zelenskyy": "selenskyj",
    "zelenskyj": "selenskyj", "selenski": "selenskyj", "zelenskiy": "selenskyj",
    "kiew": "kyjiw", "kyiv": "kyjiw", "kiev": "kyjiw",
    "peking": "beijing",
}
_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = Stemmer.Stemmer("german")


def fold(word: str) -> str:
    """Lower case, umlauts and ß folded as German spells them without (ä → ae, ß → ss), accents dropped."""
    word = word.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    folded = fold(word)
    folded = NAME_VARIANTS.get(folded, folded)
    # stem the folded form: "Muenchen" and "München" reach the same stem
    return _stemmer.stemWord(folded)


def german_stems(*texts: str | None) -> str:
    return " ".join(stem(word) for text in texts if text for word in _WORD.findall(text))
