"""A synthetic junge Welt archive: article rows shaped like `ingest.build.article_row`, German-like text
drawn from real German word frequencies (`wordfreq`), deterministic for a given seed."""
from __future__ import annotations

import hashlib
import itertools
import math
import random
from datetime import date, timedelta
from functools import lru_cache

from ingest import store
from ingest.enrich.agencies import agency_name
from ingest.enrich.places import geocode
from ingest.enrich.stems import german_stems

VOCABULARY_SIZE = 30_000
# Sections of the printed paper with rough shares of a year's articles; blogs are online-only.
SECTIONS = {
    "Ausland": 20, "Inland": 16, "Feuilleton": 10, "Ansichten": 8, "Thema": 5, "Kapital & Arbeit": 6,
    "Sport": 5, "Titel": 5, "Schwerpunkt": 5, "Medien": 2, "Geschichte": 2, "Natur & Wissenschaft": 2,
    "Politisches Buch": 2, "Wochenendbeilage": 2, "Leserbriefe": 2, "Betrieb & Gewerkschaft": 2,
    "Antifaschismus": 1, "Reportage": 1, "Interview": 1, "Abgeschrieben": 1, "Online Extra": 2,
    "Wirtschaft": 2, "Der schwarze Kanal": 0.5, "Rotlicht": 0.5,
}
# Trailing markers as the paper prints them, with rough shares: most articles have none.
AGENCY_MARKERS = [
    ((), 45), (("jW",), 14), (("dpa", "jW"), 10), (("AFP", "jW"), 5), (("Reuters", "jW"), 4),
    (("dpa",), 3), (("AP", "jW"), 2), (("dpa", "AFP", "jW"), 2), (("AFP",), 1), (("Reuters",), 1),
    (("PL", "jW"), 1), (("TASS", "jW"), 0.5), (("Xinhua", "jW"), 0.5), (("epd", "jW"), 1),
    (("KNA",), 0.3), (("ddp", "jW"), 0.8), (("dapd", "jW"), 0.5), (("ADN",), 0.3), (("SANA", "jW"), 0.2),
    (("WAFA", "jW"), 0.2), (("mme",), 0.5), (("fb",), 0.4), (("kkl",), 0.3), (("dpa", "Reuters", "jW"), 1),
    (("APA",), 0.2), (("EFE", "jW"), 0.2), (("AA", "jW"), 0.2), (("IPS",), 0.2), (("ots",), 0.1),
]
DATELINES = [
    "Berlin", "Washington", "Moskau", "Kiew", "Paris", "London", "Brüssel", "Rom", "Madrid", "Wien",
    "Warschau", "Prag", "Athen", "Ankara", "Istanbul", "Damaskus", "Beirut", "Jerusalem", "Ramallah",
    "Gaza", "Kairo", "Teheran", "Bagdad", "Peking", "Tokio", "Neu-Delhi", "Havanna", "Caracas", "Bogotá",
    "Mexiko-Stadt", "Lima", "Quito", "Brasília", "Buenos Aires", "Santiago", "New York", "Genf",
    "Hamburg", "München", "Köln", "Frankfurt/Main", "Leipzig", "Dresden", "Stuttgart", "Hannover",
    "Minsk", "Belgrad", "Budapest", "Lissabon", "Stockholm", "Kopenhagen", "Oslo", "Dublin", "Pretoria",
    "Nairobi", "Lagos", "Algier", "Tunis", "Rabat", "Sanaa",
]
FIRST = ["Anna", "Peter", "Jana", "Thomas", "Sabine", "Arnold", "Kristian", "Nico", "Gitta", "Werner",
         "Ina", "Knut", "Matthias", "Jörg", "Susanne", "Ralf", "Dieter", "Ulla", "Wiebke", "Gerd", "Max",
         "Sevim", "Dmitri", "Ulrike", "Marc", "Simon", "Volker", "Helga", "Reinhard", "Frank"]
LAST = ["Schölzel", "Wolf", "Frank", "Pirker", "Kronauer", "Popp", "Meyer", "Schmidt", "Müller", "Bauer",
        "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Neumann", "Schwarz", "Zimmermann",
        "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Maier", "Jung",
        "Kaiser", "Fuchs", "Peters", "Scholz", "Möller", "Weiß", "Jäger", "Groß", "Engel", "Vogel", "Roth"]
NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "ismus", "ität", "land", "rung", "chen", "ment",
                "krieg", "staat", "partei", "regierung", "präsident", "arbeit", "politik", "markt")
FIRST_DAY, LAST_DAY = date(1995, 1, 1), date(2025, 12, 31)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[str], list[float]]:
    """The most frequent German words with cumulative weights, nouns-looking words capitalized."""
    import wordfreq

    words = [w for w in wordfreq.top_n_list("de", VOCABULARY_SIZE) if w.isalpha()]
    weights = [wordfreq.word_frequency(w, "de") for w in words]
    shown = [w.capitalize() if w.endswith(NOUN_ENDINGS) else w for w in words]
    return shown, list(itertools.accumulate(weights))


