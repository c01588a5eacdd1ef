"""Tests for newsweave.stories.cluster: features, online clustering, state round trip, demo corpus."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from newsweave.models import AnnotatedArticle, Article
from newsweave.stories.cluster import StoryClusterer, StoryFeatures, StoryModel, load_model, story_features
from newsweave.stories.fit import bcubed_f1, fit_logistic, fit_model
from newsweave.stories.model import AGAINST, EVENT_FEATURES, EVENT_SIGNS, EVIDENCE
from tests.conftest import ROOT

SEEDS = Path("/work/shared/corpus/seeds")
SCHEMA = ROOT / "src" / "newsweave" / "schemas" / "dossier-1.json"


def feat(
    aid: str,
    terms: str,
    ents: str = "",
    day: int | None = None,
    years: tuple[int, ...] = (),
    persons: str = "",
    back: tuple[str, tuple[int, int]] = ("", (0, 0)),
) -> StoryFeatures:
    """Hand-made features: space-separated terms, |-separated entities and person names."""
    t: dict[str, int] = {}
    for w in terms.split():
        t[w] = t.get(w, 0) + 1
    e = {x: 1 for x in ents.split("|") if x}
    kinds = {"persons": {x: 1 for x in persons.split("|") if x}} if persons else {}
    return StoryFeatures(aid, day, t, e, [], aid, None, list(years), kinds, False, back[0], back[1])


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        ({"a": "1", "b": "1", "c": "2"}, {"a": "x", "b": "x", "c": "y"}, (1.0, 1.0, 1.0)),
        ({"a": "1", "b": "1"}, {"a": "x", "b": "y"}, (1.0, 0.5, 2 / 3)),
        ({"a": "1", "b": "2"}, {"a": "x", "b": "x"}, (0.5, 1.0, 2 / 3)),
    ],
)
def test_bcubed(gold: dict[str, str], pred: dict[str, str], expected: tuple[float, float, float]) -> None:
    assert bcubed_f1(gold, pred) == pytest.approx(expected)


@pytest.fixture(scope="module")
def toy_model() -> StoryModel:
    """A model fitted on a small synthetic labelled stream (two topics, two events each)."""
    stream = []
    gold: dict[str, str] = {}
    vocab = {
        "q1": ("earthquake magnitude quake tremor damage", "Chile|Santiago"),
        "q2": ("earthquake magnitude quake tremor damage", "Japan|Tokyo"),
        "f1": ("fire blaze firefighter building burn", "Boston|Smith"),
        "f2": ("fire blaze firefighter building burn", "Denver|Jones"),
    }
    for k in range(6):
        for ev, (terms, ents) in vocab.items():
            extra = f" {ev}word{k} {ev}thing said official report"
            aid = f"{ev}-{k}"
            stream.append(feat(aid, terms + extra, ents, 100 + k if ev.endswith("1") else 900 + k))
            gold[aid] = ev
    storyline = {"q1": "quake", "q2": "quake", "f1": "fire", "f2": "fire"}
    return fit_model(stream, gold, storyline, uses_embeddings=False)


def test_learned_model_separates_events(toy_model: StoryModel) -> None:
    clf = StoryClusterer(toy_model)
    arrivals = [
        feat("a", "earthquake magnitude quake tremor damage q1word9", "Chile|Santiago", 200),
        feat("b", "earthquake magnitude quake damage q1thing", "Chile|Santiago", 201),
        feat("c", "fire blaze firefighter building burn f2word9", "Denver|Jones", 500),
        feat("d", "fire blaze building burn f2thing", "Denver|Jones", None),  # unknown date still clusters
        feat("e", "earthquake magnitude quake tremor damage q2thing", "Japan|Tokyo", 950),
        # months later, an aftershock report naming the same region: a new event in the same storyline
        feat("f", "aftershock magnitude tremor rebuild q1word9", "Chile|Santiago", 330),
    ]
    got = {a.article_id: a for a in clf.add_many(arrivals)}
    assert got["b"].event_id == got["a"].event_id and not got["b"].new_event
    assert got["d"].event_id == got["c"].event_id
    assert got["c"].event_id != got["a"].event_id
    assert got["e"].new_event and got["e"].event_id != got["a"].event_id
    assert got["e"].storyline_id != got["a"].storyline_id  # another quake, nothing specific shared
    assert got["f"].new_event and got["f"].storyline_id == got["a"].storyline_id
    assert "joined" in got["b"].reason and "new event" in got["e"].reason
    link = {s.id: s.link_reason for s in clf.stories() if s.level == "event"}
    assert "shares specific" in (link[got["f"].event_id] or "") and "'Chile'" in (link[got["f"].event_id] or "")
    assert (link[got["e"].event_id] or "").startswith("new storyline")


def test_state_round_trip(toy_model: StoryModel) -> None:
    first = [feat("a", "fire blaze building burn", "Boston", 10), feat("b", "quake tremor damage", "Chile", 11)]
    clf = StoryClusterer(toy_model)
    clf.add_many(first)
    restored = StoryClusterer.from_dict(json.loads(json.dumps(clf.to_dict())))
    nxt = feat("c", "fire blaze building burn firefighter", "Boston", 12)
    assert restored.add(nxt).to_dict() == clf.add(nxt).to_dict()
    assert [s.to_dict() for s in restored.stories()] == [s.to_dict() for s in clf.stories()]


def test_posting_lists_are_capped(toy_model: StoryModel) -> None:
    clf = StoryClusterer(toy_model, posting_cap=5)
    for k in range(40):
        clf.add(feat(f"x{k}", f"common uniq{k} other{k}", "", None))
    assert max(len(v) for v in clf.event_index.values()) <= 5


def test_model_round_trip(toy_model: StoryModel) -> None:
    assert StoryModel.from_dict(json.loads(json.dumps(toy_model.to_dict()))) == toy_model


def test_members_are_capped(toy_model: StoryModel) -> None:
    clf = StoryClusterer(toy_model, member_cap=3)
    for k in range(10):
        clf.add(feat(f"q{k}", "earthquake magnitude quake tremor damage", "Chile|Santiago", 200 + k))
    assert max(len(e.members) for e in clf.events.values()) <= 3
    assert max(e.size for e in clf.events.values()) > 3


@pytest.mark.parametrize(
    ("persons", "years", "expected"),
    [
        # same victim, same year: persons agree, all members share the year
        ("felt", (2008,), {"cos_persons": 1.0, "has_persons": 1.0, "year_share": 1.0, "top_year_conflict": 0.0}),
        # another person, another year: the conflict shows in both kinds of feature
        ("larue", (2004,), {"cos_persons": 0.0, "has_persons": 1.0, "year_share": 0.0, "top_year_conflict": 1.0}),
        # nothing known: no evidence either way
        ("", (), {"cos_persons": 0.0, "has_persons": 0.0, "year_share": 0.0, "top_year_conflict": 0.0}),
    ],
)
def test_conflict_features(
    toy_model: StoryModel, persons: str, years: tuple[int, ...], expected: dict[str, float]
) -> None:
    clf = StoryClusterer(toy_model)
    for k in range(2):
        clf.add(feat(f"d{k}", "watergate source died", "FBI", None, (2008,), "felt"))
    f = feat("x", "watergate source died", "FBI", None, years, persons)
    clf.observe(f)
    tv, ev, _, _ = clf.candidates(f)
    row = clf.pair_features(f, tv, ev, list(clf.events.values()))[0]
    got = {name: float(row[EVENT_FEATURES.index(name)]) for name in expected}
    assert got == pytest.approx(expected)


def test_persons_keyed_by_full_name() -> None:
    """Namesakes stay apart; a bare surname takes the article's full name for it."""
    from newsweave.models import Annotation, EntitySpan

    def persons(aid: str, text: str) -> dict[str, int]:
        ents: list[EntitySpan] = []
        for name in ("Esther Williams", "Jamal Williams", "Williams", "Holley"):
            start = 0
            while (k := text.find(name, start)) >= 0:
                if not any(e.start <= k < e.end for e in ents):
                    ents.append(EntitySpan(k, k + len(name), "PERSON"))
                start = k + len(name)
        art = Article(id=aid, text=text, input=aid, language="en")
        return story_features(AnnotatedArticle(art, Annotation(aid, "test", [], [], ents))).kinds["persons"]

    actress = persons("a", "Williams dies at 91. Esther Williams starred in aquatic musicals.")
    player = persons("b", "Jamal Williams was arrested. Williams's lawyer Holley spoke.")
    assert actress == {"esther williams": 2}
    assert player == {"jamal williams": 2, "holley": 1}


