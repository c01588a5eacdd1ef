"""Tests for pronoun and nominal mentions linked to named entities (newsweave.entities.nominal)."""

from __future__ import annotations

from typing import Any

import pytest

from newsweave.entities.nominal import Reference, _story_links, link_references, noun_kind
from newsweave.entities.resolve import EntityResolution, resolve_entities
from newsweave.models import AnnotatedArticle, Article
from tests.conftest import ROOT

SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from newsweave.annotate.nlp import load_nlp

    return load_nlp()


def _docs(texts: dict[str, str], nlp: Any) -> list[AnnotatedArticle]:
    from newsweave.annotate.nlp import annotate

    arts = [Article(id=k, text=v, input=k, language="en") for k, v in texts.items()]
    return [AnnotatedArticle(a, ann) for a, ann in zip(arts, annotate(arts, nlp), strict=True)]


def _link(texts: dict[str, str], nlp: Any) -> tuple[EntityResolution, list[Reference], dict[str, str]]:
    docs = _docs(texts, nlp)
    res = resolve_entities(docs)
    return res, link_references(docs, res.mentions), texts


def _ref(refs: list[Reference], texts: dict[str, str], aid: str, needle: str, nth: int = 0) -> Reference:
    start = -1
    for _ in range(nth + 1):
        start = texts[aid].index(needle, start + 1)
    hits = [r for r in refs if r.article_id == aid and r.start <= start < r.end]
    assert hits, f"no reference at {needle!r}"
    return hits[0]


def _name(res: EntityResolution, eid: str | None) -> str | None:
    ent = res.entity(eid) if eid else None
    return ent.name if ent else None


def test_noun_kinds() -> None:
    assert noun_kind("colonel") == "person" and noun_kind("actress") == "person"
    assert noun_kind("ministry") == "organization" and noun_kind("company") == "organization"
    assert noun_kind("country") == "place" and noun_kind("crash") == "thing"


def test_pronoun_takes_the_named_subject_with_a_confidence(nlp: Any) -> None:
    texts = {"a": "Jose Luis Silva defected from the government on Saturday. He said the armed forces were hostages."}
    res, refs, _ = _link(texts, nlp)
    he = _ref(refs, texts, "a", "He said")
    assert he.kind == "pronoun" and _name(res, he.entity_id) == "Jose Luis Silva"
    assert 0.5 <= he.confidence < 1 and "Silva" in he.reason and he.antecedent is not None


def test_pronoun_gender_overrides_subject_preference(nlp: Any) -> None:
    texts = {"a": "Mr. John Smith thanked Ms. Mary Jones on Monday. She said the talks would go on."}
    res, refs, _ = _link(texts, nlp)
    she = _ref(refs, texts, "a", "She")
    assert _name(res, she.entity_id) == "Mary Jones"


def test_non_reflexive_pronoun_is_not_its_own_clause_subject(nlp: Any) -> None:
    texts = {"a": "Nicolas Maduro met Juan Guaido in Caracas. Maduro later praised him in a speech."}
    res, refs, _ = _link(texts, nlp)
    him = _ref(refs, texts, "a", "him")
    assert _name(res, him.entity_id) == "Juan Guaido"


def test_definite_nominal_by_stated_role(nlp: Any) -> None:
    texts = {"a": ("Col. Jose Luis Silva met reporters at the embassy in Washington on Saturday. "
                   "Nicolas Maduro did not comment. The colonel said others would follow.")}
    res, refs, _ = _link(texts, nlp)
    col = _ref(refs, texts, "a", "The colonel")
    assert col.kind == "nominal" and _name(res, col.entity_id) == "Jose Luis Silva"
    assert "role" in col.reason and col.confidence >= 0.7


def test_indefinite_nominal_starts_a_new_referent(nlp: Any) -> None:
    texts = {"a": "Col. Jose Luis Silva spoke in Washington. He said a colonel in Caracas had been arrested."}
    _, refs, _ = _link(texts, nlp)
    assert not [r for r in refs if r.article_id == "a" and r.head == "colonel" and r.entity_id]


def test_organization_nominal_by_name_head(nlp: Any) -> None:
    texts = {"a": ("Venezuela's Defense Ministry called Jose Luis Silva a coward on Sunday. "
                   "The ministry also posted a picture of him.")}
    res, refs, _ = _link(texts, nlp)
    ministry = _ref(refs, texts, "a", "The ministry")
    assert _name(res, ministry.entity_id) == "Defense Ministry" and "ends in" in ministry.reason


