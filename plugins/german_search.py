"""German-aware search: turns what a reader types into an FTS5 query over the stems column, and highlights by stem."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from datasette import hookimpl
from markupsafe import Markup, escape

from ingest.enrich.stems import PARTS_MARK, WORD, german_words, stem, word_stems
from ingest.store import FTS_COLUMNS, FTS_STEMS_COLUMN, FTS_TABLE

TEXT_COLUMNS = "{" + " ".join(c for c in FTS_COLUMNS if c != FTS_STEMS_COLUMN) + "}"
NOTHING = '""'  # a valid FTS5 query that matches no row: what an empty or unusable query becomes
SNIPPET_WORDS = 24
_TOKENS = re.compile(r'"[^"]*"?|[()]|[^\s"()]+')
_OPERATORS = {"AND", "OR", "NOT"}
# A reader may paste a paragraph: more plain words than this (no operator, phrase or prefix) is read as a text to
# find articles like, not as words that must all be there: an OR of its PARAGRAPH_TERMS rarest words, which bm25
# ranks by how many of them an article has and how rare they are.
PARAGRAPH_WORDS = 12
PARAGRAPH_TERMS = 24
PARAGRAPH_COMMON_ZIPF = 5.0  # once in 100,000 words or more (und, heute, Jahr)
# Beyond these a search is refused with a 400 naming the limit (plugins/german_search.py's asgi_wrapper): FTS5's
# parser gives up at about 60 nested parentheses, Python's at about 250, and a longer text is no search
MAX_WORDS = 1000
MAX_DEPTH = 20
SEARCH_PARAMETERS = ("_search", "q")  # the table's ?_search= (and ?_search_COLUMN=) and the canned searches' ?q=


# a NamedTuple, not a dataclass: Datasette executes plugin files without registering them as modules
class Words(NamedTuple):
    """One search term: a word, or a phrase (quoted, or hyphenated like »Ukraine-Krieg«); `prefix` if it ended in *."""
    words: tuple[str, ...]
    prefix: bool = False

    def fts(self) -> str:
        stems = " ".join(stem(w) for w in self.words)
        if not self.prefix:
            # only the stems column: the text columns fold ö into o (remove_diacritics), so »schön«
            # would find »schon« there
            return f'{FTS_STEMS_COLUMN} : "{stems}"'
        # a prefix is stemmed too (Muench* → munch*), but a cut word can stem oddly (Stadtverwaltu*), so
        # the words as typed are tried against the text columns as well
        return f'({FTS_STEMS_COLUMN} : "{stems}" * OR {TEXT_COLUMNS} : "{" ".join(self.words)}" *)'


@lru_cache(maxsize=100_000)
def _plain(word: str) -> str:
    """A word as unicode61 remove_diacritics indexes it: lower case, no marks."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(ch))


def _lex(query: str) -> list:
    tokens = []
    for chunk in _TOKENS.findall(query):
        if chunk in _OPERATORS or chunk in ("(", ")"):
            tokens.append(chunk)
            continue
        words = tuple(WORD.findall(chunk))
        if words:
            quoted = chunk.startswith('"')
            tokens.append(Words(words, prefix=not quoted and chunk.endswith("*")))
    return tokens


class _Parser:
    """AND/OR/NOT and parentheses as FTS5 reads them; whatever cannot be read is dropped, never an error."""

    def __init__(self, tokens: list):
        self.tokens, self.pos = tokens, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def query(self):
        tree = None
        while self.pos < len(self.tokens):
            start = self.pos
            tree = _join("AND", tree, self.any_of())
            if self.pos == start:  # a stray ")" or operator: skip it
                self.pos += 1
        return tree

    def any_of(self):
        tree = self.all_of()
        while self.peek() == "OR":
            self.pos += 1
            tree = _join("OR", tree, self.all_of())
        return tree

    def all_of(self):
        tree = self.but_not()
        while isinstance(self.peek(), Words) or self.peek() in ("AND", "("):
            if self.peek() == "AND":
                self.pos += 1
                continue
            tree = _join("AND", tree, self.but_not())
        return tree

    def but_not(self):
        tree = self.term()
        while self.peek() == "NOT":
            self.pos += 1
            excluded = self.term()
            # FTS5 has no NOT on its own: »NOT x« without a left side is dropped
            tree = ("NOT", tree, excluded) if tree is not None and excluded is not None else tree
        return tree

    def term(self):
        token = self.peek()
        if isinstance(token, Words):
            self.pos += 1
            return token
        if token == "(":
            self.pos += 1
            inner = self.any_of()
            if self.peek() == ")":
                self.pos += 1
            return inner
        return None