@pytest.fixture(scope="module")
def seeds() -> list[AnnotatedArticle]:
    """The demo corpus, annotated once (titles: first line of 001/002/004; dates for 000/001)."""
    from newsweave.annotate.nlp import annotate, load_nlp

    arts = []
    for n, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        text = path.read_text("utf-8")
        title = next(line.strip() for line in text.splitlines() if line.strip()) if n in (1, 2, 4) else None
        arts.append(
            Article(
                id=path.name[:3],
                text=text,
                input=str(path),
                title=title,
                published="2019-01-27" if n < 2 else None,
                language="en",
            )
        )
    anns = {a.article_id: a for a in annotate(arts, load_nlp())}
    return [AnnotatedArticle(a, anns[a.id]) for a in arts]


def test_features_from_annotation(seeds: list[AnnotatedArticle]) -> None:
    f = story_features(seeds[0])
    assert f.day is not None and f.terms["defect"] >= 1
    assert "silva" in f.entities and "maduro" in f.entities
    assert 2019 in f.years
    assert "nicolas maduro" in f.kinds["persons"] and "jose luis silva" in f.kinds["persons"]
    g = story_features(seeds[2])
    assert g.day is None and g.label.startswith("Key military ally")


@pytest.mark.skipif(not SEEDS.exists(), reason="demo corpus not present")
def test_demo_corpus(seeds: list[AnnotatedArticle]) -> None:
    clf = StoryClusterer(load_model())
    got = {a.article_id: a for a in clf.add_many(story_features(s) for s in seeds)}
    event = got["000"].event_id
    assert all(got[k].event_id == event for k in ("001", "002", "003"))
    assert got["004"].storyline_id == got["000"].storyline_id
    assert got["004"].reason  # says whether it joined the event or started a later one, and why
    stories = [s.to_dict() for s in clf.stories()]
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator({"$defs": schema["$defs"], **schema["properties"]["stories"]}).validate(stories)
    ev = next(s for s in stories if s["id"] == event)
    assert ev["first_date"] == "2019-01-27"
    titles = {s.article.title for s in seeds if s.article.title}
    assert ev["label"] in titles  # a member's headline, not a raw first line


