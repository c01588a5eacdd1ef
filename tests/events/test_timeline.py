"""Tests for newsweave.timeline."""

from __future__ import annotations

import pytest

from newsweave.events.extract import Event
from newsweave.events.timeline import build_timeline, dates_compatible, independent_count, temporal_awareness
from newsweave.models import Span


def ev(art: str, start: int, date: str | None, actor: str | None = "Maduro", source: str = "clause",
       mode: str | None = "break-relations", target: str | None = "United States") -> Event:
    prec = "day" if date and "X" not in date and len(date) == 10 else "unknown"
    return Event(article_id=art, trigger=Span(start, start + 3), trigger_text="cut", lemma="cut",
                 type="SANCTION", mode=mode, sentence=Span(0, 50), actor_text=actor, target_text=target,
                 date=date, date_precision=prec, date_source=source)


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [("2019-01-23", "XXXX-WXX-3", True), ("2019-01-23", "XXXX-WXX-5", False), ("2019-01-23", "2019-01", True),
     ("2019-01-23", "2019-01-24", False), ("2019-01-23", None, True), ("XXXX-01-23", "2019-01-23", True)],
)
def test_dates_compatible(a: str, b: str | None, ok: bool) -> None:
    assert dates_compatible(ev("x", 0, a), ev("y", 0, b)) is ok


def test_merge_and_source_counts() -> None:
    events = [ev("a", 10, "2019-01-23"), ev("b", 5, "XXXX-WXX-3", actor="Nicolás Maduro"),
              ev("c", 7, "2019-01-23"), ev("d", 1, "2019-01-26", mode="defect", actor="Silva")]
    tl = build_timeline(events, origin_of={"c": "a"})
    first = tl[0]
    assert first.date == "2019-01-23" and first.article_ids == ["a", "b", "c"]
    assert first.independent_sources == 2  # c copies a
    assert tl[1].mode == "defect" and tl[1].date == "2019-01-26"


def test_hypothetical_left_out() -> None:
    e = ev("a", 1, "2019-01-23")
    e.modality = "conditional"
    assert build_timeline([e]) == []
    assert len(build_timeline([e], include_hypothetical=True)) == 1


def test_independent_count_cycles() -> None:
    assert independent_count(["a", "b", "c"], {"b": "a", "c": "b"}) == 1
    assert independent_count(["a", "b"], {"a": "b", "b": "a"}) == 1


def test_temporal_awareness_perfect_and_partial() -> None:
    gold = [[(1, "2004-XX-XX", ["e1"]), (2, "2005-01-01", ["e2", "e3"]), (0, "XXXX-XX-XX", ["e4"])]]
    assert temporal_awareness(gold, gold)["f1"] == pytest.approx(1.0)
    swapped = [[(1, "2005-01-01", ["e2"]), (2, "2006-01-01", ["e1"])]]
    res = temporal_awareness(gold, swapped)
    assert res["p"] < 0.5 and res["r"] < 0.5
    empty = [[]]
    assert temporal_awareness(gold, empty)["f1"] == 0.0
