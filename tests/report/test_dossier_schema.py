"""The dossier schema accepts every TIMEX3 value the normalizer can produce, and real news validates.

Property-based: values are built with the normalizer's own functions (:func:`shift_value`,
:func:`duration_value`) and by running :func:`find_timexes` on generated expressions around
generated publication dates; each must match the schema's ``date`` (points, as events and
timelines carry them) or ``timex_value`` (any value, durations included) pattern.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsweave.events.timex import find_timexes
from newsweave.events.timex_values import (
    MONTHS,
    ORDINALS,
    SEASONS,
    SMALL,
    TENS,
    UNIT_CODES,
    WEEKDAYS,
    duration_value,
    shift_value,
    value_precision,
)
from newsweave.report.dossier import schema, validate
from tests.conftest import RESOURCES

REALNEWS = RESOURCES / "realnews"
DATE = re.compile(schema()["$defs"]["date"]["pattern"])
TIMEX = re.compile(schema()["$defs"]["timex_value"]["pattern"])
PRECISIONS = set(schema()["properties"]["events"]["items"]["properties"]["date_precision"]["enum"])
PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Publication dates of news (the normalizer's reference dates).
news_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
#: Counts as the grammar reads them: up to three digits (":data:`newsweave.events.timex._NUMWORD`").
counts = st.integers(min_value=-999, max_value=999)
UNITS = ["day", "night", "week", "weekend", "month", "quarter", "year", "decade", "century"]


def event_date(type_: str, value: str) -> str:
    """The date an event or timeline entry takes from a DATE or TIME expression (see ``events.py``)."""
    return value[:10] if type_ == "TIME" else value


# ---------------------------------------------------------------------------
# the grammar itself
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    "2010", "197", "20", "2010-06", "2010-06-09", "XXXX-XX-XX", "2010-W23", "2010-W23-6", "2010-W23-WE",
    "XXXX-WXX-WE", "XXXX-WXX-3", "2010-SU", "2010-WI", "2010-FA", "2010-SP", "XXXX-SU", "2010-Q1", "XXXX-QX",
    "2010-H2", "XXXX-H2", "2010-01-02TMO", "2010-01-02TAF", "2010-01-02TEV", "2010-01-02TNI", "XXXX-XX-XXTNI",
    "2010-01-02T14:30", "2010-01-02T14:30:15", "PAST_REF", "PRESENT_REF", "FUTURE_REF", "BC0050", None,
])
def test_point_values_are_dates(value: str | None) -> None:
    for section in ("events", "timelines"):
        dossier = _minimal()
        if section == "events":
            dossier["events"] = [_event(value)]
        else:
            dossier["timelines"] = [{"story_id": "s1", "entries": [{"date": value, "article_ids": ["a1"]}]}]
        validate(dossier)


@pytest.mark.parametrize("value", ["-1", "2010-W23-W", "1", "20100", "2010-13x", "P3D", "2010-06-09 ", "PRESENT",
                                   "2010-Q5", "2010-WE"])
def test_other_strings_are_not_dates(value: str) -> None:
    from newsweave.errors import SchemaError

    dossier = _minimal()
    dossier["events"] = [_event(value)]
    with pytest.raises(SchemaError, match=r"\[E020\].*events/0/date"):
        validate(dossier)


@pytest.mark.parametrize("value", ["P8D", "PT3H", "P2Y6M", "P1DT12H", "PT2H30M", "P2.5W", "P3WE", "PXDE", "PXCE",
                                   "PXQ", "PXX", "PXY", "P9M"])
def test_durations_are_timex_values(value: str) -> None:
    assert TIMEX.fullmatch(value) and not DATE.fullmatch(value)


# ---------------------------------------------------------------------------
# values built by the normalizer's own functions
# ---------------------------------------------------------------------------
@PROPS
@given(ref=st.one_of(st.none(), news_dates), unit=st.sampled_from(UNITS), n=counts)
def test_shifted_values_match_the_date_pattern(ref: dt.date | None, unit: str, n: int) -> None:
    value = shift_value(ref, unit, n)
    assert DATE.fullmatch(value), value
    assert value_precision(value) in PRECISIONS


@pytest.mark.parametrize(("text", "published"), [("999 centuries ago", "2010-06-09"),
                                                 ("999 decades ago", "2010-06-09"),
                                                 ("199 decades ago", "2010-06-09"),
                                                 ("15 centuries ago", "2010-06-09"),
                                                 ("999 years ago", "1905-01-01")])
def test_far_past_values_are_timex_years(text: str, published: str) -> None:
    (t,) = find_timexes(text, published)
    unit = text.split()[1].rstrip("s")
    width = {"year": 4, "decade": 3, "centurie": 2}[unit]  # TIMEX3: YYYY, YYY, YY (zero-padded)
    # a year the field cannot hold stays unknown (placeholder) rather than malformed
    assert DATE.fullmatch(t.value) and re.fullmatch(rf"(?:BC)?\d{{{width}}}|X{{{width}}}", t.value), t.value


@PROPS
@given(n=st.one_of(st.none(), st.integers(0, 999), st.integers(0, 999).map(lambda k: k + 0.5),
                   st.decimals(0, 999, places=3).map(float)),
       unit=st.sampled_from([*UNIT_CODES, *(u + "s" for u in UNIT_CODES), "centuries"]))
def test_durations_match_the_timex_pattern(n: float | None, unit: str) -> None:
    value = duration_value(n, unit)
    assert TIMEX.fullmatch(value), value


# ---------------------------------------------------------------------------
# values from the normalizer run on generated expressions
# ---------------------------------------------------------------------------
REL = ["last", "this", "next", "past", "previous", "coming", "current", "following", "the past", "the last",
       "the next", "the previous", "the coming", "the same", "that", "the", "this past", "this coming"]
NUMWORDS = ["a", "an", "one", "a couple of", "a few", "several", "some", "many", "a dozen", "twenty-one",
            *sorted(SMALL), *sorted(TENS)]
PARTS = ["morning", "afternoon", "evening", "night"]
ORDWORDS = [w for w in ORDINALS if not w[0].isdigit()]


@st.composite
def numbers(draw: st.DrawFn) -> str:
    return draw(st.one_of(st.integers(0, 999).map(str), st.sampled_from(NUMWORDS),
                          st.integers(0, 999).map(lambda k: f"{k} 1/2"),
                          st.decimals(0, 99, places=1).map(str)))


@st.composite
def expressions(draw: st.DrawFn) -> str:
    """One time expression in the shapes the normalizer's grammar knows (and some it rejects)."""
    year = str(draw(st.integers(1600, 2099)))
    unit = draw(st.sampled_from([*UNITS, "second", "minute", "hour"]))
    units = unit + ("" if unit.endswith("y") and unit != "day" else "s")
    units = "centuries" if unit == "century" else units
    month = draw(st.sampled_from(sorted(MONTHS)))
    wd = draw(st.sampled_from(sorted(WEEKDAYS)))
    season = draw(st.sampled_from(sorted(SEASONS)))
    ordw = draw(st.sampled_from(ORDWORDS[:4]))
    big_ord = draw(st.sampled_from(["eleventh", "nineteenth", "twentieth", "twenty-first", "third", "fourth"]))
    num = draw(numbers())
    shapes = [
        f"{draw(st.sampled_from(REL))} {unit}", f"{num} {units} ago", f"{num} {units} from now", f"in {num} {units}",
        f"for {num} {units}", f"every {num} {units}", f"the past {num} {units}", f"{num} {units} earlier",
        f"the {year[:3]}0s", f"the mid-{year[:3]}0s", f"the late {year[:3]}0s", f"the '{year[2]}0s",
        f"the {draw(st.integers(0, 120))}th century", f"the {draw(st.sampled_from(ORDWORDS))} century",
        f"the {big_ord} century", f"the {big_ord} half of {year}", f"the {big_ord} half",
        f"the {draw(st.sampled_from(['twenties', 'sixties', 'nineties']))}",
        f"nineteen {draw(st.sampled_from(sorted(TENS)))}",
        f"{season} {year}", f"{draw(st.sampled_from(REL))} {season}", f"the {ordw} quarter",
        f"the {ordw} quarter of {year}", f"the {draw(st.sampled_from(['first', 'second']))} half of {year}",
        f"the last half of {year}", f"{year}'s {ordw} quarter", f"the {year} quarter",
        f"{wd} {draw(st.sampled_from(PARTS))}",
        f"{draw(st.sampled_from(REL))} {wd}", f"{draw(st.sampled_from(['today', 'yesterday', 'tomorrow', 'tonight']))}",
        f"{draw(st.sampled_from(['yesterday', 'this', 'tomorrow', 'last']))} {draw(st.sampled_from(PARTS))}",
        f"{draw(st.integers(1, 12))} p.m. {wd}", f"{draw(st.integers(1, 12))}:{draw(st.integers(0, 59)):02d} a.m.",
        f"{month} {draw(st.integers(1, 31))}, {year}", f"{month} {year}", f"{month}", f"{month} last year",
        f"{draw(st.integers(1, 31))} {month}", f"{year}-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 31)):02d}",
        f"{draw(st.integers(1, 12))}/{draw(st.integers(1, 31))}/{year[2:]}", "year-end", "since year-end",
        "the year-ago quarter", f"mid-{year}", f"fiscal {year}", f"the end of {month}", "the end of the year",
        "the beginning of next month", "now", "recently", "soon", "this weekend", "over the weekend", "last weekend",
        "the latest quarter", "the same period last year", "the next day", "daily", "every Monday", "Tuesday nights",
        "for a while", "at the time", "this moment", "in the morning", "weeks", f"{year} or later", year,
        "the quarter ended Sept. 30", "the previous Friday", "the following week", "someday",
    ]
    return draw(st.sampled_from(shapes))