def _settings(model: StoryModel, **kw: float) -> StoryModel:
    """A copy of ``model`` with some settings changed."""
    return StoryModel.from_dict({**model.to_dict(), **kw})


def _quakes(prefix: str, ents: str, n: int, day: int) -> list[StoryFeatures]:
    return [
        feat(f"{prefix}{k}", f"earthquake magnitude quake tremor damage {prefix}word {prefix}thing", ents, day + k)
        for k in range(n)
    ]


def test_consolidate_splits_a_merged_event(toy_model: StoryModel) -> None:
    chile, japan = _quakes("c", "Chile|Santiago", 5, 300), _quakes("j", "Japan|Tokyo", 5, 310)
    feats = {f.article_id: f for f in chile + japan}
    clf = StoryClusterer(_settings(toy_model, event_threshold=0.0))  # every article joins: one merged event
    clf.add_many(chile + japan)
    assert len(clf.events) == 1
    clf.model = _settings(toy_model, event_threshold=0.0, split_threshold=0.5, split_min_part=3)
    moves = clf.consolidate(feats.get)
    assert len(clf.events) == 2
    assert {frozenset(e.article_ids) for e in clf.events.values()} == {
        frozenset(feats) - {f.article_id for f in japan},
        frozenset(f.article_id for f in japan),
    }
    assert {m.article_id for m in moves} == {f.article_id for f in japan}  # the first article's half keeps its id
    assert all("split from" in m.reason for m in moves)
    assert len({e.parent for e in clf.events.values()}) == 1  # still one storyline
    assert clf.consolidate(feats.get) == []  # nothing changed since: nothing revisited


