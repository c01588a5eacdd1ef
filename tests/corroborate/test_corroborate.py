"""Claims, independence and discrepancies on small hand-made records."""

from __future__ import annotations

from typing import Any

import pytest

from newsweave.corroborate.claims import (
    Independence,
    claims,
    find_discrepancies,
    offices_of,
    ranks_of,
)
from newsweave.models import Evidence


@pytest.mark.parametrize(
    ("role", "offices", "ranks"),
    [
        ("Venezuela’s military attaché in Washington", {"military attaché"}, set()),
        ("Venezuela’s Military Attache at its Washington embassy", {"military attaché"}, set()),
        ("Venezuela’s leading ambassador to the United States", {"ambassador"}, set()),
        ("a key military official", set(), set()),
        ("Col.", set(), {"colonel"}),
        ("Venezuelan Colonel", set(), {"colonel"}),
        ("Lt. Col.", set(), {"lieutenant colonel"}),
        ("U.S. Secretary of State", {"secretary of state"}, set()),
        ("founder and executive editor of Antigua Report", {"founder", "editor"}, set()),
        ("Russian President", {"president"}, set()),
        ("Vice President", {"vice president"}, set()),
        ("German Chancellor", {"chancellor"}, set()),
        ("British Prime Minister", {"prime minister"}, set()),
        ("Minister", set(), set()),  # any minister, the prime minister too: no office to compare
    ],
)
def test_offices_and_ranks(role: str, offices: set[str], ranks: set[str]) -> None:
    assert offices_of(role) == offices
    assert ranks_of(role) == ranks


def _ev(aid: str, start: int, end: int) -> dict[str, Any]:
    return {"article_id": aid, "start": start, "end": end}


def _person(roles: list[tuple[str, list[str]]], variants: list[tuple[str, list[str], list[str]]]) -> dict[str, Any]:
    return {
        "id": "e1", "name": "Jose Luis Silva", "kind": "PERSON",
        "variants": [{"text": t, "article_ids": a, "flags": f, "evidence": [_ev(x, 0, 5) for x in a]}
                     for t, a, f in variants],
        "roles": [{"text": t, "article_ids": a, "evidence": [_ev(x, 10, 20) for x in a]} for t, a in roles],
    }


def test_independence_counts_copies_once() -> None:
    reuse = [{"origin_article_id": "A", "copy_article_id": "B", "share": 0.3,
              "passages": [{"origin_start": 0, "origin_end": 100, "copy_start": 50, "copy_end": 150}]}]
    ind = Independence(reuse)
    # B's span inside the copied passage is A's wording; outside it B speaks for itself.
    assert ind.origin("B", 60, 90) == "A"
    assert ind.origin("B", 200, 220) == "B"
    assert ind.count([Evidence("A", 10, 40), Evidence("B", 60, 90)]) == 1
    assert ind.count([Evidence("A", 10, 40), Evidence("B", 200, 220)]) == 2


def test_role_conflict_between_outlets() -> None:
    ent = _person(
        roles=[("Venezuela’s military attaché in Washington", ["A"]), ("the Military Attache", ["C"]),
               ("Venezuela’s leading ambassador to the United States", ["B"]), ("a key military official", ["D"])],
        variants=[("Jose Luis Silva", ["A", "B", "C", "D"], [])],
    )
    (d,) = find_discrepancies([ent], [], [], [])
    assert d.kind == "role"
    assert d.supported_value is not None and d.supported_value.startswith("military attaché")
    amb = next(v for v in d.values if v.value.startswith("ambassador"))
    assert amb.article_ids == ["B"]
    assert all(e.article_id == "B" for e in amb.evidence)


def test_wrong_head_of_state_title_is_a_conflict() -> None:
    """A rewrite that calls the president 'Senator' states another office the same day."""
    ent = _person(roles=[("President", ["A", "B"]), ("U.S. President", ["C"]), ("Senator", ["D"])],
                  variants=[("Jose Luis Silva", ["A", "B", "C", "D"], [])])
    (d,) = find_discrepancies([ent], [], [], [])
    assert d.kind == "role" and d.supported_value is not None and d.supported_value.startswith("president")
    assert next(v for v in d.values if v.value.startswith("senator")).article_ids == ["D"]


def test_paraphrased_roles_raise_no_flag() -> None:
    ent = _person(roles=[("Venezuela’s military attaché in Washington", ["A"]),
                         ("a key military official", ["B"]), ("Col.", ["A", "B"]), ("Colonel", ["C"])],
                  variants=[("Jose Luis Silva", ["A", "B", "C"], [])])
    assert find_discrepancies([ent], [], [], []) == []


def test_one_article_with_two_offices_is_not_a_conflict() -> None:
    ent = _person(roles=[("founder and executive editor of Antigua Report", ["A"])],
                  variants=[("Fergus Hodgson", ["A"], [])])
    assert find_discrepancies([ent], [], [], []) == []


def test_spelling_discrepancy_groups_variants_of_one_entity() -> None:
    ent = _person(roles=[], variants=[("Jose Luis Silva", ["A", "C"], []), ("Silva", ["A", "C", "D"], []),
                                      ("Salva", ["B"], ["likely_misspelling"]),
                                      ("Jose Luis Salva", ["B"], ["likely_misspelling"])])
    (d,) = find_discrepancies([ent], [], [], [], labels={"B": "002"})
    assert d.kind == "spelling"
    assert d.description == '002 spells Jose Luis Silva as "Salva" / "Jose Luis Salva"'
    assert d.supported_value == "Jose Luis Silva"
    assert [v.value for v in d.values] == ["Jose Luis Silva", "Salva", "Jose Luis Salva"]
    assert d.values[0].independent_sources == 3 and d.confidence >= 0.6


