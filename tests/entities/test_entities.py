"""Tests for entity mentions, name handling and cross-document resolution."""

from __future__ import annotations

import json

import jsonschema
import pytest

from newsweave.entities.mentions import role_key
from newsweave.entities.names import (
    alias_of,
    demonym_place,
    fold,
    parse_person_name,
    partial_of,
    strip_possessive,
    token_similar,
)
from newsweave.entities.resolve import ACCENT_VARIANT, LIKELY_MISSPELLING, EntityResolution, resolve_entities
from newsweave.models import AnnotatedArticle, Article
from tests.conftest import RESOURCES, ROOT

RES = RESOURCES / "entities"
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"
SCHEMA = ROOT / "src" / "newsweave" / "schemas" / "dossier-1.json"


# ---------------------------------------------------------------- names (no model needed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Guaidó", "guaido"), ("Nicolás  Maduro", "nicolas maduro"), ("GUAIDO", "guaido"), ("Silva’s", "silva's")],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Silva's", "Silva"), ("Maduro’s", "Maduro"), ("Reyes'", "Reyes"), ("Silva", "Silva"), ("Ross", "Ross")],
)
def test_strip_possessive(text: str, expected: str) -> None:
    assert strip_possessive(text) == expected


@pytest.mark.parametrize(
    ("text", "titles", "tokens"),
    [
        ("Col. Jose Luis Silva", ("Col.",), ("Jose", "Luis", "Silva")),
        ("President Nicolas Maduro's", ("President",), ("Nicolas", "Maduro")),
        ("Silva, Jose Luis", (), ("Jose", "Luis", "Silva")),
        ("Martin Luther King Jr.", (), ("Martin", "Luther", "King")),
        ("Gabriel García Márquez", (), ("Gabriel", "García", "Márquez")),
        ("Alexandria Ocasio-Cortez", (), ("Alexandria", "Ocasio-Cortez")),
        ("Gen. Lt. Ana Reyes", ("Gen.", "Lt."), ("Ana", "Reyes")),
    ],
)
def test_parse_person_name(text: str, titles: tuple[str, ...], tokens: tuple[str, ...]) -> None:
    name = parse_person_name(text)
    assert name.titles == titles
    assert name.tokens == tokens


@pytest.mark.parametrize(
    ("short", "full", "expected"),
    [
        ("Silva", "Jose Luis Silva", True),
        ("Luis Silva", "Jose Luis Silva", True),
        ("J. L. Silva", "Jose Luis Silva", True),
        ("J. Silva", "Jose Luis Silva", True),
        ("García", "Gabriel García Márquez", True),
        ("García Márquez", "Gabriel García Márquez", True),
        ("Ocasio", "Alexandria Ocasio-Cortez", True),
        ("Jose", "Jose Luis Silva", False),  # a first name alone is not enough
        ("Salva", "Jose Luis Silva", False),  # misspellings are not partial names
        ("M. Silva", "Jose Luis Silva", False),
        ("Maduro", "Nicolas Maduro", True),
    ],
)
def test_partial_of(short: str, full: str, expected: bool) -> None:
    assert partial_of(parse_person_name(short).key, parse_person_name(full).key) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("silva", "salva", True),  # one substitution
        ("guaido", "guadio", True),  # one transposition
        ("pompeo", "pompeio", True),  # one insertion
        ("silva", "silvera", False),
        ("lee", "lea", False),  # too short to judge
        ("maria", "marco", False),  # two edits
        ("silva", "kilva", False),  # first letter differs in a short name
    ],
)
def test_token_similar(a: str, b: str, expected: bool) -> None:
    assert token_similar(a, b) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.S.", "United States"), ("the US", "United States"), ("United States", "United States"),
        ("us", None), ("U.N.", "United Nations"), ("Britain", "United Kingdom"), ("Venezuela", None),
    ],
)
def test_alias_of(text: str, expected: str | None) -> None:
    assert alias_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Venezuelan", "Venezuela"), ("Venezuelans", "Venezuela"), ("American", "United States"),
     ("Latin American", "Latin America"), ("Caracas", None)],
)
def test_demonym_place(text: str, expected: str | None) -> None:
    assert demonym_place(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Col.", "colonel"), ("Colonel", "colonel"), ("the U.S. Secretary of State", "us secretary of state"),
     ("Venezuela’s military attaché", "venezuela military attache")],
)
def test_role_key(text: str, expected: str) -> None:
    assert role_key(text) == expected


