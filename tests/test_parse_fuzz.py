"""Mutated real-shaped pages never make the parser fail with anything but PageError."""
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.model import Article, PageError
from ingest.parse import parse_page

ROOT = Path(__file__).parent
PAGES = sorted((ROOT / "fixtures" / "pages").rglob("*.txt")) + sorted((ROOT / "fixtures" / "pages").rglob("*.html"))
PAGES.append(ROOT.parent / "data" / "raw" / "jw-2025-02-12-trump-putin.txt")
SOURCES = [path.read_bytes() for path in PAGES]


@st.composite
def mutated_pages(draw):
    lines = draw(st.sampled_from(SOURCES)).split(b"\n")
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate_line"]))
        if operation == "delete":
            del lines[i]
        elif operation == "duplicate":
            lines.insert(i, lines[i])
        elif operation == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif operation == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.binary(min_size=1, max_size=12)) + lines[i][at:]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    raw = b"\n".join(lines)
    return raw[: draw(st.integers(0, len(raw)))] if draw(st.booleans()) else raw


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pages(), st.sampled_from([None, "https://www.jungewelt.de/artikel/1.x.html",
                                         "https://www.jungewelt.de/beilage/art/2"]))
def test_only_page_errors(raw, url):
    try:
        article = parse_page(raw, url=url)
    except PageError as err:
        assert str(err)
        return
    assert isinstance(article, Article)
    assert article.paywalled in (True, False, None)
    assert article.word_count >= 0
    assert article.page_kind in (None, "online_extra", "print", "blog", "beilage", "other")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text(text):
    try:
        parse_page(text.encode("utf-8", "surrogatepass"))
    except PageError:
        pass


def test_control_characters_in_html_never_escape_as_value_errors():
    """A control character XML forbids, anywhere in an HTML page (hypothesis found `\\xc2\\x80\\x01`): the page still
    parses or fails with a PageError, never with lxml's ValueError."""
    raw = (ROOT / "fixtures" / "pages" / "html" / "article.html").read_bytes()
    for at in range(len(b"<!DOCTYPE html>"), len(raw), 97):  # (before it, the page is no HTML page)
        try:
            article = parse_page(raw[:at] + b"\xc2\x80\x01" + raw[at:])
        except PageError:
            continue
        assert "\x01" not in (article.body_markdown or "") + (article.title or "")