def _join(op: str, left, right):
    if left is None or right is None:
        return left if right is None else right
    return (op, left, right)


def _render(tree) -> str:
    """FTS5 syntax; a chain of one operator flat (a AND b AND c): FTS5's parser overflows on deep nesting."""
    if isinstance(tree, Words):
        return tree.fts()
    op = tree[0]
    operands = [tree] if op == "NOT" else []
    chain = [] if op == "NOT" else [tree]
    while chain:
        node = chain.pop()
        for child in (node[2], node[1]):
            if isinstance(child, tuple) and child[0] == op:
                chain.append(child)
            else:
                operands.append(child)
    if op == "NOT":
        return f"({_render(tree[1])} NOT {_render(tree[2])})"
    return "(" + f" {op} ".join(_render(child) for child in reversed(operands)) + ")"


def _wanted(tree) -> list[Words]:
    """The terms a match must or may contain (not those after NOT): what gets highlighted."""
    if tree is None:
        return []
    if isinstance(tree, Words):
        return [tree]
    op, left, right = tree
    return _wanted(left) + ([] if op == "NOT" else _wanted(right))


def search_too_long(query: str | None) -> str | None:
    """Why a search is refused, or None: more than MAX_WORDS words or parentheses nested deeper than MAX_DEPTH."""
    if not query:
        return None
    words = sum(1 for word in WORD.findall(query) if word not in _OPERATORS)
    if words > MAX_WORDS:
        return f"search too long: at most {MAX_WORDS:,} words ({words:,} given)"
    depth = deepest = 0
    for token in _TOKENS.findall(query):
        if token == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif token == ")":
            depth = max(0, depth - 1)
    if deepest > MAX_DEPTH:
        return f"search too deeply nested: at most {MAX_DEPTH} levels of parentheses ({deepest:,} given)"
    return None


def _paragraph(tokens: list) -> list | None:
    """A pasted text's rarest words joined by OR, if the query is one (see PARAGRAPH_WORDS)."""
    if not all(isinstance(t, Words) and not t.prefix for t in tokens):
        return None  # operators, parentheses or a prefix: a query, however long
    words = [word for token in tokens for word in token.words]  # US-Präsident: both words
    if len(words) <= PARAGRAPH_WORDS:
        return None
    frequencies, seen, candidates = german_words(), set(), []
    for position, word in enumerate(words):
        key = stem(word)
        zipf = frequencies.get(word.lower(), ("", 0.0))[1]
        if key in seen or len(word) < 3 or word.isdigit() or zipf >= PARAGRAPH_COMMON_ZIPF:
            continue
        seen.add(key)
        candidates.append((zipf, position, word))
    chosen = sorted(sorted(candidates)[:PARAGRAPH_TERMS], key=lambda c: c[1])  # rarest, in the text's order
    query = []
    for _, _, word in chosen:
        query += [Words((word,)), "OR"]
    return query[:-1]


@lru_cache(maxsize=4096)
def parse(query: str | None):
    tokens = _lex(query or "")
    return _Parser(_paragraph(tokens) or tokens).query()


def german_match(query: str | None) -> str:
    """The FTS5 query for what a reader typed: stemmed, umlaut- and name-folded, always valid FTS5; a search
    beyond the limits raises ValueError (a 400 from Datasette; the asgi_wrapper below answers it first)."""
    refused = search_too_long(query)
    if refused:
        raise ValueError(refused)
    tree = parse(query)
    return NOTHING if tree is None else _render(tree)


@lru_cache(maxsize=4096)
def _highlight_rules(query: str | None) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    stems, stem_prefixes, plain_prefixes = set(), [], []
    for term in _wanted(parse(query)):
        for i, word in enumerate(term.words):
            if term.prefix and i == len(term.words) - 1:
                stem_prefixes.append(stem(word))
                plain_prefixes.append(_plain(word))
            else:
                stems.add(stem(word))
    return frozenset(stems), tuple(stem_prefixes), tuple(plain_prefixes)