CUES = ["", "It happened", "They said that it will happen", "Officials expect it", "The report, published",
        "Sales rose", "The company will report results", "He arrived on March 3, 2009, and left"]


@PROPS
@given(expr=expressions(), cue=st.sampled_from(CUES), after=st.sampled_from(["", ".", ", officials said.", " ended"]),
       published=st.one_of(st.none(), news_dates.map(dt.date.isoformat)))
def test_normalizer_output_matches_the_schema(expr: str, cue: str, after: str, published: str | None) -> None:
    text = f"{cue} {expr}{after}".strip()
    for t in find_timexes(text, published):
        assert TIMEX.fullmatch(t.value), (text, published, t)
        if t.type in ("DATE", "TIME"):
            date = event_date(t.type, t.value)
            assert DATE.fullmatch(date), (text, published, t)
            assert value_precision(date) in PRECISIONS


VOCAB = sorted({*REL, *NUMWORDS, *UNITS, "weeks", "years", "days", "months", *MONTHS, *WEEKDAYS, *SEASONS, *PARTS,
                *ORDINALS, "ago", "from now", "in", "the", "of", "early", "mid-", "late", "end", "half", "quarter",
                "century", "1970s", "'80s", "2010", "1999", "year-end", "today", "tonight", "now", "p.m.", "3"})