def test_consolidate_leaves_a_coherent_event(toy_model: StoryModel) -> None:
    chile = _quakes("c", "Chile|Santiago", 8, 300)
    clf = StoryClusterer(_settings(toy_model, split_threshold=0.5, split_min_part=3, reassign_threshold=0.3))
    clf.add_many(chile)
    before = {e: list(c.article_ids) for e, c in clf.events.items()}
    assert clf.consolidate({f.article_id: f for f in chile}.get) == []
    assert {e: c.article_ids for e, c in clf.events.items()} == before


def test_consolidate_replaces_a_fragment(toy_model: StoryModel) -> None:
    early = feat("early", "earthquake quake", "Chile", None)  # thin first report: starts its own event
    rest = _quakes("c", "Chile|Santiago", 5, 300)
    feats = {f.article_id: f for f in [early, *rest]}
    clf = StoryClusterer(_settings(toy_model, event_threshold=1.01))  # nothing joins while the fragment arrives
    clf.add(early)
    clf.add(rest[0])  # nor when the first full report comes
    clf.model = toy_model
    clf.add_many(rest[1:])
    frag = clf.article_event["early"]
    big = clf.article_event["c0"]
    assert frag != big  # the thin report started its own event
    clf.model = _settings(toy_model, reassign_threshold=0.01)
    moves = clf.consolidate(feats.get)
    assert [m.article_id for m in moves] == ["early"]
    assert moves[0].from_event == frag and moves[0].to_event == big
    assert frag not in clf.events and clf.article_event["early"] == big
    assert sorted(clf.events[big].article_ids) == sorted(feats)
    restored = StoryClusterer.from_dict(json.loads(json.dumps(clf.to_dict())))
    assert restored.article_event == clf.article_event


def test_consolidation_off_by_default_settings(toy_model: StoryModel) -> None:
    chile, japan = _quakes("c", "Chile|Santiago", 5, 300), _quakes("j", "Japan|Tokyo", 5, 310)
    clf = StoryClusterer(_settings(toy_model, event_threshold=0.0, split_threshold=0.0, reassign_threshold=2.0))
    clf.add_many(chile + japan)
    assert clf.consolidate({f.article_id: f for f in chile + japan}.get) == []
    assert len(clf.events) == 1


def test_stored_assignments_follow_moves(toy_model: StoryModel) -> None:
    from newsweave.stories.stage import current_assignments

    chile, japan = _quakes("c", "Chile|Santiago", 5, 300), _quakes("j", "Japan|Tokyo", 5, 310)
    feats = {f.article_id: f for f in chile + japan}
    clf = StoryClusterer(_settings(toy_model, event_threshold=0.0))
    records = [a.to_dict() for a in clf.add_many(chile + japan)]
    clf.model = _settings(toy_model, event_threshold=0.0, split_threshold=0.5, split_min_part=3)
    moves = clf.consolidate(feats.get)
    assert moves
    now = {a["article_id"]: a for a in current_assignments(records, clf, moves)}
    assert all(now[a]["event_id"] == clf.article_event[a] for a in feats)
    assert all(now[a]["storyline_id"] == clf.events[clf.article_event[a]].parent for a in feats)
    assert all("later moved: split from" in now[m.article_id]["reason"] for m in moves)
    assert "later moved" not in now["c0"]["reason"]
    first_moved = moves[0].article_id
    before = next(r for r in records if r["article_id"] == first_moved)
    assert before["event_id"] == moves[0].from_event  # the input records are not changed in place


