"""plugins/related.py on a real `just serve`: an article's related articles are its topical neighbours — the articles
that share its rare words, not those that share the words of every article — and never the article itself."""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

from conftest import Server  # pytest puts tests/ on the path (pywb installs a package named `tests`)
from ingest import store
from ingest.enrich.stems import german_stems

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))
import related  # noqa: E402

# three topics the size of a handful of articles each, in an archive of everyday words
TOPICS = {
    "tarif": ["Streik", "Gewerkschaft", "Tarifvertrag", "Lokführer", "Urabstimmung", "Warnstreik"],
    "klima": ["Braunkohle", "Emissionen", "Klimaschutz", "Tagebau", "Kohleausstieg", "Erderwärmung"],
    "fussball": ["Bundesliga", "Trainer", "Abstieg", "Torwart", "Elfmeter", "Stadion"],
}
EVERYDAY = ["Regierung", "Jahr", "Berlin", "Menschen", "sagte", "Woche", "Land", "Politik", "Stadt", "heute",
            "Zeit", "Frage", "Ende", "Tag", "Seite", "Prozent", "Million", "Partei", "Leute", "Arbeit"]
PER_TOPIC = 8
OTHERS = 300


def rows(rng: random.Random):
    i = 0
    for topic, words in TOPICS.items():
        for _ in range(PER_TOPIC):
            i += 1
            body = " ".join(rng.sample(words, 4) * 2 + rng.sample(EVERYDAY, 12) + ["und", "der", "die"] * 3)
            yield make(i, f"{topic} {i}", body)
    for _ in range(OTHERS):
        i += 1
        yield make(i, f"Alltag {i}", " ".join(rng.sample(EVERYDAY, 12) + ["und", "der", "die"] * 3))


def make(i: int, title: str, body: str) -> dict:
    row = dict.fromkeys(store.ARTICLE_COLUMNS)
    published = f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}"
    row.update(id=f"artikel-{i}", title=title, published=published, published_date=published,
               published_month=published[:7], published_year=int(published[:4]), section="Inland",
               authors="[]", agencies="[]", body_markdown=body, search_stems=german_stems(title, None, None, body))
    return row


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("related")
    db, raw = work / "archive.db", work / "raw"
    raw.mkdir()
    with store.building(db) as built:
        store.insert_articles(built, rows(random.Random(2)))
        store.finish(built, {}, {})
    srv = Server(raw, db)
    yield srv
    srv.stop()


def related_on_page(server, article_id: str) -> list[tuple[str, str]]:
    html = server.get(f"/archive/articles/{article_id}").text
    section = re.search(r'<section class="jw-related".*?</section>', html, re.S)
    return re.findall(r'<a href="/archive/articles/([^"]+)">([^<]+)</a>', section[0]) if section else []


@pytest.mark.parametrize("article_id, topic", [("artikel-1", "tarif"), ("artikel-12", "klima"), ("artikel-24", "fussball")])
def test_related_articles_are_the_topical_neighbours(server, article_id, topic):
    found = related_on_page(server, article_id)
    assert len(found) == related.SHOWN
    assert all(title.startswith(topic + " ") for _, title in found), found
    assert article_id not in [i for i, _ in found]


def test_an_everyday_article_has_only_everyday_neighbours(server):
    # its words are in every article: none is distinctive enough to say what it is about
    assert related_on_page(server, "artikel-100") == []


def test_the_rarest_stems_are_chosen_and_the_common_left_out():
    vocabulary = related.Vocabulary(articles=1_000_000, sampled=20_000,
                                    documents={"und": 20_000, "regier": 4_000, "streik": 30, "gewerkschaft": 60})
    stems = related.distinctive("und und regier streik streik gewerkschaft selenskyj 2019 zu", vocabulary)
    # »und« is in every article, »regier« in a fifth (over COMMON), numbers and short words say nothing; a stem the
    # sample never saw counts as rarer than any it saw
    assert list(stems) == ["streik", "selenskyj", "gewerkschaft"]
    assert stems["streik"] > stems["gewerkschaft"] == stems["selenskyj"] == 1.0


def test_the_stems_chosen_stay_within_the_postings_budget(monkeypatch):
    monkeypatch.setattr(related, "MAX_POSTINGS", 1_000)
    vocabulary = related.Vocabulary(articles=100_000, sampled=100_000,
                                    documents={"a" * 3 + str(i): 300 for i in range(10)} | {"selten": 5, "oft": 2_000})
    # »oft«, said ten times, would be read in 2,000 articles alone: over the budget, never chosen
    stems = related.distinctive(" ".join(["aaa" + str(i) for i in range(10)] + ["selten"] + ["oft"] * 10), vocabulary)
    assert "selten" in stems and "oft" not in stems and sum(vocabulary.estimate(s) for s in stems) <= 1_000