def test_unnamed_chain_without_an_entity(nlp: Any) -> None:
    texts = {"a": ("A man was arrested on Tuesday after a shooting in Oakland. Police said the man was 32. "
                   "He will appear in court on Friday.")}
    docs = _docs(texts, nlp)
    res = resolve_entities(docs)
    text = texts["a"]
    spans = {"a": [(text.index("A man"), text.index("A man") + 5), (text.index("the man"), text.index("the man") + 7),
                   (text.index("He will"), text.index("He will") + 2)]}
    refs = {r.start: r for r in link_references(docs, res.mentions, None, spans)}
    the_man, he = refs[text.index("the man")], refs[text.index("He will")]
    assert the_man.entity_id is None and the_man.chain == spans["a"][0]
    assert he.entity_id is None and he.chain == spans["a"][0]


def test_story_link_needs_two_other_articles() -> None:
    def ref(aid: str, eid: str | None, reason: str = "") -> Reference:
        return Reference(aid, 0, 11, "the actress", "nominal", "actress", eid, None, (0, 11), 0.85 if eid else 0.0,
                         reason)

    refs = [ref("a", "ent_x", "stated role agrees with 'actress'"), ref("b", "ent_x", "stated role agrees"),
            ref("c", None), ref("d", None)]
    _story_links(refs, {"a": "s", "b": "s", "c": "s", "d": "t"})
    assert refs[2].entity_id == "ent_x" and "2 other articles" in refs[2].reason
    assert refs[3].entity_id is None  # another story
    refs = [ref("a", "ent_x", "stated role agrees"), ref("b", "ent_y", "stated role agrees"), ref("c", None),
            ref("d", "ent_x", "stated role agrees")]
    _story_links(refs, None)
    assert refs[2].entity_id is None  # the head links to two entities in the story: left alone


@pytest.mark.skipif(not SEEDS.is_dir(), reason="demo corpus not present")
def test_demo_corpus_envoy_and_pronouns_link_to_silva(nlp: Any) -> None:
    rows = {p.stem.split("_")[0]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    res, refs, texts = _link(rows, nlp)
    envoy = _ref(refs, texts, "000", "top military envoy")
    assert _name(res, envoy.entity_id) == "Jose Luis Silva"
    he = _ref(refs, texts, "000", "he was the only diplomat")
    assert _name(res, he.entity_id) == "Jose Luis Silva"
    for r in refs:  # every link cites its span and says why
        assert texts[r.article_id][r.start:r.end] == r.text and (r.reason or not r.entity_id)


def test_reflexive_takes_its_own_clause_subject(nlp: Any) -> None:
    texts = {"a": ("Nicolas Maduro attacked the opposition on Monday. Nicolas Maduro spoke again on Tuesday. "
                   "Juan Guaido later declared himself interim president.")}
    res, refs, _ = _link(texts, nlp)
    assert _name(res, _ref(refs, texts, "a", "himself").entity_id) == "Juan Guaido"


def test_stage_stores_references_and_the_linker_serves_them(nlp: Any, tmp_path: Any) -> None:
    from newsweave.config import Settings
    from newsweave.entities.link import entity_index
    from newsweave.entities.stage import run_entities
    from newsweave.store import Store

    text = ("Col. Jose Luis Silva defected from the government of Nicolas Maduro on Saturday. "
            "The colonel told Reuters that he was the only diplomat in Washington to do so.")
    docs = _docs({"a": text}, nlp)
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        store.add_articles([d.article for d in docs])
        store.put_annotations([d.annotation for d in docs if d.annotation is not None])
        assert "pronoun and nominal mentions linked" in run_entities(store, Settings())
        refs = store.records("reference")
        silva = next(e["id"] for e in store.records("entity") if e["name"] == "Jose Luis Silva")
        colonel = next(r for r in refs if r["text"] == "The colonel")
        assert colonel["entity_id"] == silva and colonel["confidence"] > 0.5 and colonel["reason"]
        link = entity_index(store)
        he = text.index("he was")
        assert link("a", he, he + 2) == silva
        assert link("a", text.index("Reuters"), text.index("Reuters") + 7) != silva


def test_reflexive_in_a_relative_clause_is_bound_there(nlp: Any) -> None:
    texts = {"a": ("Col. Jose Luis Silva said that he now recognizes Juan Guaido, the head of the National Assembly "
                   "who declared himself acting president on Wednesday.")}
    res, refs, _ = _link(texts, nlp)
    assert _name(res, _ref(refs, texts, "a", "himself").entity_id) == "Juan Guaido"
