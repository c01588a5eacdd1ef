"""Tests for newsweave.events.coref (cross-document event coreference)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from newsweave.annotate.nlp import annotate
from newsweave.events.coref import (
    CorefSettings,
    EventGroup,
    EventMention,
    article_groups,
    article_profile,
    group_mentions,
    head_lemma,
    mentions_for_article,
    stem,
)
from newsweave.models import AnnotatedArticle, Article, Span

# Two similar real events in one topic (two arrests), told by several articles each.
TEXTS = {
    "a1": "Police arrested John Smith in Boston on Saturday. Smith was charged with robbery at a Boston bank.",
    "a2": "John Smith was arrested in Boston after the robbery of a bank, police said.",
    "a3": "The arrest of John Smith came two days after the Boston bank robbery.",
    "b1": "Officers in Denver arrested Maria Lopez, a former teacher, for the Denver jewelry heist.",
    "b2": "Maria Lopez was arrested in Denver on Monday over the jewelry heist.",
}


@pytest.fixture(scope="module")
def docs(nlp) -> dict[str, AnnotatedArticle]:  # type: ignore[no-untyped-def]
    arts = [Article(id=k, text=t, input=k, language="en", published="2020-05-04") for k, t in TEXTS.items()]
    return {a.id: AnnotatedArticle(a, ann) for a, ann in zip(arts, annotate(arts, nlp), strict=True)}


def _mentions(docs: dict[str, AnnotatedArticle], words: Sequence[str]) -> list[EventMention]:
    out = []
    for d in docs.values():
        text = d.article.text
        spans = []
        for w in words:
            i = text.find(w)
            if i >= 0:
                spans.append((i, i + len(w)))
        out.extend(mentions_for_article(d, spans))
    return out


def _group_of(groups: list[EventGroup], article_id: str, text: str) -> EventGroup:
    return next(g for g in groups for m in g.mentions if m.article_id == article_id and m.trigger_text == text)


def test_head_lemma_and_setting(docs: dict[str, AnnotatedArticle]) -> None:
    d = docs["b2"]
    i = d.article.text.index("arrested")
    (m,) = mentions_for_article(d, [(i, i + len("arrested"))])
    assert m.lemma == "arrest" and head_lemma(d, i, i + 8) == "arrest"
    assert "maria lopez" in m.participants and "denver" in m.participants
    assert m.sentence.start <= i < m.sentence.end
    assert m.cite() == {"article_id": "b2", "start": i, "end": i + 8, "text": "arrested"}


def test_two_similar_events_in_one_topic_are_kept_apart(docs: dict[str, AnnotatedArticle]) -> None:
    mentions = _mentions(docs, ["arrested", "arrest"])
    profiles = {a: article_profile(d) for a, d in docs.items()}
    groups = group_mentions(mentions, profiles, {a: "topic" for a in docs})
    boston = {m.article_id for m in _group_of(groups, "a1", "arrested").mentions}
    denver = {m.article_id for m in _group_of(groups, "b1", "arrested").mentions}
    assert boston == {"a1", "a2", "a3"}  # "arrest" (noun, a3) joins "arrested" by lemma or stem
    assert denver == {"b1", "b2"}
    assert _group_of(groups, "a1", "arrested").reasons  # every multi-mention group says why
    assert any("smith" in r for r in _group_of(groups, "a1", "arrested").reasons)
    # the same-lemma decision alone would have merged both events: the article grouping makes the difference
    flat = group_mentions(mentions, profiles, {a: "topic" for a in docs}, settings=CorefSettings(doc_threshold=0.0))
    assert {m.article_id for m in _group_of(flat, "a1", "arrested").mentions} >= {"a1", "b1"}


def test_document_clusters_never_mix(docs: dict[str, AnnotatedArticle]) -> None:
    mentions = _mentions(docs, ["arrested"])
    profiles = {a: article_profile(d) for a, d in docs.items()}
    cluster = {"a1": 1, "a2": 2, "a3": 1, "b1": 1, "b2": 2}
    groups = group_mentions(mentions, profiles, cluster, settings=CorefSettings(doc_threshold=0.0))
    for g in groups:
        assert len({cluster[m.article_id] for m in g.mentions}) == 1


def test_article_groups_single_and_empty() -> None:
    assert article_groups({"x": Counter({"paris": 1})}) == {"x": (None, 0)}
    got = article_groups({"x": Counter(), "y": Counter()}, {"x": "t", "y": "t"})
    assert got["x"] != got["y"]  # no setting at all: no evidence that two articles report one event
    assert article_groups({"x": Counter(), "y": Counter()}, {"x": "t", "y": "t"}, threshold=0.0) == {
        "x": ("t", 0), "y": ("t", 0)}


def _m(article: str, start: int, lemma: str, participants: tuple[str, ...] = (),
       dates: tuple[str, ...] = ()) -> EventMention:
    return EventMention(article_id=article, trigger=Span(start, start + len(lemma)), trigger_text=lemma,
                        lemma=lemma, sentence=Span(0, 100), participants=participants, dates=dates)


PROFILES = {a: Counter({"smith": 2, "boston": 1}) for a in ("p", "q", "r")}


def test_stem_links_derivations() -> None:
    assert stem("shooting") == stem("shoot") and stem("checks") == stem("check")
    groups = group_mentions([_m("p", 0, "shooting"), _m("q", 0, "shoot"), _m("r", 0, "flee")], PROFILES)
    assert sorted(len(g.mentions) for g in groups) == [1, 2]


def test_similar_triggers_need_the_encoder_and_the_threshold() -> None:
    vec = {"kill": [1.0, 0.0, 0.0], "murder": [0.8, 0.6, 0.0], "flee": [0.0, 0.0, 1.0]}

    def enc(texts: Sequence[str]) -> np.ndarray:
        return np.array([vec[t] for t in texts], dtype=np.float32)

    ms = [_m("p", 0, "kill"), _m("q", 0, "murder"), _m("r", 0, "flee")]
    linked = group_mentions(ms, PROFILES, encoder=enc)  # cosine 0.8 >= 0.7
    assert sorted(len(g.mentions) for g in linked) == [1, 2]
    g = next(g for g in linked if len(g.mentions) == 2)
    assert any("cosine 0.80" in r for r in g.reasons)
    assert len(group_mentions(ms, PROFILES)) == 3  # no encoder: lemma and stem only
    assert len(group_mentions(ms, PROFILES, encoder=enc, settings=CorefSettings(trigger_threshold=0.9))) == 3


def test_reporting_verbs_need_a_shared_participant() -> None:
    ms = [_m("p", 0, "say", ("smith",)), _m("q", 0, "say", ("smith", "police")), _m("r", 0, "say", ("jones",))]
    groups = group_mentions(ms, PROFILES)
    assert sorted(len(g.mentions) for g in groups) == [1, 2]
    assert any("same participant 'smith'" in r for g in groups for r in g.reasons)
    plain = group_mentions(ms, PROFILES, settings=CorefSettings(reporting_needs_participant=False))
    assert [len(g.mentions) for g in plain] == [3]


def test_conflicting_dates_split_a_trigger_class() -> None:
    ms = [_m("p", 0, "attack", dates=("2008-11-26",)), _m("p", 50, "attack"),
          _m("q", 0, "attack", dates=("2011-07-13",)), _m("r", 0, "attack", dates=("2008-11-26",))]
    groups = group_mentions(ms, PROFILES, settings=CorefSettings(split_on_dates=True))
    by_id = {(m.article_id, m.trigger.start): g.id for g in groups for m in g.mentions}
    assert by_id[("p", 0)] == by_id[("p", 50)] == by_id[("r", 0)] != by_id[("q", 0)]
    assert any("2011-07-13" in r for g in groups for r in g.reasons)
    assert len(group_mentions(ms, PROFILES)) == 1  # off by default


def test_participants_option_keeps_apart_disjoint_named_participants() -> None:
    ms = [_m("p", 0, "attack", ("smith",)), _m("q", 0, "attack", ("smith", "boston")),
          _m("r", 0, "attack", ("jones",)), _m("r", 40, "attack")]
    groups = group_mentions(ms, PROFILES, settings=CorefSettings(participants_must_agree=True))
    by_id = {(m.article_id, m.trigger.start): g.id for g in groups for m in g.mentions}
    assert by_id[("p", 0)] == by_id[("q", 0)]
    # "r" names only jones, but its other mention names nobody and so links to any article: one chain
    assert len(groups) == 1
    ms2 = [_m("p", 0, "attack", ("smith",)), _m("q", 0, "attack", ("smith",)), _m("r", 0, "attack", ("jones",))]
    groups2 = group_mentions(ms2, PROFILES, settings=CorefSettings(participants_must_agree=True))
    assert sorted(len(g.mentions) for g in groups2) == [1, 2]
    assert len(group_mentions(ms2, PROFILES)) == 1  # off by default


def test_extracted_roles_keep_apart_two_recognitions() -> None:
    us = _m("p", 0, "recognize")
    us.actor, us.when = "united states", "2019-01-23"
    colonel = _m("q", 0, "recognize")
    colonel.actor, colonel.when = "silva", "2019-01-26"
    us_again = _m("r", 0, "recognize")
    us_again.actor = "united states"
    bare = _m("q", 30, "recognize")  # no roles: goes with the colonel's mention of its own article
    groups = group_mentions([us, colonel, us_again, bare], PROFILES)
    by_id = {(m.article_id, m.trigger.start): g for g in groups for m in g.mentions}
    assert by_id[("p", 0)] is by_id[("r", 0)] and by_id[("q", 0)] is by_id[("q", 30)]
    assert by_id[("p", 0)] is not by_id[("q", 0)]
    assert any("actor united states" in r for r in by_id[("p", 0)].reasons)
    assert len(group_mentions([us, colonel, us_again, bare], PROFILES,
                              settings=CorefSettings(split_on_roles=False))) == 1


def test_mentions_from_events_carry_actor_and_own_date(nlp) -> None:  # type: ignore[no-untyped-def]
    from newsweave.events.coref import mentions_from_events
    from newsweave.events.extract import events_for_article

    text = "The United States recognized Guaido on January 23. Maduro denounced the decision."
    art = Article(id="x", text=text, input="x", language="en", published="2019-01-24")
    doc = AnnotatedArticle(art, next(annotate([art], nlp)))
    evs = events_for_article(doc)
    ms = mentions_from_events(evs, [doc])
    assert [m.trigger_text for m in ms] == [e.trigger_text for e in evs]
    rec = next(m for m in ms if m.trigger_text == "recognized")
    assert rec.actor == "united states" and rec.when == "2019-01-23"


def test_output_order_and_ids_do_not_depend_on_input_order() -> None:
    ms = [_m("p", 0, "attack"), _m("q", 0, "attack"), _m("r", 0, "flee")]
    a = group_mentions(ms, PROFILES)
    b = group_mentions(list(reversed(ms)), PROFILES)
    assert {g.id for g in a} == {g.id for g in b}
    assert [g.mentions[0].article_id for g in a] == ["p", "r"]
    with pytest.raises(KeyError):
        group_mentions([_m("zz", 0, "attack")], PROFILES)


# --- the bench, run as a user runs it, on a tiny folder in the shared data format ----------------------------

ROOT = Path(__file__).resolve().parents[2]
SCORER = ROOT.parent / "shared" / "eval" / "score.py"


def _write_folder(dest: Path, with_events: bool = True) -> Path:
    dest.mkdir(parents=True)
    rows, mentions, chains = [], [], {"boston": [], "denver": []}
    for k, (doc, text) in enumerate(TEXTS.items()):
        rows.append({"id": f"1_{k}ecb", "text": text, "published": None, "language": "en",
                     "meta": {"topic": 1, "subtopic": "ecb" if doc[0] == "a" else "ecbplus"}})
        for n, w in enumerate(("arrested", "arrest", "robbery", "heist")):
            i = text.find(w)
            if i < 0 or (w == "arrest" and text.find("arrested") == i):
                continue
            m = {"doc": f"1_{k}ecb", "m_id": str(n), "start": i, "end": i + len(w), "text": w,
                 "tag": "ACTION_OCCURRENCE" if with_events else "HUMAN_PART_PER", "sentence": 0}
            mentions.append({**m, "chain_ids": []})
            if w.startswith("arrest"):
                chains["boston" if doc[0] == "a" else "denver"].append(m)
    lines = [{"chain_id": c, "scope": "cross", "kind": "event" if with_events else "entity",
              "type": "ACTION_OCCURRENCE", "description": c, "mentions": ms, "n_docs": len(ms)}
             for c, ms in chains.items()]
    for name, data in (("articles.jsonl", rows), ("gold_mentions.jsonl", mentions), ("gold_coref.jsonl", lines)):
        (dest / name).write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    return dest


def _bench(data: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "bench_event_coref.py"), "--data", str(data),
                           "--out", str(out), "--no-variants"], capture_output=True, text=True, cwd=ROOT,
                          timeout=900, check=False)


@pytest.mark.skipif(not SCORER.is_file(), reason="shared scorer not found")
def test_bench_scores_system_beside_baseline(tmp_path: Path) -> None:
    proc = _bench(_write_folder(tmp_path / "data"), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    got = {(r["setting"], r["scope"], r["system"]): r["conll_f1"] for r in rows if r["split"] == "all"}
    base = got[("all sentences", "topic", "same-lemma baseline")]
    ours = got[("all sentences", "topic", "newsweave (default)")]
    assert ours > base  # the baseline merges the two arrests; the article grouping keeps them apart
    assert "standard" not in {r["setting"] for r in rows}  # no coref_sentences.jsonl: skipped, and said
    assert "standard setting is skipped" in proc.stderr


@pytest.mark.skipif(not SCORER.is_file(), reason="shared scorer not found")
def test_bench_fails_when_nothing_is_scored(tmp_path: Path) -> None:
    proc = _bench(_write_folder(tmp_path / "data", with_events=False), tmp_path / "out")
    assert proc.returncode == 2
    assert "not an event mention" in proc.stderr