# -- time, specificity, monotonicity (issue 13) ----------------------------------------------------


def _models(toy_model: StoryModel) -> list[StoryModel]:
    return [toy_model, load_model()]


def _row(**vals: float) -> np.ndarray:
    return np.asarray([[vals.get(n, 0.0) for n in EVENT_FEATURES]])


@pytest.mark.parametrize("gap", [0, 1, 3, 7, 20, 40, 90, 187, 344, 3000])
def test_no_confident_join_without_evidence(toy_model: StoryModel, gap: int) -> None:
    """Every similarity near zero: below the join threshold at any gap, whatever is known on both sides."""
    for model in _models(toy_model):
        clf = StoryClusterer(model)
        for against in (0.0, 1.0):
            against_all = {**dict.fromkeys(AGAINST, against), "log_gap_days": float(np.log1p(gap))}
            x = _row(**dict.fromkeys(EVIDENCE, 0.02), **against_all)
            assert float(clf._score(x)[0]) < model.event_threshold
        assert model.no_evidence_probability(0.05) < model.event_threshold


def test_longer_gap_never_raises_join_probability(toy_model: StoryModel) -> None:
    """Monotone in the gap, including gaps no training pair had (344 days, 10 years)."""
    gaps = [0, 1, 2, 5, 10, 21, 40, 100, 187, 344, 3650]
    for model in _models(toy_model):
        clf = StoryClusterer(model)
        base = {n: 0.6 for n in EVIDENCE}
        p = [float(clf._score(_row(**base, log_gap_days=np.log1p(g)))[0]) for g in gaps]
        assert all(a >= b for a, b in itertools.pairwise(p))
        signs = dict(zip(EVENT_FEATURES, EVENT_SIGNS, strict=True))
        assert all(w * signs[n] >= 0 for n, w in zip(EVENT_FEATURES, model.event_coef, strict=True))


def test_fit_logistic_keeps_signs() -> None:
    """A weight whose data pull the wrong way is held at 0, not fitted with the wrong sign."""
    rng = np.random.default_rng(0)
    sim = rng.random(400)
    gap = rng.random(400)
    y = (sim + 0.8 * gap + 0.1 * rng.standard_normal(400) > 0.9).astype(int)  # longer gap "helps" here
    coef, _ = fit_logistic(np.column_stack([sim, gap]), y, 1.0, (1, -1))
    assert coef[0] > 0 and coef[1] == pytest.approx(0.0, abs=1e-9)


def test_hard_negatives_keep_the_closest_wrong_candidates() -> None:
    """The join fit sees each article's gold event and only its k closest wrong candidates."""
    from newsweave.stories.fit import pair_examples

    stream, gold = [], {}
    for k in range(6):  # six events sharing "report", one of them close to the last article
        for j in range(2):
            extra = " quake tremor damage" if k == 0 else ""
            stream.append(feat(f"e{k}-{j}", f"report topic{k} word{k}{extra}", f"Place{k}", 100 + k))
            gold[f"e{k}-{j}"] = f"e{k}"
    stream.append(feat("last", "report quake tremor damage word5 topic5", "Place5", 106))
    gold["last"] = "e5"
    x_all, y_all = pair_examples(stream, gold, False, 30)
    x_hard, y_hard = pair_examples(stream, gold, False, 30, hard_negatives=1)
    assert y_hard.sum() == y_all.sum() > 0  # every positive is kept
    assert (y_hard == 0).sum() < (y_all == 0).sum()
    col = EVENT_FEATURES.index("cos_terms")
    last_all, last_hard = x_all[-6:], x_hard[-2:]  # the last article's rows: 6 candidates / gold + 1
    assert y_hard[-2:].tolist().count(0) == 1
    wrong = [r for r, y in zip(last_all, y_all[-6:], strict=True) if y == 0]
    assert max(r[col] for r in wrong) == pytest.approx(last_hard[y_hard[-2:] == 0][0][col])


