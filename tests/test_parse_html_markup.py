"""Markup inside a real-shaped page (layout B) that a tree builder may read differently: entities, soft hyphens,
`<br>`, nested inline elements, comments and scripts, unclosed and stray tags, declared encodings. The text
column's Markdown is checked exactly. All but the unclosed `<li>` came out the same when lxml replaced bs4 +
html.parser; a stray `</html>` (libxml2 drops what follows it) must not lose the article."""
from pathlib import Path

import pytest

from ingest.parse import parse_page
from ingest.parse.html import Page, _text
from ingest.parse.listing import html_lines, html_links

PAGE = (Path(__file__).parent / "fixtures" / "pages" / "html" / "layout_b_plain.html").read_text()
COLUMN_START = '<div class="content font-serif majuskel">'
COLUMN = PAGE[PAGE.index(COLUMN_START) + len(COLUMN_START): PAGE.index("</div></div>\n <div class=\"clear-both\">")]
FIRST = ("Die Bundesregierung will die Mittel für den sozialen Wohnungsbau im kommenden Jahr kürzen. Das geht aus "
         "einem Entwurf des Haushalts hervor, der dieser Zeitung vorliegt.")


def with_column(markup: str) -> str:
    return PAGE.replace(COLUMN, markup)


def body_of(page: str) -> str:
    article = parse_page(page.encode("utf-8"))
    assert article.shape == "html-b" and article.title == "Weniger Geld für Sozialwohnungen"
    return article.body_markdown


@pytest.mark.parametrize("markup, markdown", [
    # named, numeric and legacy entities; a no-break space; soft hyphens as character and as entities
    ("<p>Preise &amp; Löhne: 5&nbsp;% mehr, &#8222;Streik&#8220;, &auml;rgerlich, Pan-&shy;Afri\u00adcan, "
     "Ar&#173;beit, Ge&#xAD;werk&#x00ad;schaft &amp Co.</p>",
     "Preise & Löhne: 5 % mehr, „Streik“, ärgerlich, Pan-African, Arbeit, Gewerkschaft & Co."),
    # a line break inside a paragraph joins the lines; a subhead stays a heading
    ("<p>Erste Zeile<br>zweite Zeile<br/>dritte</p><h3>Eine Zwischenzeile</h3><p>Danach.</p>",
     "Erste Zeile zweite Zeile dritte\n\n### Eine Zwischenzeile\n\nDanach."),
    # inline markup nested in inline markup, a link made absolute
    ('<p>Ein <em>betont <strong>stark</strong> gesagter</em> Satz mit <a href="/artikel/1.x.html">einem '
     '<b>Link</b></a>.</p>',
     "Ein *betont **stark** gesagter* Satz mit [einem **Link**](https://www.jungewelt.de/artikel/1.x.html)."),
    # comments and scripts are not text, the text around them is
    ('<p>Vor<!-- ein Kommentar -->her</p><script>var x = "<p>kein Text</p>";</script><p>Nach<style>p{}</style>her'
     '</p><!-- <p>auskommentiert</p> -->',
     "Vorher\n\nNachher"),
    # unclosed paragraphs and list items stand apart (html.parser nested an unclosed <li> in the one before:
    # `- eins- zwei`)
    ("<p>Erster Absatz<p>Zweiter Absatz<ul><li>eins<li>zwei</ul><p>Dritter",
     "Erster Absatz\n\nZweiter Absatz\n\n- eins\n- zwei\n\nDritter"),
])
def test_text_column_markup(markup, markdown):
    assert body_of(with_column(markup)) == markdown


def test_a_stray_html_end_tag_keeps_the_article():
    """libxml2 drops everything after `</html>`: one left early in a broken page must not take the article along."""
    broken = PAGE.replace("</head>", "</head></html>", 1)
    assert body_of(broken) == body_of(PAGE)
    assert body_of(broken).startswith(FIRST)


def test_declared_encodings_do_not_matter():
    """The page arrives decoded (UTF-8 or UTF-16, parse.decode_page): a declaration of another encoding, in an XML
    declaration or a `<meta>`, must not make the parser decode it again."""
    column = "<p>Straße, Größe, 20 €, naïve</p>"
    declared = ('<?xml version="1.0" encoding="iso-8859-1"?>\n' + with_column(column)).replace(
        '<meta charset="utf-8">', '<meta charset="iso-8859-1"><meta http-equiv="Content-Type" '
                                  'content="text/html; charset=windows-1252">')
    assert body_of(declared) == "Straße, Größe, 20 €, naïve"


def test_text_and_lines_of_the_tree():
    root = Page('<html><body><div class="kicker"><!-- Dachzeile --><div>Peru</div><div>Chile</div></div>'
                '<p>vom <a href="/2025/03-14/index.php">14.03.</a>, Seite 6<br>neu</p></body></html>').root
    kicker, paragraph = root.find(".//div"), root.find(".//p")
    assert _text(kicker) == "Peru Chile"  # block elements apart, the comment not read
    assert _text(paragraph) == "vom 14.03., Seite 6 neu"  # inline ones as they run
    assert html_lines(root) == ["Peru", "Chile", "vom 14.03., Seite 6", "neu"]
    assert html_links(root) == [("14.03.", "/2025/03-14/index.php")]


def test_empty_and_comment_only_pages_are_page_errors():
    from ingest.model import PageError
    from ingest.parse.html import parse_html

    for text in ("", "   ", "<!-- nur ein Kommentar -->", "<html></html>"):
        with pytest.raises(PageError):
            parse_html(text)