# ---------------------------------------------------------------- resolution (spaCy, once per session)


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from newsweave.annotate.nlp import load_nlp

    return load_nlp()


def _annotate(rows: list[dict[str, str]], nlp) -> list[AnnotatedArticle]:  # type: ignore[no-untyped-def]
    from newsweave.annotate.nlp import annotate

    arts = [Article(id=r["id"], text=r["text"], input=r["id"], language="en", source=r.get("source")) for r in rows]
    return [AnnotatedArticle(a, ann) for a, ann in zip(arts, annotate(arts, nlp), strict=True)]


@pytest.fixture(scope="session")
def story_rows() -> list[dict[str, str]]:
    return json.loads((RES / "story_articles.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def story_res(story_rows: list[dict[str, str]], nlp) -> EntityResolution:  # type: ignore[no-untyped-def]
    docs = _annotate(story_rows, nlp)
    return resolve_entities(docs, {r["id"]: r["story"] for r in story_rows})


def _by_variant(res: EntityResolution, text: str) -> list[str]:
    return [e.id for e in res.entities if any(v.text == text for v in e.variants)]


def test_misspelling_merges_with_flag_and_article(story_res: EntityResolution) -> None:
    (eid,) = _by_variant(story_res, "Maria Ortaga")
    ent = story_res.entity(eid)
    assert ent is not None
    assert fold(ent.name) == "maria ortega"
    flagged = {v.text: v for v in ent.variants if LIKELY_MISSPELLING in v.flags}
    assert set(flagged) == {"Maria Ortaga", "Ortaga"}
    assert all(v.article_ids == ["a2"] and v.confidence is not None for v in flagged.values())
    accent = [v.text for v in ent.variants if ACCENT_VARIANT in v.flags]
    assert accent == ["Maria Ortega"] and ent.name == "María Ortega"
    assert any(r.key == "colonel" and r.article_ids == ["a1", "a2", "a3"] for r in ent.roles)


def test_similar_names_of_different_people_stay_apart(story_res: EntityResolution) -> None:
    # "Mario Ortega" (another story) and the short "Ortega" there are not the colonel.
    (colonel,) = _by_variant(story_res, "María Ortega")
    (economist,) = _by_variant(story_res, "Mario Ortega")
    assert colonel != economist
    assert story_res.entity_at("b1", story_rows_offset(story_res, "b1", "Ortega", 1)) == economist
    # Paolo and Paola Rossi share a story and a surname one letter apart, with conflicting roles.
    (paolo,) = _by_variant(story_res, "Paolo Rossi")
    (paola,) = _by_variant(story_res, "Paola Rossi")
    assert paolo != paola


def story_rows_offset(res: EntityResolution, article_id: str, text: str, nth: int) -> int:
    """Offset of the nth (0-based) mention with this text in an article."""
    hits = [m.start for m in res.mentions if m.article_id == article_id and m.text == text]
    return hits[nth]


def test_organizations_and_places(story_res: EntityResolution) -> None:
    (us,) = _by_variant(story_res, "U.S.")
    assert _by_variant(story_res, "United States") == [us]
    (ministry,) = _by_variant(story_res, "Chile's Defense Ministry")
    assert _by_variant(story_res, "Defense Ministry") == [ministry]
    # "Chilean" is no entity mention, but maps to Chile through the span lookup.
    assert not _by_variant(story_res, "Chilean")
    (chile,) = _by_variant(story_res, "Chile")
    row = next(m for m in story_res.demonyms if m.text == "Chilean")
    assert story_res.entity_at("a2", row.start, row.end) == chile


def test_lookup_and_schema(story_res: EntityResolution, story_rows: list[dict[str, str]]) -> None:
    text = next(r["text"] for r in story_rows if r["id"] == "a1")
    (colonel,) = _by_variant(story_res, "María Ortega")
    start = text.index("Col. Maria Ortega")
    assert story_res.entity_at("a1", start, start + len("Col. Maria Ortega")) == colonel
    appos = text.index("military attaché")
    assert story_res.entity_at("a1", appos) == colonel  # a role span maps to its person
    assert story_res.entity_at("a1", text.index("resigned")) is None
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    section = schema["properties"]["entities"]
    section = {**section, "$defs": schema["$defs"]}
    data = [e.to_dict() for e in story_res.entities]
    jsonschema.validate(data, section)
    for ent in data:
        for v in ent["variants"]:
            for ev in v["evidence"]:
                src = next(r["text"] for r in story_rows if r["id"] == ev["article_id"])
                assert src[ev["start"] : ev["end"]] == ev["text"] == v["text"]


def test_ids_are_stable(story_rows: list[dict[str, str]], nlp, story_res: EntityResolution) -> None:  # type: ignore[no-untyped-def]
    again = resolve_entities(list(reversed(_annotate(story_rows, nlp))), {r["id"]: r["story"] for r in story_rows})
    assert {e.id: e.name for e in again.entities} == {e.id: e.name for e in story_res.entities}


def test_one_story_when_no_story_map(story_rows: list[dict[str, str]], nlp) -> None:  # type: ignore[no-untyped-def]
    # Without stories, the short "Ortega" of the markets article is ambiguous (two full names
    # fit) and so is kept apart rather than guessed.
    res = resolve_entities(_annotate(story_rows, nlp))
    (economist,) = _by_variant(res, "Mario Ortega")
    b1_ortega = [m for m in res.mentions if m.article_id == "b1" and m.text == "Ortega"]
    assert all(m.entity_id == economist for m in b1_ortega)  # linked inside its own article


@pytest.mark.skipif(not SEEDS.is_dir(), reason="demo corpus not present")
def test_demo_corpus(nlp) -> None:  # type: ignore[no-untyped-def]
    rows = [{"id": p.stem.split("_")[0], "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    res = resolve_entities(_annotate(rows, nlp))
    people = {
        name: _by_variant(res, name)
        for name in ["Jose Luis Silva", "Juan Guaido", "Nicolas Maduro", "Donald Trump", "Mike Pompeo",
                     "Garrett Marquis", "Antonio Guterres", "Fergus Hodgson"]
    }
    assert all(len(ids) == 1 for ids in people.values()), people
    assert len({ids[0] for ids in people.values()}) == len(people)  # no two merged
    silva = res.entity(people["Jose Luis Silva"][0])
    assert silva is not None
    salva = [v for v in silva.variants if v.text == "Salva"]
    assert salva and LIKELY_MISSPELLING in salva[0].flags and salva[0].article_ids == ["002"]
    assert {a for r in silva.roles for a in r.article_ids} >= {"000", "001", "002", "003", "004"} - {"000"}
    guaido = res.entity(people["Juan Guaido"][0])
    assert guaido is not None and guaido.name == "Juan Guaidó"
    flags = {v.text: v.flags for v in guaido.variants}
    assert ACCENT_VARIANT in flags["Guaido"] and LIKELY_MISSPELLING in flags["Guadio"]


def test_a_role_never_runs_across_a_line_break(nlp) -> None:  # type: ignore[no-untyped-def]
    from newsweave.entities.mentions import extract_mentions

    text = ("Live updates\n10:53 AM\nPresident Barack Obama said on Monday that the talks would go on.\n"
            "Exhibition\nSecretary of State John Kerry said the same.")
    (doc,) = _annotate([{"id": "lb", "text": text}], nlp)
    mentions, _ = extract_mentions(doc)
    roles = [r for m in mentions for r in m.roles]
    assert roles and all("\n" not in r.text and text[r.start:r.end] == r.text for r in roles)
    assert {r.text for r in roles} >= {"President", "Secretary of State"}  # was "10:53 AM\\nPresident", ".."
