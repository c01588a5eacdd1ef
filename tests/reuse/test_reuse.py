"""Tests for newsweave.reuse.detect: wire credits, passage alignment, furniture, origin, demo corpus."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from newsweave.models import Article
from newsweave.reuse.detect import (
    align_passages,
    credited_wires,
    decide_origin,
    detect_reuse,
    find_furniture,
    near_duplicates,
)
from tests.conftest import RESOURCES, ROOT

RES = RESOURCES / "reuse"
SEEDS = Path("/work/shared/corpus/seeds")
SCHEMA = ROOT / "src" / "newsweave" / "schemas" / "dossier-1.json"


def art(aid: str, text: str, published: str | None = None, source: str | None = None) -> Article:
    """A minimal English article."""
    return Article(id=aid, text=text, input=aid, published=published, source=source, language="en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reuters and Epoch Times staff contributed to this article.", [("Reuters", "contributed", "credit")]),
        ("Silva told Reuters in Washington that he quit.", [("Reuters", "told", "voice")]),
        ("He told the news Agency Reuters on the phone.", [("Reuters", "told", "voice")]),
        ("doubts remain over the plan, reports Reuters.", [("Reuters", "reports", "credit")]),
        ("WASHINGTON (AP) — The Senate voted.", [("AP", "dateline", "credit")]),
        ("according to the Associated Press, two died", [("AP", "according_to", "credit")]),
        ("Reuters was not able to independently confirm it.", [("Reuters", "own_voice", "voice")]),
        ("The film opens in Paris next week.", []),
        ("A reporter at APEX said so.", []),
    ],
)
def test_credited_wires(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = credited_wires(text)
    assert [(c.wire, c.cue, c.kind) for c in found] == expected
    for c in found:
        assert c.span.text_of(text)


def test_alignment_survives_edits_and_reordering() -> None:
    origin = (RES / "origin.txt").read_text("utf-8")
    copy = (RES / "copy.txt").read_text("utf-8")
    passages = align_passages(origin, copy)
    copied = [copy[p.copy.start : p.copy.end] for p in passages]
    sources = [origin[p.origin.start : p.origin.end] for p in passages]
    # two passages: the moved shop paragraph, then the edited council sentence running on
    # into the re-quoted quote (adjacent in both texts, so one passage)
    assert len(passages) == 2
    assert copied[0].startswith("Shop owners near the bridge") and sources[0].startswith("Shop owners")
    assert sources[0].endswith("asked the council for compensation")
    assert copied[1].startswith("The city council voted") and sources[1].startswith("The city council voted")
    assert "harbor bridge" in copied[1] and "harbour bridge" in sources[1]
    assert copied[1].endswith("council leader Maria Holt") and "told Reuters" not in sources[1]
    # the dropped traffic paragraph and the new residents paragraph are not reuse
    assert not any("Traffic" in s for s in sources)
    assert not any("Residents" in c for c in copied)
    assert all(p.similarity > 0.7 for p in passages)


def test_unrelated_texts_share_no_passage() -> None:
    origin = (RES / "origin.txt").read_text("utf-8")
    other = "The football club signed a new striker from Brazil on a three-year contract worth millions."
    assert align_passages(origin, other) == []


def test_furniture_of_one_outlet_is_not_reuse() -> None:
    caption = "Photo caption: the harbour bridge seen from the old fish market at dawn"
    a = art(
        "a",
        f"The mayor opened a new library in the north of the town today.\n{caption}\nShare this news",
        source="Daily",
    )
    b = art(
        "b",
        f"Heavy rain flooded several streets near the station this morning.\n{caption}\nShare this news",
        source="Daily",
    )
    furn = find_furniture([a, b])
    assert [s.text_of(a.text) for s in furn["a"]] == [caption, "Share this news"]
    result = detect_reuse([a, b])
    assert result.links == []
    assert result.articles["a"].originality == 1.0


@pytest.mark.parametrize(
    ("pub_a", "pub_b", "text_a", "text_b", "origin", "uncertain"),
    [
        ("2020-01-01", "2020-01-03", "x", "y", "a", False),
        ("2020-01-05", "2020-01-03", "x", "y", "b", False),
        (None, None, "Silva told Reuters he quit.", "Silva quit. Reuters contributed to this report.", "a", True),
        ("2020-01-01", "2020-01-01", "He quit, reports Reuters.", "Silva told Reuters he quit.", "b", True),
        (None, None, "no cue here", "none here either", "a", True),
    ],
)
def test_decide_origin(
    pub_a: str | None, pub_b: str | None, text_a: str, text_b: str, origin: str, uncertain: bool
) -> None:
    o, _c, unc, reason, conf = decide_origin(art("a", text_a, pub_a), art("b", text_b, pub_b))
    assert (o.id, unc) == (origin, uncertain)
    assert reason and 0.0 < conf <= 1.0


def test_near_duplicates() -> None:
    base = (RES / "origin.txt").read_text("utf-8")
    a = art("a", base)
    b = art("b", base.replace("Tuesday", "Wednesday"))
    c = art("c", base)
    d = art("d", "Completely different text about the weather in the mountains this week and next.")
    pairs = {(p.article_a, p.article_b): p for p in near_duplicates([a, b, c, d])}
    assert set(pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert pairs[("a", "c")].exact and not pairs[("a", "b")].exact
    assert 0.8 <= pairs[("a", "b")].jaccard < 1.0


def seed_articles() -> list[Article]:
    """The demo corpus as the lead's ingest will read it (dates for 000 and 001 only)."""
    out = []
    for n, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        text = path.read_text("utf-8")
        out.append(art(path.name[:3], text, "2019-01-27" if n < 2 else None))
    return out


@pytest.mark.skipif(not SEEDS.exists(), reason="demo corpus not present")
def test_demo_001_reuses_000() -> None:
    arts = {a.id: a for a in seed_articles()}
    result = detect_reuse(list(arts.values()))
    links = {(lk.origin_article_id, lk.copy_article_id): lk for lk in result.links}
    link = links[("000", "001")]
    assert link.origin_uncertain  # same day: decided by attribution cues
    assert "credits Reuters" in link.origin_reason
    o, c = arts["000"].text, arts["001"].text
    copied = [c[p.copy.start : p.copy.end] for p in link.passages]
    origins = [o[p.origin.start : p.origin.end] for p in link.passages]
    assert any("Don’t mistreat your people" in x and "defend the current government" in x for x in copied)
    assert any(x.startswith("The top brass of the military") for x in copied)
    assert any("Don’t mistreat your people" in x for x in origins)
    assert 0 < link.share < 0.2
    assert result.articles["001"].originality < 1.0
    assert result.articles["000"].originality == 1.0
    assert [w.wire for w in result.articles["001"].credited_wires if w.kind == "credit"] == ["Reuters"]
    section = jsonschema.Draft202012Validator
    schema = __import__("json").loads(SCHEMA.read_text("utf-8"))
    sub = {"$defs": schema["$defs"], **schema["properties"]["reuse"]}
    section(sub).validate([lk.to_dict() for lk in result.links])
