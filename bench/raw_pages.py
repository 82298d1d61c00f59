"""Synthetic raw pages for the raw-page build benchmark: the synthetic archive's articles written out as the
page dumps (shapes S1–S5) and the site's two HTML layouts (A and B), with sidecars, as loose files or WARC.gz."""
from __future__ import annotations

import html
import json
import multiprocessing
import os
import random
import shutil
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench import synth
from bench.synth import LAST_DAY, FIRST_DAY, Archive

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Sonnabend", "Sonntag"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]
PAYWALL = ("Artikel-Länge: {length} Zeichen\nUneingeschränkter Zugriff auf alle Inhalte: Erleben Sie die Tageszeitung "
           "junge Welt in ihrer ganzen Vielfalt – gedruckt und online.\nDein Abo zählt!\nAbo abschließen\n")
FOOTER = ("\n\nJetzt den kostenlosen jW-Newsletter abonnieren – täglich das Beste aus der Tageszeitung junge Welt, "
          "direkt in Ihr Postfach.\n\nMehr aus: {section}")
# every DUPLICATE_EVERY-th article is also fetched behind the paywall (loginFailed.php?ref=…): one more page,
# merged into the same article; every EDITION_EVERY articles an edition index lists the last few of them
DUPLICATE_EVERY = 50
EDITION_EVERY = 200
CHUNK = 5_000


def _masthead(day: date, number: int) -> str:
    return (f"Gegründet 1947 {WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}, "
            f"Nr. {number % 300 + 1}\nDie junge Welt wird von 3005 GenossInnen herausgegeben")


def _marker(row: dict) -> str:
    codes = json.loads(row["agencies"])
    return f" ({'/'.join(codes)})" if codes else ""


def _byline(row: dict) -> str | None:
    authors = json.loads(row["authors"])
    return " und ".join(authors) if authors else None


def _paragraphs(row: dict, paywalled: bool) -> list[str]:
    paragraphs = row["body_markdown"].split("\n\n")
    if paywalled:  # the page shows the opening only
        return [paragraphs[0][:400].rsplit(" ", 1)[0] + " ..."]
    paragraphs[-1] += _marker(row)
    return paragraphs


def text_dump(row: dict, shape: str, paywalled: bool) -> str:
    """One of the page dumps of ../shared/jw-page-format.md (S1 full page … S5 title + body)."""
    day = date.fromisoformat(row["published"][:10])
    number = int(row["id"].split("-")[1])
    body = _paragraphs(row, paywalled)
    byline = _byline(row)
    tail = PAYWALL.format(length=row["article_length"] or 4000) if paywalled else ""
    if shape in ("S1", "S2"):
        head = [_masthead(day, number)] if shape == "S1" else []
        if row["page_kind"] == "online_extra" and shape == "S1":
            head += ["Online Extra", f"{day:%d.%m.%Y}, {row['published'][11:19]} / {row['section']}"]
        else:
            head.append(f"{day:%d.%m.%Y} / {row['section']} / Seite {row['print_page'] or 1}")
        lines = head + ([row["kicker"]] if row["kicker"] and shape == "S1" else []) + [row["title"]]
        lines += [row["teaser"]] if row["teaser"] else []
        lines += [f"Von {byline}"] if byline else []
        if row["image"]:
            lines += [row["image"], row["caption"]]
        text = "\n\n".join(lines + body) + "\n\n" + (tail or FOOTER.format(section=row["section"]))
        return text
    lines = [row["title"]] + ([row["teaser"]] if row["teaser"] else [])
    if shape == "S3" and byline:
        body = [byline + body[0]] + body[1:]  # the byline glued to the first word (§ S3)
    elif shape in ("S3", "S4") and byline:
        lines.append(f"Von {byline}")
    return "\n".join(lines + body) + "\n" + tail


_HTML_HEAD = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>{title} (Tageszeitung junge Welt)</title>
<meta name="generator" content="jW-CMS 09/2001, 02/2006, 12/2014, 02/2019{generator}">
<meta name="Author" content="{author}">
<meta name="date" content="{day}" scheme="YYYY-MM-DD">
<meta name="keywords" content="{section}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:description" content="{teaser}">
<link rel="canonical" href="{url}">
<script type="application/ld+json">{ld}</script>
<script>var _paq = window._paq = window._paq || []; _paq.push(["trackPageView"]);</script>
</head>
<body>
<div class="top"><span>Gegründet 1947</span><span>Die junge Welt wird von 3005 GenossInnen herausgegeben</span>
 <a href="/abo/">Abo-Shop</a> <a href="/login.php">Anmelden</a></div>
