"""The Article record: the one contract between parsing and storing."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

PAGE_KINDS = ("online_extra", "print", "blog", "beilage", "other")


class PageError(ValueError):
    """A page that cannot become an article; the message is the reason."""


class ListingPage(PageError):
    """A listing page (edition index, section, letters ...): not an article."""

    def __init__(self, reason: str, items: list[dict] | None = None):
        super().__init__(reason)
        self.items = items or []


@dataclass
class Article:
    url: str | None = None
    title: str | None = None
    kicker: str | None = None
    teaser: str | None = None
    published: str | None = None  # ISO 8601: date, YYYY-MM, or datetime with Berlin offset
    print_edition_date: str | None = None
    print_page: int | None = None
    section: str | None = None
    page_kind: str | None = None
    authors: list[str] = field(default_factory=list)
    author_place: str | None = None
    dateline: str | None = None
    agencies: list[str] = field(default_factory=list)
    image: str | None = None
    image_credit: str | None = None  # the photo credit (`Agentur/Fotograf`), without `Foto:`
    caption: str | None = None
    body_markdown: str | None = None
    paywalled: bool | None = None
    article_length: int | None = None
    word_count: int = 0
    shape: str | None = None  # which dump shape (S1..S7) or HTML layout ("html-a", "html-b", "html-generic")
    topics: list[str] = field(default_factory=list)  # the page's topics (`keywords` meta / `Themen:` list)
    # fields where the page's metadata and its visible text disagree (the visible text is kept), e.g.
    # ["authors", "section"]: `just report` counts them
    disagreements: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        # what dataclasses.asdict gives (fields in order, lists copied), without its recursive deep copy: every
        # page's record passes through here, and the fields hold only strings, numbers and lists of strings.
        # The instance's own dict is those fields in that order (as __init__ set them), unless something was
        # added to it or taken out: then field by field
        values = self.__dict__
        if len(values) != len(_FIELDS) or tuple(values) != _FIELDS:
            return {name: list(values[name]) if type(values[name]) is list else values[name] for name in _FIELDS}
        record = values.copy()
        for name in _LIST_FIELDS:
            if type(value := values[name]) is list:
                record[name] = list(value)
        return record

    @property
    def published_date(self) -> str | None:
        if self.published and _DAY.match(self.published):
            return self.published[:10]
        return None

    @property
    def published_month(self) -> str | None:
        return self.published[:7] if self.published else None

    @property
    def article_id(self) -> str | None:
        """Stable id from the URL's article number, e.g. `artikel-365771`."""
        from ingest.urls import article_id

        return article_id(self.url) if self.url else None


_FIELDS = tuple(f.name for f in dataclasses.fields(Article))
_LIST_FIELDS = tuple(f.name for f in dataclasses.fields(Article) if f.default_factory is list)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WORD = re.compile(r"\w[\w'’.-]*")
# _WORD's words eight at a time (one match each, not one match and one string a word: a third of a text dump's
# parse went on counting its words). A match opens only where no word character stands before it: where a run of
# eight fails (the text's last few words), the engine does not try again from inside each word
_WORDS_GROUPED = 8
_WORD_GROUP = re.compile(r"(?<!\w)\w[\w'’.-]*+(?:\W++\w[\w'’.-]*+){%d}" % (_WORDS_GROUPED - 1))


def count_words(text: str | None) -> int:
    """How many words (_WORD) the text holds."""
    if not text:
        return 0
    # between two groups stand no word characters, so what the groups leave holds only the last few words
    rest, groups = _WORD_GROUP.subn("", text)
    return groups * _WORDS_GROUPED + len(_WORD.findall(rest))