def _event(aid: str, polarity: str, modality: str = "actual", date: str | None = None,
           etype: str = "SUPPORT") -> dict[str, Any]:
    return {"id": f"ev-{aid}", "type": etype, "mode": "recognize" if etype == "SUPPORT" else "defect",
            "actor_entity_id": "e1", "target_entity_id": "e2",
            "polarity": polarity, "modality": modality, "date": date, "date_precision": "day" if date else "unknown",
            "date_source": "clause" if date else "unknown",
            "article_ids": [aid], "evidence": [_ev(aid, 0, 30)]}


def test_polarity_conflict() -> None:
    ents = [{"id": "e1", "name": "Silva", "kind": "PERSON", "variants": [], "roles": []},
            {"id": "e2", "name": "Maduro", "kind": "PERSON", "variants": [], "roles": []}]
    events = [_event("A", "negated"), _event("B", "negated"), _event("C", "asserted"),
              _event("D", "asserted", modality="hypothetical")]
    (d,) = find_discrepancies(ents, [], events, [])
    assert d.kind == "polarity"
    assert d.supported_value == "Silva does not / no longer recognizes Maduro"
    asserted = next(v for v in d.values if not v.value.startswith("Silva does not"))
    assert asserted.article_ids == ["C"]  # the hypothetical one conflicts with nothing


def test_opposite_action_backs_the_negated_side() -> None:
    ents = [{"id": "e1", "name": "Silva", "kind": "PERSON", "variants": [], "roles": []},
            {"id": "e2", "name": "Maduro", "kind": "PERSON", "variants": [], "roles": []}]
    events = [_event("A", "negated"), _event("C", "asserted"), _event("B", "asserted", etype="REJECT"),
              _event("D", "asserted", etype="REJECT")]
    (d,) = find_discrepancies(ents, [], events, [])
    assert d.supported_value == "Silva does not / no longer recognizes Maduro (and defects)"
    assert d.values[1].article_ids == ["A", "B", "D"] and d.confidence == 0.75
    # Opposite actions alone, with no explicit polarity conflict, raise nothing.
    assert find_discrepancies(ents, [], [_event("C", "asserted"), _event("B", "asserted", etype="REJECT")], []) == []


def test_agreeing_events_raise_no_flag() -> None:
    ents = [{"id": "e1", "name": "Silva", "kind": "PERSON", "variants": [], "roles": []},
            {"id": "e2", "name": "Maduro", "kind": "PERSON", "variants": [], "roles": []}]
    events = [_event("A", "asserted", date="2019-01-26"), _event("B", "asserted", date="2019-01-26")]
    assert find_discrepancies(ents, [], events, []) == []
    events.append(_event("C", "asserted", date="2019-01-25"))
    (d,) = find_discrepancies(ents, [], events, [])
    assert d.kind == "date" and d.supported_value == "2019-01-26"


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("Don't mistreat your people.", "Don’t mistreat your people", False),
        ("We will leave within 72 hours.", "We will leave within 30 days.", True),
        ("I recognize Maduro.", "I do not recognize Maduro.", True),
        ("The armed forces have a fundamental role to play.", "The armed forces have a fundamental role.", False),
        ("The 5.9-magnitude quake struck Qeshm island", "The 6.1-magnitude quake struck Qeshm island", True),
        ("Williams, 91, passed away early Thursday in her sleep", "Williams passed away early Thursday in her sleep",
         False),
        ("He gave himself up just after 6:00 p.m.", "He gave himself up just after 6 p.m.", False),
        ("they had recovered 80% of the haul", "they had recovered 80% of the haul in 2009", False),
        # Different statements of one speaker, with different numbers, are not one statement reworded.
        ("The Orioles have offered Teixeira a seven-year deal worth $140 million",
         "The Nationals upgraded their offer to eight years and $160 million", False),
    ],
)
def test_quote_wording(a: str, b: str, conflict: bool) -> None:
    quote = {"id": "q1", "text": a, "speaker_entity_id": None, "speaker_text": "Silva", "article_ids": ["A", "B"],
             "variants": [{"article_id": "A", "text": a, "start": 0, "end": len(a)},
                          {"article_id": "B", "text": b, "start": 0, "end": len(b)}]}
    found = find_discrepancies([], [quote], [], [])
    assert bool(found) == conflict


def test_claims_merge_accent_variants_and_count_independent_sources() -> None:
    ent = {"id": "e9", "name": "Juan Guaidó", "kind": "PERSON", "roles": [],
           "variants": [{"text": "Guaidó", "article_ids": ["A"], "evidence": [_ev("A", 0, 6)]},
                        {"text": "Guaido", "article_ids": ["B"], "evidence": [_ev("B", 0, 6)]}]}
    reuse = [{"origin_article_id": "A", "copy_article_id": "B", "share": 0.9,
              "passages": [{"origin_start": 0, "origin_end": 50, "copy_start": 0, "copy_end": 50}]}]
    (c,) = [c for c in claims([ent], [], [], reuse) if c.slot == "name"]
    assert c.article_ids == ["A", "B"]
    assert c.independent_sources == 1  # B copied the passage from A


def test_unresolved_participants_never_conflict() -> None:
    events = [_event("A", "negated"), _event("B", "asserted")]
    for ev in events:
        ev["actor_entity_id"] = None
        ev["actor_text"] = "we"
    assert find_discrepancies([], [], events, []) == []