def _matched(word: str, rules) -> str | None:
    """The query term a word of the text matches, or None."""
    stems, stem_prefixes, plain_prefixes = rules
    s, parts = word_stems(word)
    if s in stems:
        return s
    for part in parts:  # a compound the search found by a part: »Warnstreik« for »Streik«
        if part in stems:
            return part
    for prefix in stem_prefixes:
        if s.startswith(prefix):
            return prefix
    if plain_prefixes:  # most queries have none: folding every word of a body is the snippet's main cost
        plain = _plain(word)
        for prefix in plain_prefixes:
            if plain.startswith(prefix):
                return prefix
    return None


# words remembered per query: more than a page's (50 snippets, 500 titles) and a few pages after it
TERMS_REMEMBERED = 50_000


class _TermOf(dict):
    """word → the query term it matches, or None, for one query: a word of the ranked search's titles and snippets
    is stemmed and split once per query, not once per occurrence (its stems and parts cost ~1.5 µs a word, a
    page of snippets 15,000 words; a dict lookup in C a tenth of that)."""

    def __init__(self, rules):
        super().__init__()
        self.rules = rules

    def __missing__(self, word: str) -> str | None:
        if len(self) >= TERMS_REMEMBERED:  # a long text of rare words: start again rather than grow
            self.clear()
        term = self[word] = _matched(word, self.rules)
        return term


@lru_cache(maxsize=256)
def _term_of(query: str | None) -> _TermOf:
    return _TermOf(_highlight_rules(query))


def german_hits(query: str | None, *texts: str | None) -> int:
    """How many different query terms the texts contain (by stem): the title boost of the ranked search."""
    term_of = _term_of(query)
    hits = {term for text in texts if text for term in map(term_of.__getitem__, WORD.findall(text))}
    hits.discard(None)
    return len(hits)


def german_whole_hits(query: str | None, search_stems: str | None) -> int:
    """How many different query terms an article has as whole words, not only as a compound's part (its
    search_stems before the parts): the ranked search puts »Streik« above »Warnstreik«."""
    needles = _whole_needles(query)
    if not needles or not search_stems:
        return 0
    # the parts follow the one mark at the end: found from there (whole_words() searches from the start, 2 µs a row)
    cut = search_stems.rfind(PARTS_MARK)
    whole = f" {search_stems[:cut] if cut >= 0 else search_stems} "
    return sum(needle in whole for needle in needles)


@lru_cache(maxsize=4096)
def _whole_needles(query: str | None) -> tuple[str, ...]:
    """What german_whole_hits looks for in the whole words, one per query term (asked once per ranked row)."""
    if search_too_long(query):
        return ()
    needles = []
    for term in _wanted(parse(query)):
        stems = " ".join(stem(w) for w in term.words)
        needles.append(f" {stems}" if term.prefix else f" {stems} ")
    return tuple(needles)