def test_replicas_40_days_apart_stay_apart(toy_model: StoryModel) -> None:
    """The scale bench's weakness: the same report again 40 days later is another event."""
    clf = StoryClusterer(_settings(toy_model, event_threshold=0.0))  # would join anything it may see
    first = _quakes("a", "Chile|Santiago", 4, 300)
    again = [feat(f"r{k}", "earthquake magnitude quake tremor damage aword athing", "Chile|Santiago", 340 + k)
             for k in range(4)]
    got = {a.article_id: a for a in clf.add_many(first + again)}
    assert len({got[f.article_id].event_id for f in first}) == 1
    assert {got[f.article_id].event_id for f in again}.isdisjoint({got["a0"].event_id})
    undated = feat("u", "earthquake magnitude quake tremor damage aword athing", "Chile|Santiago", None)
    assert not clf.add(undated).new_event  # an undated report is placed on text alone


def test_followup_widens_the_window(toy_model: StoryModel) -> None:
    """A reference back ("last month's") plus a shared specific entity reaches an older event, and says so."""
    clf = StoryClusterer(toy_model)
    for k in range(40):  # background reports: "Chile" is common, "Rigopiano" is not
        clf.add(feat(f"bg{k}", f"market price trade bg{k}", "Chile", 100 + k))
    clf.add_many(_quakes("q", "Chile|Rigopiano", 4, 200))
    plain = feat("p", "earthquake magnitude quake tremor damage qword", "Chile|Rigopiano", 240)
    follow = feat("f", "earthquake magnitude quake tremor damage qword", "Chile|Rigopiano", 240,
                  back=("last month's", (10, 62)))
    assert clf.window(plain, clf._vectors(plain)[1], clf.events[clf.article_event["q0"]]) is None
    a = clf.add(follow)
    assert a.event_id == clf.article_event["q0"], a.reason
    assert "follow-up" in a.reason and "Rigopiano" in a.reason
    assert clf.rarity("@Rigopiano") > clf.rarity("@Chile")


def test_common_names_count_less(toy_model: StoryModel) -> None:
    """Document frequency is kept online: a name in every article weighs less than a rare one."""
    clf = StoryClusterer(toy_model)
    for k in range(30):
        clf.observe(feat(f"x{k}", f"word{k}", "Trump" + ("|Rigopiano" if k == 3 else "")))
    _, ev = clf._vectors(feat("y", "word", "Trump|Rigopiano"))
    assert ev["Rigopiano"] > 3 * ev["Trump"]
    restored = StoryClusterer.from_dict(json.loads(json.dumps(clf.to_dict())))
    assert restored.rarity("@Trump") == clf.rarity("@Trump") < 0.3


def test_date_estimate_is_marked_and_never_dates_the_event(toy_model: StoryModel) -> None:
    text = "PARIS, March 3, 2011 - Thieves took jewels from a store.\nPolice said last week's raid was similar."
    art = Article(id="z", text=text, input="z", language="en")
    f = story_features(AnnotatedArticle(art, None))
    from datetime import date

    assert f.day == date(2011, 3, 3).toordinal() and f.day_estimated
    assert f.back_ref == "last week's" and f.back_days == (3, 14)
    clf = StoryClusterer(toy_model)
    a = clf.add(f)
    assert "estimated" in a.reason
    (event,) = [s for s in clf.stories() if s.level == "event"]
    assert event.first_date is None  # an estimate is not a publication date
