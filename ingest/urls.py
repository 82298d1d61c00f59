"""junge Welt URLs: canonical form and the stable article id behind every alias."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

_PATTERNS = [
    (re.compile(r"^/artikel/(\d+)(?:[./]|$)"), lambda m: f"artikel-{m[1]}"),
    (re.compile(r"^/beilage/art/(\d+)"), lambda m: f"beilage-{m[1]}"),
    (re.compile(r"^/rlk/de/article/(\d+)"), lambda m: f"rlk-{m[1]}"),
    (re.compile(r"^/blogs/([^/]+)/(\d+)"), lambda m: f"blog-{m[1]}-{m[2]}"),
    (re.compile(r"^/(\d{4})/(\d{2})-(\d{2})/(\d+)\.php"), lambda m: f"print-{m[1]}-{m[2]}-{m[3]}-{m[4]}"),
]


def _path_of(url: str) -> str:
    # Most URLs are a plain `https://host/path`: without a %-escape (unquote), a query or fragment (the
    # loginFailed wrapper), a tab or line break (urlsplit drops them) the path is what follows the host, as
    # urlsplit and unquote give it, at a fifth of their cost (tests/test_shortcuts.py holds it to them)
    if not ("%" in url or "?" in url or "#" in url or "\n" in url or "\t" in url or "\r" in url):
        if url.startswith("https://"):
            start = 8
        elif url.startswith("http://"):
            start = 7
        elif "://" in url or url.startswith("/"):
            start = -1
        else:
            start = 0  # a host without a scheme: read as https://
        if start >= 0:
            slash = url.find("/", start)
            host = url[start:] if slash < 0 else url[start:slash]
            # (urlsplit refuses a host with an unmatched or invalid IPv6 bracket, or a character NFKC makes a
            # delimiter of)
            if host.isascii() and not ("[" in host or "]" in host):
                return "" if slash < 0 else url[slash:]
    return _split_path_of(url)


def _split_path_of(url: str) -> str:
    parts = urlsplit(url if "://" in url or url.startswith("/") else "https://" + url)
    path = unquote(parts.path)
    if path.endswith("loginFailed.php"):
        ref = parse_qs(parts.query).get("ref")
        if ref:
            return _path_of(unquote(ref[0]))
    return path


def article_path(url: str) -> str:
    """The path of the page a URL shows (`loginFailed.php?ref=…` unwrapped, percent-decoded)."""
    return _path_of(url.strip())


def article_id(url: str) -> str | None:
    """`…/loginFailed.php?ref=%2Fartikel%2F365771.x.html` and `www.…/artikel/365771.y.html` → `artikel-365771`."""
    path = _path_of(url.strip())
    for pattern, make in _PATTERNS:
        m = pattern.match(path)
        if m:
            return make(m)
    return None


def canonical_url(url: str) -> str:
    """One spelling per page: https, www., the loginFailed wrapper removed."""
    path = _path_of(url.strip())
    return "https://www.jungewelt.de" + path


# A kind is named only by a path under /beilage/, /blogs/ or /rlk/: a URL that holds none of these words, nor a
# %-escape or a tab or line break (urlsplit and unquote could make one of them out of those), reads None without
# splitting it (urlsplit and unquote cost a twentieth of a text dump's parse, which asks every page's URL)
_MAY_NAME_A_KIND = re.compile(r"beilage|blogs|rlk|[%\t\r\n]")


def page_kind_from_url(url: str | None) -> str | None:
    if not url or not _MAY_NAME_A_KIND.search(url):
        return None
    return kind_of_path(_path_of(url))


def kind_of_path(path: str) -> str | None:
    """The page kind a URL's path (as article_path gives it) names."""
    if path.startswith("/beilage/"):
        return "beilage"
    if path.startswith("/blogs/"):
        return "blog"
    if path.startswith("/rlk/"):
        return "other"
    return None