<nav><ul>{nav}</ul></nav>
<main>
"""
_NAV = "".join(f'<li><a href="/aktuell/rubrik/{name.lower()}.php">{name}</a></li>'
               for name in ["Titel", "Schwerpunkt", "Inland", "Ausland", "Feuilleton", "Sport", "Thema", "Ansichten",
                            "Medien", "Geschichte", "Wochenendbeilage", "Leserbriefe"])
_HTML_TAIL = """<div class="related"><h2>Mehr aus: {section}</h2></div>
</main>
<footer><ul><li><a href="/ueber_uns/impressum.php">Impressum</a></li><li><a href="/abo/">Abo-Shop</a></li></ul>
<p>© Verlag 8. Mai GmbH – Tageszeitung junge Welt</p></footer>
</body>
</html>
"""


def html_page(row: dict, layout: str, paywalled: bool) -> str:
    """Layout A (`div.view-article`, 2019–2026) or B (`#overline`/h2, since April 2026) of jw-html-format.md."""
    e = html.escape
    day = row["published"][:10]
    byline = _byline(row)
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": row["title"],
          "alternativeHeadline": row["teaser"] or "", "datePublished": row["published"]
          if "T" in row["published"] else f"{day}T00:00:00+01:00"}
    if byline and layout == "a":
        ld["author"] = [{"@type": "Person", "name": name} for name in json.loads(row["authors"])]
    head = _HTML_HEAD.format(title=e(row["title"]), generator=", 04/2026" if layout == "b" else "",
                             author=e(byline or ""), day=day, section=e(row["section"]), url=row["url"],
                             teaser=e(row["teaser"] or ""), ld=json.dumps(ld, ensure_ascii=False), nav=_NAV)
    body = "".join(f"<p>{e(p)}</p>\n" for p in _paragraphs(row, paywalled))
    if paywalled:
        body += f'<div class="paywall"><p>Artikel-Länge: {row["article_length"] or 4000} Zeichen</p></div>\n'
    edition = f"{day[8:10]}.{day[5:7]}.{day[:4]}"
    if layout == "a":
        issue = (f'<div class="issue">Aus: <a href="/{day[:4]}/{day[5:7]}-{day[8:10]}/index.php">Ausgabe vom {edition}'
                 f'</a>, Seite {row["print_page"]} / {e(row["section"])}</div>' if row["print_page"] else "")
        kicker = f"<div>{e(row['kicker'])}</div>" if row["kicker"] else ""
        article = (f'<div class="view-article"><article><header><div class="kicker">{issue}{kicker}</div>'
                   f'<h1>{e(row["title"])}</h1>'
                   + (f'<div class="teaser lead">{e(row["teaser"])}</div>' if row["teaser"] else "")
                   + (f'<address class="author">Von {e(byline)}</address>' if byline else "")
                   + f'</header><div class="content">\n{body}</div></article></div>\n')
    else:
        overline = f'<div id="overline">{e(row["kicker"])}</div>' if row["kicker"] else ""
        printed = (f'<div class="py-2">Erschienen in der <a href="/{day[:4]}/{day[5:7]}-{day[8:10]}/index.php">'
                   f'Ausgabe vom {edition}</a>, Seite {row["print_page"]}, {e(row["section"])}</div>'
                   if row["print_page"] else "")
        article = (f'<article class="mx-auto"><ul class="flex"><li><div class="Date"> {edition} </div></li>'
                   f'<li>&#8594; <a href="/aktuell/rubrik/x.php">{e(row["section"])}</a></li></ul>{overline}'
                   f'<h1>{e(row["title"])}</h1>'
                   + (f'<h2>{e(row["teaser"])}</h2>' if row["teaser"] else "")
                   + (f'<div class="byline">Von {e(byline)}</div>' if byline else "")
                   + f'<div class="text-black"><div class="content font-serif">\n{body}</div></div>{printed}</article>\n')
    return head + article + _HTML_TAIL.format(section=e(row["section"]))


def edition_index(day: str, rows: list[dict]) -> str:
    """An edition index listing some articles (a listing page: not an article, its items fill gaps)."""
    items = "".join(f'<article><p class="kicker">{html.escape(r["kicker"] or "")}</p><h3><a href="/artikel/'
                    f'{r["id"].split("-")[1]}.x.html">{html.escape(r["title"])}</a></h3><p class="teaser">'
                    f'{html.escape(r["teaser"] or "")}</p></article>\n' for r in rows)
    return ('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><link rel="canonical" '
            f'href="https://www.jungewelt.de/{day[:4]}/{day[5:7]}-{day[8:10]}/index.php"></head><body><main>'
            f'<h1>Ausgabe vom {day[8:10]}.{day[5:7]}.{day[:4]}</h1><section class="issue">{items}</section>'
            '</main></body></html>')


def pages_of(archive: Archive, i: int, span: int) -> list[tuple[str, str, bytes, str]]:
    """(path, url, bytes, fetched_at) of article i: its page, sometimes a paywalled duplicate and an edition index."""
    row = archive.row(i, random.Random(archive.seed * 1_000_003 + i), span)
    number = row["id"].split("-")[1]
    shape = row["shape"] if row["shape"] != "html-b" else ("html-a" if i % 2 else "html-b")
    paywalled = bool(row["paywalled"])
    fetched = (date.fromisoformat(row["published"][:10]) + timedelta(days=1)).isoformat() + "T06:00:00Z"
    folder = f"{int(number) // 1000:04d}"
    if shape.startswith("html"):
        out = [(f"{folder}/{number}.html", row["url"], html_page(row, shape[-1], paywalled), fetched)]
    else:
        out = [(f"{folder}/{number}.txt", row["url"], text_dump(row, shape, paywalled), fetched)]
    if i % DUPLICATE_EVERY == 7:
        wrapped = f"https://www.jungewelt.de/loginFailed.php?ref=/artikel/{number}.synthetisch.html"
        out.append((f"{folder}/{number}-login.txt", wrapped, text_dump(row, "S5", True), fetched))
    if i % EDITION_EVERY == EDITION_EVERY - 1:
        listed = [archive.row(j, random.Random(archive.seed * 1_000_003 + j), span) for j in range(i - 4, i + 1)]
        day = row["published"][:10]
        out.append((f"{folder}/index-{number}.html", f"https://www.jungewelt.de/{day[:4]}/{day[5:7]}-{day[8:10]}/index.php",
                    edition_index(day, listed), fetched))
    return [(path, url, text.encode("utf-8") if isinstance(text, str) else text, at) for path, url, text, at in out]


def _without_stems() -> None:
    """The rows' search_stems are not written into any page; the stemmer would be 95% of the time making them."""
    synth.german_stems = lambda *texts, **options: ""