# Markdown that reads as noise in a one-line excerpt: headings, quotes, emphasis, link targets, escapes
_LINE_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}|>+)[ \t]*", re.M)
_INLINE_MARKUP = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])|!?\[([^\]]*)\]\([^)]*\)|\*{1,3}|_{2,3}|(?<!\w)_|_(?!\w)|`")


# a text without any of these has no markup the two above would take out (most article texts: the search is quicker)
_MARKUP_CHARACTER = re.compile(r"[\\`*_\[#>]")


def without_markdown(text: str) -> str:
    """Markdown as a reader sees it in a line: »**Streik** in [Berlin](https://…)« → »Streik in Berlin«."""
    if not _MARKUP_CHARACTER.search(text):
        return text
    return _INLINE_MARKUP.sub(lambda m: m[1] or m[2] or "", _LINE_MARKUP.sub("", text))


def german_snippet(query: str | None, *texts: str | None) -> str | None:
    """A window of the first text with a hit, as plain text, the words matched by stem in <mark>; the first
    text's start if none."""
    term_of = _term_of(query)
    texts = [t for t in texts if t]
    if not texts:
        return None
    for text in texts:
        text = without_markdown(text)  # one text at a time: the teaser only when the body has no hit
        terms = list(map(term_of.__getitem__, WORD.findall(text)))
        hits = [(i, term) for i, term in enumerate(terms) if term]
        if hits:
            return _window(text, list(WORD.finditer(text)), hits)
    first = without_markdown(texts[0])
    return _window(first, list(WORD.finditer(first)), [])


def _window(text: str, words: list, hits: list) -> str:
    if not words:
        return ""
    best_start, best_score = 0, (-1, -1)
    for i, _ in hits:
        start = max(0, i - 3)  # a little lead-in before the first hit
        inside = [term for j, term in hits if start <= j < start + SNIPPET_WORDS]
        score = (len(set(inside)), len(inside))
        if score > best_score:
            best_start, best_score = start, score
    end = min(len(words), best_start + SNIPPET_WORDS)
    marked = {i for i, _ in hits}
    out, cursor = [], words[best_start].start()
    for i in range(best_start, end):
        w = words[i]
        out.append(text[cursor:w.start()])
        out.append(f"<mark>{w.group()}</mark>" if i in marked else w.group())
        cursor = w.end()
    if end < len(words):
        out.append(text[cursor:words[end].start()].rstrip())
    else:
        out.append(text[cursor:])
    snippet = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("… " if best_start > 0 else "") + snippet + (" …" if end < len(words) else "")


SNIPPET_COLUMN = "snippet"


def marked(value: str) -> Markup:
    """A snippet as HTML: every character escaped, then only the exact <mark> and </mark> tags let through."""
    return Markup(str(escape(value)).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


@hookimpl
def render_cell(value, column):
    # the canned searches' `snippet` column (and any SQL that names a column so): cheap, and safe for any text
    if column == SNIPPET_COLUMN and isinstance(value, str):
        return marked(value)
    return None


def register(conn) -> None:
    """The search functions on one SQLite connection (the plugin's, the tests' and the benchmark's alike)."""
    conn.create_function("german_match", 1, german_match, deterministic=True)
    conn.create_function("german_hits", -1, german_hits, deterministic=True)
    conn.create_function("german_snippet", -1, german_snippet, deterministic=True)
    conn.create_function("german_whole_hits", 2, german_whole_hits, deterministic=True)


def _has_stems(conn) -> bool:
    try:
        row = conn.execute("select sql from sqlite_master where name = ?", [FTS_TABLE]).fetchone()
    except Exception:  # an attached or unreadable database simply keeps Datasette's own escape_fts
        return False
    return bool(row and FTS_STEMS_COLUMN in row[0])


# trylast: Datasette registers its own escape_fts on every connection; ours must come after it to win
@hookimpl(trylast=True)
def prepare_connection(conn):
    register(conn)
    if _has_stems(conn):
        # ?_search= on the articles table calls escape_fts(:search) unless _searchmode=raw
        conn.create_function("escape_fts", 1, german_match, deterministic=True)


def _refusal(scope) -> str | None:
    """The limit a request's search breaks, if any."""
    from urllib.parse import parse_qsl

    query_string = scope.get("query_string", b"").decode("utf-8", "replace")
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if key in SEARCH_PARAMETERS or key.startswith("_search_"):
            refused = search_too_long(value)
            if refused:
                return refused
    return None


@hookimpl
def asgi_wrapper(datasette):
    # Refused before any SQL runs, as Datasette answers every other bad request (its own error page or JSON):
    # inside SQL the reason would be lost (»user-defined function raised exception«)
    from datasette.plugins import pm
    from datasette.utils import await_me_maybe
    from datasette.utils.asgi import BadRequest, Request

    def wrap(app):
        async def searched(scope, receive, send):
            refused = _refusal(scope) if scope.get("type") == "http" else None
            if refused is None:
                return await app(scope, receive, send)
            request, error = Request(scope, receive), BadRequest(refused)
            for answer in pm.hook.handle_exception(datasette=datasette, request=request, exception=error):
                response = await await_me_maybe(answer)
                if response is not None:
                    return await response.asgi_send(send)
        return searched

    return wrap
