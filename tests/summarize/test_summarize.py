"""Tests for newsweave.summarize.extractive: furniture filter, support, origin, order, citations."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from newsweave.annotate.nlp import annotate, load_nlp
from newsweave.models import AnnotatedArticle, Article, Span
from newsweave.summarize.extractive import (
    SummaryOptions,
    SummarySentence,
    candidate_sentences,
    furniture_reason,
    summarize_story,
)
from tests.conftest import RESOURCES, ROOT

SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"
RIVERTON = RESOURCES / "summarize" / "riverton.json"


def _docs(records: list[dict[str, Any]]) -> list[AnnotatedArticle]:
    arts = [
        Article(
            id=r["id"],
            text=r["text"],
            input=r.get("input", r["id"]),
            published=r.get("published"),
            title=r.get("title"),
            language=r.get("language", "en"),
        )
        for r in records
    ]
    anns = {a.article_id: a for a in annotate(arts, load_nlp())}
    return [AnnotatedArticle(a, anns.get(a.id)) for a in arts]


@pytest.fixture(scope="module")
def riverton() -> tuple[list[AnnotatedArticle], dict[str, str]]:
    data = json.loads(RIVERTON.read_text(encoding="utf-8"))
    return _docs(data["articles"]), data["origin_of"]


@pytest.fixture(scope="module")
def seeds() -> list[AnnotatedArticle]:
    if not SEEDS.is_dir():
        pytest.skip(f"demo corpus not found at {SEEDS}")
    # Dates only where the file itself states one; the others stay unknown.
    dates = {"000": "2019-01-27", "001": "2019-01-27"}
    return _docs(
        [
            {
                "id": f.stem[:3],
                "text": f.read_text(encoding="utf-8"),
                "input": str(f),
                "published": dates.get(f.stem[:3]),
            }
            for f in sorted(SEEDS.glob("*.txt"))
        ]
    )


@pytest.fixture(scope="module")
def summary_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((resources.files("newsweave") / "schemas" / "dossier-1.json").read_text(encoding="utf-8"))
    sub = {"$defs": schema["$defs"], **schema["properties"]["summary"]["items"]}
    return jsonschema.Draft202012Validator(sub)


def _assert_cited(summary: list[SummarySentence], docs: list[AnnotatedArticle]) -> None:
    texts = {d.article.id: d.article.text for d in docs}
    for s in summary:
        assert s.article_ids and s.article_ids[0] == s.article_id
        assert s.span.text_of(texts[s.article_id]) == s.text
        assert [e.article_id for e in s.evidence] == s.article_ids
        assert len(set(s.article_ids)) == len(s.article_ids)
        for e in s.evidence:
            assert e.span.text_of(texts[e.article_id]) == e.text
            assert e.text.strip() == e.text and e.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The council voted 7-2 on Monday to ban cars from the town center.", None),
        ("Army soldiers take part in a ceremony 13 April, 2007. (Pedro REY/AFP/Getty Images)", "photo credit"),
        ("Protesters march in Caracas on Jan. 23. (Federico Parra/AFP)", "photo credit"),
        ("Share this news", "page furniture"),
        ("This material may not be published, broadcast, rewritten or redistributed.", "page furniture"),
        ("Published : 12 March 2024, 10:15 in the morning", "page furniture"),
        ("Reuters and Epoch Times staff contributed to this article.", "contributor note"),
        ("[show_poll poll_id=7910] readers say they like it", "template markup"),
        ("Latest News", "page furniture"),
        ("What you need to know to start your day, delivered to your inbox Monday through Friday.",
         "page furniture"),
        ("Sign up for our Morning Briefing newsletter.", "page furniture"),
        ("The company said it would send alerts to its customers by email.", None),
        ("Key player switches sides", "too short"),
        ("Key military ally abandons president after Trump withdraws support", "no final punctuation (heading)"),
        ("“We were given arms to defend the sovereignty of our nation.”", None),
        ("Did the mayor know about the plan before the vote?", None),
    ],
)
def test_furniture_reason(text: str, expected: str | None) -> None:
    assert furniture_reason(text) == expected


def test_furniture_reason_needs_a_verb() -> None:
    assert furniture_reason("A long list of five names and places here.", has_verb=False) == "no verb"


def test_candidates_drop_furniture_and_trim_dateline(seeds: list[AnnotatedArticle]) -> None:
    cands = candidate_sentences(seeds)
    texts = [c.text for c in cands]
    assert not any("Getty Images" in t or t.startswith("Share this") or "[show_poll" in t for t in texts)
    first = next(c for c in cands if c.article_id == "000")
    assert first.text.startswith("Venezuela’s top military envoy")
    # The caption printed twice in 004 is dropped as a caption.
    assert not any(t.startswith("Venezuelan Colonel Jose Luis Silva, Venezuela’s Military Attache") for t in texts)
    # keep_furniture gives every sentence piece back.
    assert len(candidate_sentences(seeds, keep_furniture=True)) > len(cands)


def test_caption_split_by_parser_is_dropped_whole(riverton: tuple[list[AnnotatedArticle], dict[str, str]]) -> None:
    docs, _ = riverton
    texts = [c.text for c in candidate_sentences(docs)]
    assert not any("Cyclists ride" in t or "Getty" in t for t in texts)
    assert any("Cyclists ride" in c.text for c in candidate_sentences(docs, keep_furniture=True))


def test_seed_summary_cites_articles_and_spans(
    seeds: list[AnnotatedArticle], summary_validator: jsonschema.Draft202012Validator
) -> None:
    summary = summarize_story(seeds, story_id="story-1")
    assert 1 <= len(summary) <= 5
    _assert_cited(summary, seeds)
    for s in summary:
        summary_validator.validate(s.to_dict())
        assert s.to_dict()["story_id"] == "story-1"
    # The defection itself is corroborated by more than one outlet.
    assert max(s.independent_sources for s in summary) >= 2


def test_corroborated_statement_uses_earliest_independent_wording(
    riverton: tuple[list[AnnotatedArticle], dict[str, str]],
) -> None:
    docs, origin_of = riverton
    summary = summarize_story(docs, origin_of=origin_of, max_sentences=5)
    _assert_cited(summary, docs)
    ban = [s for s in summary if "ban" in s.text and "June" in s.text]
    assert len(ban) == 1, "equivalent sentences must not repeat"
    top = ban[0]
    assert top.article_id == "riv-b"  # earliest published independent article
    assert set(top.article_ids) == {"riv-a", "riv-b", "riv-c", "riv-d"}
    assert top.independent_sources == 3  # riv-c copies riv-a
    assert top is summary[0]  # riv-b is the earliest source
    assert all(s.article_id != "riv-c" for s in summary)  # a copy's wording is never preferred


def test_copy_adds_no_independent_support(riverton: tuple[list[AnnotatedArticle], dict[str, str]]) -> None:
    docs, origin_of = riverton
    with_origin = {s.text: s.independent_sources for s in summarize_story(docs, origin_of=origin_of)}
    without = {s.text: s.independent_sources for s in summarize_story(docs)}
    mayor = next(t for t in with_origin if t.startswith("Mayor Lena Ortiz"))
    assert with_origin[mayor] == 1
    assert without.get(mayor, 2) == 2


def test_unknown_dates_rank_after_known(riverton: tuple[list[AnnotatedArticle], dict[str, str]]) -> None:
    docs, origin_of = riverton
    summary = summarize_story(docs, origin_of=origin_of, max_sentences=6)
    dates = [next(d.article.published for d in docs if d.article.id == s.article_id) for s in summary]
    known = [d for d in dates if d is not None]
    assert known == sorted(known)
    assert dates[: len(known)] == known  # unknown dates come last
    # With riv-b removed, the ban is told in riv-a's wording (dated), not riv-d's (undated).
    rest = [d for d in docs if d.article.id != "riv-b"]
    ban = next(s for s in summarize_story(rest, origin_of=origin_of) if "ban" in s.text and "June" in s.text)
    assert ban.article_id == "riv-a"


@pytest.mark.parametrize(("max_sentences", "max_words", "expected_max"), [(1, None, 1), (2, None, 2), (5, 25, 2)])
def test_length_limits(
    riverton: tuple[list[AnnotatedArticle], dict[str, str]],
    max_sentences: int,
    max_words: int | None,
    expected_max: int,
) -> None:
    docs, origin_of = riverton
    summary = summarize_story(docs, origin_of=origin_of, max_sentences=max_sentences, max_words=max_words)
    assert 1 <= len(summary) <= expected_max


def test_extra_support_from_caller(riverton: tuple[list[AnnotatedArticle], dict[str, str]]) -> None:
    docs, origin_of = riverton

    def support(article_id: str, span: Span) -> list[str]:
        return ["riv-d", "no-such-article"] if article_id == "riv-a" else []

    summary = summarize_story(docs, origin_of=origin_of, support=support)
    _assert_cited(summary, docs)
    mayor = next(s for s in summary if s.text.startswith("Mayor Lena Ortiz"))
    assert "riv-d" in mayor.article_ids and "no-such-article" not in mayor.article_ids


def test_non_english_and_empty_input() -> None:
    assert summarize_story([]) == []
    art = Article(id="x", text="Le conseil a voté lundi pour interdire les voitures.", input="x", language="fr")
    assert summarize_story([AnnotatedArticle(art, None)]) == []


def test_lead_only_options_pick_leads(riverton: tuple[list[AnnotatedArticle], dict[str, str]]) -> None:
    docs, origin_of = riverton
    lead_only = SummaryOptions(w_central=0.0, w_corroboration=0.0, w_position=1.0, mmr_lambda=1.0)
    summary = summarize_story(docs, origin_of=origin_of, max_sentences=3, options=lead_only)
    position = {(c.article_id, c.span): c.position for c in candidate_sentences(docs)}
    got = sorted(position[(s.article_id, s.span)] for s in summary)
    # All four leads tell the same thing, so one stands for them; then second sentences follow.
    assert got == [0, 1, 1]


class _HashEncoder:
    """A deterministic stand-in for MiniLM: one unit vector per distinct text."""

    def encode(self, texts: Any, batch_size: int = 64) -> Any:
        import numpy as np

        out = np.empty((len(texts), 32), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _synthetic_story(n_articles: int, per_article: int) -> list[AnnotatedArticle]:
    """Articles of ``per_article`` distinct verb sentences, annotated by hand (no parser)."""
    from newsweave.models import Annotation, Token

    docs = []
    for a in range(n_articles):
        parts: list[str] = []
        tokens: list[Token] = []
        sents: list[Span] = []
        pos = 0
        for k in range(per_article):
            words = ["Officials", "reported", f"fire{a}x{k}", f"near{a}x{k}", f"town{a}x{k}", "today"]
            start = pos
            for w_i, w in enumerate(words):
                tokens.append(Token(pos, pos + len(w), w.lower(), "VERB" if w_i == 1 else "NOUN", "NN", "dep", 0))
                pos += len(w) + 1
            sents.append(Span(start, pos))  # the sentence ends in "." at pos - 1
            parts.append(" ".join(words) + ".")
            pos += 1  # the space before the next sentence
        text = " ".join(parts)
        art = Article(id=f"a{a}", text=text, input=f"a{a}", published=f"2020-01-{1 + a % 28:02d}", language="en")
        docs.append(AnnotatedArticle(art, Annotation(art.id, "hand", sents, tokens, [])))
    return docs


def test_large_story_never_holds_an_n_by_n_matrix() -> None:
    """A storyline of N candidate sentences is summarized in far less than N x N floats."""
    import tracemalloc

    docs = _synthetic_story(n_articles=120, per_article=50)
    n = len(candidate_sentences(docs))
    assert n == 6000
    encoder = _HashEncoder()
    encoder.encode(["warm"])  # first-use allocations (numpy, scipy's import) are not the summary's
    import scipy.sparse  # noqa: F401
    tracemalloc.start()
    try:
        summary = summarize_story(docs, encoder=encoder, max_sentences=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(summary) == 5
    _assert_cited(summary, docs)
    assert peak < n * n * 4 / 2, f"peak {peak / 1e6:.0f} MB for {n} sentences"


def test_wording_outside_the_pool_is_still_preferred(
    riverton: tuple[list[AnnotatedArticle], dict[str, str]],
) -> None:
    """Only riv-a's wording competes (max_pool=1); the earliest independent wording (riv-b) is shown."""
    docs, origin_of = riverton
    summary = summarize_story(docs, origin_of=origin_of, max_sentences=3, options=SummaryOptions(max_pool=1))
    _assert_cited(summary, docs)
    assert [s.article_id for s in summary] == ["riv-b"]
    assert set(summary[0].article_ids) == {"riv-a", "riv-b", "riv-c", "riv-d"}
    assert summary[0].independent_sources == 3


def test_lexical_vectors_keep_support_and_citations(
    riverton: tuple[list[AnnotatedArticle], dict[str, str]],
) -> None:
    from newsweave.summarize.lexical import LexicalEncoder

    docs, origin_of = riverton
    summary = summarize_story(docs, origin_of=origin_of, max_sentences=5, encoder=LexicalEncoder())
    _assert_cited(summary, docs)
    ban = [s for s in summary if "ban" in s.text and "June" in s.text]
    assert len(ban) == 1 and ban[0].independent_sources == 3
    assert all(s.article_id != "riv-c" for s in summary)