class Archive:
    """Deterministic rows for articles 0..n-1; dates spread over 1995–2025 in article-number order."""

    def __init__(self, count: int, seed: int = 4):
        self.count = count
        self.seed = seed
        self.words, self.cumulative = vocabulary()
        self.sections = list(SECTIONS)
        self.section_weights = list(itertools.accumulate(SECTIONS.values()))
        self.markers = [m for m, _ in AGENCY_MARKERS]
        self.marker_weights = list(itertools.accumulate(w for _, w in AGENCY_MARKERS))
        self.authors = [f"{f} {l}" for f in FIRST for l in LAST]
        self.places = {}
        self.agencies = {}

    def text(self, rng: random.Random, n: int) -> str:
        return " ".join(rng.choices(self.words, cum_weights=self.cumulative, k=n))

    def sentence_block(self, rng: random.Random, n: int) -> str:
        words = rng.choices(self.words, cum_weights=self.cumulative, k=n)
        sentences, i = [], 0
        while i < len(words):
            k = rng.randint(8, 22)
            part = words[i:i + k]
            sentences.append(part[0].capitalize() + " " + " ".join(part[1:]) + ".")
            i += k
        return " ".join(sentences)

    def rows(self, start: int = 0, stop: int | None = None):
        stop = self.count if stop is None else stop
        span = (LAST_DAY - FIRST_DAY).days
        for i in range(start, stop):
            yield self.row(i, random.Random(self.seed * 1_000_003 + i), span)

    def row(self, i: int, rng: random.Random, span: int) -> dict:
        number = 100_000 + i
        day = FIRST_DAY + timedelta(days=int(span * i / self.count))
        section = rng.choices(self.sections, cum_weights=self.section_weights)[0]
        online = day.year >= 2008 and (section == "Online Extra" or rng.random() < 0.12)
        blog = not online and day.year >= 2012 and rng.random() < 0.02
        if online or blog:
            published = f"{day.isoformat()}T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}" \
                        f"{'+02:00' if 4 <= day.month <= 9 else '+01:00'}"
        else:
            published = day.isoformat()
        if blog:
            section = rng.choice(["Blog: Ostwärts", "Blog: Rotlicht", "Blog: Kommentar"])
        words = max(30, int(rng.lognormvariate(math.log(200), 0.6)))
        paragraphs = [self.sentence_block(rng, n) for n in _split(rng, words)]
        dateline = rng.choice(DATELINES) if section in ("Ausland", "Inland", "Online Extra", "Titel") \
            and rng.random() < 0.6 else None
        if dateline:
            paragraphs[0] = f"{dateline}. {paragraphs[0]}"
        marker = rng.choices(self.markers, cum_weights=self.marker_weights)[0]
        for code in marker:
            self.agencies.setdefault(code, agency_name(code))
        place = geocode(dateline) if dateline else None
        if place:
            self.places.setdefault(place["geonameid"], {
                "id": place["geonameid"], "dateline": dateline, "name": place["name"],
                "country_code": place["country_code"], "country": place["country"],
                "latitude": place["latitude"], "longitude": place["longitude"], "population": place["population"]})
        title = self.text(rng, rng.randint(3, 9)).capitalize()
        kicker = self.text(rng, rng.randint(1, 4)).title() if rng.random() < 0.5 else None
        teaser = self.sentence_block(rng, rng.randint(8, 25)) if rng.random() < 0.6 else None
        body = "\n\n".join(paragraphs)
        paywalled = int(rng.random() < 0.3) if day.year >= 2010 else 0
        authors = rng.sample(self.authors, k=rng.choices([0, 1, 1, 1, 2])[0])
        has_image = rng.random() < 0.35
        kind = "online_extra" if online else "blog" if blog else "beilage" if section == "Wochenendbeilage" else "print"
        return {
            "id": f"artikel-{number}", "url": f"https://www.jungewelt.de/artikel/{number}.synthetisch.html",
            "title": title, "kicker": kicker, "teaser": teaser, "published": published,
            "published_date": published[:10], "published_month": published[:7], "published_year": day.year,
            "print_edition_date": None if online or blog else day.isoformat(),
            "print_page": None if online or blog else rng.randint(1, 16), "section": section,
            "page_kind": kind, "authors": store.json_list(authors),
            "author_place": f"{authors[0]}, {rng.choice(DATELINES)}" if authors and rng.random() < 0.05 else None,
            "dateline": dateline, "place_id": place["geonameid"] if place else None,
            "latitude": place["latitude"] if place else None, "longitude": place["longitude"] if place else None,
            "agencies": store.json_list(list(marker)),
            "image": f"bild_{number}.jpg" if has_image else None,
            "caption": self.sentence_block(rng, rng.randint(6, 18)) if has_image else None,
            "body_markdown": body, "paywalled": paywalled,
            "article_length": len(body) * 3 if paywalled else None, "word_count": words,
            "shape": rng.choice(["S1", "S2", "S3", "S4", "S5", "html-b"]),
            "source_path": f"synthetic/{number}.txt",
            "sha256": hashlib.sha256(number.to_bytes(8, "big")).hexdigest(),
            "search_stems": german_stems(title, kicker, teaser, body),
        }


def _split(rng: random.Random, words: int) -> list[int]:
    parts = []
    while words > 0:
        n = min(words, rng.randint(40, 110))
        parts.append(n)
        words -= n
    return parts