@PROPS
@given(words=st.lists(st.sampled_from(VOCAB), min_size=1, max_size=8),
       published=st.one_of(st.none(), news_dates.map(dt.date.isoformat)))
def test_normalizer_output_on_word_salad_matches_the_schema(words: list[str], published: str | None) -> None:
    text = " ".join(words)
    for t in find_timexes(text, published):
        assert TIMEX.fullmatch(t.value), (text, published, t)
        if t.type in ("DATE", "TIME"):
            assert DATE.fullmatch(event_date(t.type, t.value)), (text, published, t)


@pytest.mark.parametrize(("text", "value"), [("the twentieth century", "19"), ("the eleventh century", "10"),
                                             ("the twenty-first century", "20")])
def test_century_words(text: str, value: str) -> None:
    (t,) = find_timexes(text, "2010-06-09")
    assert t.value == value and DATE.fullmatch(t.value)


@pytest.mark.parametrize("text", ["the third half", "the fourth half of 2010"])
def test_only_two_halves(text: str) -> None:
    for t in find_timexes(text, "2010-06-09"):
        assert DATE.fullmatch(t.value), t.value


# ---------------------------------------------------------------------------
# the whole pipeline on real news
# ---------------------------------------------------------------------------
def test_real_news_dossier_validates(tmp_path: Path) -> None:
    """Eleven trimmed articles from newscluster and timeline17 (weekends, decades, centuries, seasons,
    quarters, halves, parts of days): `analyze` exits 0 and every output validates."""
    from newsweave.cli import app

    db = f"sqlite:///{tmp_path / 'rn.db'}"
    result = CliRunner().invoke(app, ["analyze", str(REALNEWS / "articles.jsonl"), "--db", db, "--json",
                                      str(tmp_path / "d.json"), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for path in (tmp_path / "d.json", tmp_path / "out" / "dossier.json"):
        dossier = json.loads(path.read_text(encoding="utf-8"))
        validate(dossier)
    assert len(dossier["articles"]) == 11
    assert (tmp_path / "out" / "index.html").exists() and list((tmp_path / "out").glob("*.md"))
    dates = {e["date"] for e in dossier["events"]} | {x["date"] for t in dossier["timelines"] for x in t["entries"]}
    # the values that once made the schema reject the whole dossier are among them
    kinds = {re.sub(r"\d", "9", d) for d in dates if d}
    assert kinds & {"9999-W99-WE", "999", "99", "9999-H9", "9999-Q9", "9999-SU", "9999-FA", "9999-SP", "9999-WI"}, kinds


def _minimal() -> dict[str, Any]:
    return {"schema": "newsweave.dossier/1", "generated_by": "test", "inputs": [], "articles": [], "stories": [],
            "entities": [], "quotes": [], "events": [], "reuse": [], "discrepancies": [], "summary": []}


def _event(date: str | None) -> dict[str, Any]:
    return {"id": "e1", "type": "MEET", "actor_entity_id": None, "target_entity_id": None, "date": date,
            "date_precision": "unknown", "article_ids": ["a1"], "evidence": []}
