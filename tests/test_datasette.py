"""The archive served by a real Datasette (`just serve`) on 127.0.0.1: JSON API, facets, canned search, plugins."""


def test_search_with_section_facet(server):
    data = server.get("/archive/articles.json?_search=Telefonat&_facet=section&_shape=objects").json()
    titles = [row["title"] for row in data["rows"]]
    assert titles == ["Trump telefoniert mit Putin: Einladung nach Moskau"]
    section = data["facet_results"]["section"]
    assert [(r["value"], r["count"]) for r in section["results"]] == [("Ausland", 1)]


def test_default_facets_and_sort(server):
    data = server.get("/archive/articles.json").json()
    assert set(data["facet_results"]) == {"section", "agencies", "topics", "published_year", "published_month",
                                          "published"}
    agencies = {r["value"]: r["count"] for r in data["facet_results"]["agencies"]["results"]}
    assert agencies == {"dpa": 1, "jW": 2}
    assert "order by published desc" in data["query"]["sql"]


def test_canned_search_highlights(server):
    rows = server.get("/archive/search.json?q=Telefonat&_shape=objects").json()["rows"]
    assert len(rows) == 1
    assert "<mark>Telefonat</mark>" in rows[0]["snippet"]
    html = server.get("/archive/search?q=Telefonat").text
    assert "<mark>Telefonat</mark>" in html
    # a reader's page: titled by what was searched, the SQL behind a »show« link
    assert "<title>Search articles (ranked): Telefonat · jW-Archiv</title>" in html
    assert "bm25(" not in html  # neither shown nor in the title (only URL-encoded in the »Edit SQL« link)
    assert "_show_sql=1" in html


def test_canned_search_never_500(server):
    for q in ["", "   ", '"unclosed', "AND", "*", "NEAR(", "a OR", "(((", "^", "-"]:
        response = server.get("/archive/search.json", params={"q": q})
        assert response.status_code == 200, (q, response.text[:300])


def test_plugins_listed(server):
    names = {p["name"] for p in server.get("/-/plugins.json").json()}
    assert {"datasette-cluster-map", "datasette-render-markdown"} <= names


def test_row_page_renders_markdown_inert(server):
    rows = server.get("/archive/articles.json?_search=Skript&_shape=objects").json()["rows"]
    assert len(rows) == 1
    html = server.get(f"/archive/articles/{rows[0]['id']}").text
    assert "<script>document.title" not in html
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "") or "&lt;img" in html


def test_ingest_errors_recorded(server):
    rows = server.get("/archive/ingest_errors.json?_shape=objects").json()["rows"]
    assert [(r["source_path"], r["reason"]) for r in rows] == [("empty.txt", "empty page")]


def test_article_page_shows_byline_and_sources(tmp_path):
    from conftest import Server

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "signed.txt").write_text(
        "Streik im Hafen\nVon Anna Beispiel und Tom Muster, Hamburg\n"
        "Die Hafenarbeiter legen seit Montag die Arbeit nieder. (AFP/jW)\n", encoding="utf-8")
    srv = Server(raw, tmp_path / "archive.db")
    try:
        html = srv.get("/archive/articles/file-signed").text
    finally:
        srv.stop()
    assert 'Von <a href="/archive/articles?authors__arraycontains=Anna%20Beispiel">Anna Beispiel</a> und ' in html
    assert ">Tom Muster</a>, Hamburg</p>" in html
    assert 'Quelle: (<a href="/archive/articles?agencies__arraycontains=AFP">AFP</a>/' in html


def test_table_page_shows_short_plain_excerpts(server):
    """The table lists each text as a plain excerpt; only the article page renders the whole body."""
    import re

    html = server.get("/archive/articles?_search=Telefonat").text
    cell = re.search(r'<td class="col-body_markdown[^"]*">(.*?)</td>', html, re.S)[1]
    assert cell.startswith("US-Präsident Donald Trump hat") and "<p>" not in cell
    assert len(cell) < 600 and cell.rstrip().endswith("…")