def _write_chunk(args: tuple[int, int, int, int, str]) -> int:
    count, seed, start, stop, root = args
    _without_stems()
    archive = Archive(count, seed)
    span = (LAST_DAY - FIRST_DAY).days
    written = 0
    for i in range(start, stop):
        for rel, url, data, fetched in pages_of(archive, i, span):
            path = Path(root) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.with_name(path.name + ".meta.json").write_text(json.dumps({"url": url, "fetched_at": fetched}))
            written += 1
    return written


def write_loose(root: Path, count: int, seed: int, start: int = 0, stop: int | None = None,
                processes: int | None = None) -> int:
    """Articles start..stop-1 of a `count`-article archive as loose pages with sidecars under root."""
    stop = count if stop is None else stop
    jobs = [(count, seed, s, min(s + CHUNK, stop), str(root)) for s in range(start, stop, CHUNK)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return sum(pool.imap_unordered(_write_chunk, jobs))


def _warc_chunk(args: tuple[int, int, int, int, str]) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    import io

    count, seed, start, stop, path = args
    _without_stems()
    archive = Archive(count, seed)
    span = (LAST_DAY - FIRST_DAY).days
    written = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i in range(start, stop):
            for _rel, url, data, fetched in pages_of(archive, i, span):
                # the dumps are text the site served as pages: stored as HTML responses, as a crawl would have them
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                      ("Content-Length", str(len(data)))], protocol="HTTP/1.1")
                record = writer.create_warc_record(url, "response", payload=io.BytesIO(data), http_headers=headers,
                                                   warc_headers_dict={"WARC-Date": fetched})
                writer.write_record(record)
                written += 1
    return written


def write_warc(root: Path, count: int, seed: int, start: int = 0, stop: int | None = None,
               processes: int | None = None, name: str = "crawl") -> int:
    """The same pages as write_loose, as gzipped WARC files of CHUNK articles each under root."""
    root.mkdir(parents=True, exist_ok=True)
    stop = count if stop is None else stop
    jobs = [(count, seed, s, min(s + CHUNK, stop), str(root / f"{name}-{s:08d}.warc.gz"))
            for s in range(start, stop, CHUNK)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return sum(pool.imap_unordered(_warc_chunk, jobs))


def make_raw(work: Path, count: int, seed: int, warc: bool) -> tuple[Path, float]:
    """`count` articles' pages under work/raw-COUNT-{loose,warc}/ (made once, reused while this file is unchanged)."""
    import hashlib

    version = hashlib.sha256(Path(__file__).read_bytes() + (Path(__file__).parent / "synth.py").read_bytes()).hexdigest()[:10]
    root = work / f"raw-{count}-{'warc' if warc else 'loose'}-{seed}-{version}"
    done = root.with_name(root.name + ".done")
    if done.exists():
        return root, 0.0
    for stale in work.glob(f"raw-{count}-{'warc' if warc else 'loose'}-*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    started = time.perf_counter()
    (write_warc if warc else write_loose)(root, count, seed)
    done.write_text(datetime.now(timezone.utc).isoformat())
    return root, time.perf_counter() - started


def size_of(root: Path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(root) for f in files)
