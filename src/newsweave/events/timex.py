"""Time expressions: find dates, times, durations and sets, normalize them to TIMEX3 values.

Values follow TIMEX3 (ISO 8601 with ``X`` for unknown digits): ``2019-01-26``,
``2019-W04``, ``2019-01``, ``2019-Q3``, ``2019-SU``, ``2019``, ``201`` (a
decade), ``P8D`` (a duration), ``PRESENT_REF``. Relative expressions ("on
Saturday", "last month", "three weeks ago") are resolved against the article's
publication date; when it is unknown they keep a placeholder (``XXXX-WXX-6``,
``XXXX-XX``) instead of a guess.

Why hand-written: ``dateparser`` parses a date string it is given, and its
``search_dates`` finds some absolute dates, but it neither delimits TIMEX3
extents ("the past two months", "the third quarter") nor types them
(DATE/TIME/DURATION/SET) nor keeps the granularity of the expression ("last
week" becomes one day); HeidelTime does all of this but is Java and GPL. The
rules below are a small HeidelTime-style grammar (a pattern per expression
kind, a normalization function per pattern); ``bench/bench_timex.py`` compares
both on TimeBank.

The normalizer works on plain text plus publication date (:func:`find_timexes`)
and, with spaCy annotations, takes the tense of the governing verb to decide
whether "Friday" is the last or the next one (:func:`timexes_for_article`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from newsweave.events.timex_values import (
    MONTHS,
    ORDINALS,
    SEASONS,
    SMALL,
    TENS,
    TIME_UNITS,
    WEEKDAYS,
    TimeExpr,
    duration_value,
    parse_iso,
    parse_number,
    shift_value,
)
from newsweave.models import AnnotatedArticle
from newsweave.textutil import caption_lines

TimexType = Literal["DATE", "TIME", "DURATION", "SET"]
Tense = Literal["past", "present", "future"]

# ---------------------------------------------------------------------------
# regular-expression building blocks
# ---------------------------------------------------------------------------
_MON = r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december|" \
       r"jan\.?|feb\.?|mar\.?|apr\.?|jun\.?|jul\.?|aug\.?|sept\.?|sep\.?|oct\.?|nov\.?|dec\.?)"
_WD = r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_NUMWORD = (r"(?:\d{1,3}(?:,\d{3})*(?:\.\d+)?(?!\d)|\d+ 1/2|a|an|one|a couple of|a few|few|several|some|many|"
            r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|"
            r"seven|eight|nine))?|" + "|".join(sorted(SMALL, key=len, reverse=True)) +
            r"|a hundred|hundreds of|thousands of|a dozen|dozens of)")
_NUM = rf"(?P<num>{_NUMWORD}(?: (?:or|to) {_NUMWORD})?)"
_UNIT = r"(?P<unit>second|minute|hour|day|night|week|weekend|month|quarter|year|decade|centur(?:y|ie))s?"
_APPROX = r"(?:(?:about|around|almost|nearly|some|roughly|approximately|more than|less than|over|under|" \
          r"at least|at most|up to|no more than|just|only|barely) )?"
_YEAR = r"(?P<year>(?:1[6-9]|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_REL = r"(?P<rel>last|this|next|past|previous|coming|current|following|the past|the last|the next|" \
       r"the previous|the coming|the current|the following|this past|this coming|the same|that|the)"

_Handler = Callable[["_Ctx", "re.Match[str]"], "tuple[str, str, str | None] | None"]


@dataclass(slots=True)
class _Ctx:
    """Per-expression context passed to handlers."""

    dct: dt.date | None
    ref: dt.date | None  # reference time: the last full date mentioned before, else dct
    ref_value: str | None  # its TIMEX3 value (may be a quarter etc.)
    tense: Tense
    after: str = ""  # the text right after the expression
    before: str = ""  # the text right before it
    clause: str = ""  # the text of its sentence before it (at most 80 characters)


def _weekday(ctx: _Ctx, wd: int, direction: str | None = None, base: dt.date | None = None) -> str:
    """Resolve a weekday against ``base`` (default the publication date) by tense (or an explicit last/next)."""
    base = base or ctx.dct
    if base is None:
        return f"XXXX-WXX-{wd}"
    diff = wd - base.isoweekday()
    if direction == "next" or (direction is None and ctx.tense == "future"):
        if (diff <= 0 and direction == "next") or diff < 0:
            diff += 7
    elif direction == "last":
        if diff >= 0:
            diff -= 7
    elif direction == "this":
        pass
    else:  # past or present: the most recent such day, the publication day itself included
        if diff > 0:
            diff -= 7
    return (base + dt.timedelta(days=diff)).isoformat()


def _month_year(ctx: _Ctx, month: int) -> str:
    """Year of a month named without a year, by tense around the publication date.

    Past tense: the latest such month not after the publication month; future: the next one not
    before it; present: the nearest one.
    """
    if ctx.dct is None:
        return "XXXX"
    y = ctx.dct.year
    if ctx.tense == "future":
        if month < ctx.dct.month:
            y += 1
        return str(y)
    if ctx.tense == "past":
        if month > ctx.dct.month + 1 or (month > ctx.dct.month and not _prospective(ctx)):
            y -= 1  # the month just after publication only when a deadline or schedule word allows it
        return str(y)
    diff = month - ctx.dct.month
    if diff > 6:
        y -= 1
    elif diff < -6:
        y += 1
    return str(y)


#: Words that make a date after publication possible in a past-tense clause: a deadline, a schedule, a
#: reported plan ("extended the offer until Nov. 20", "payable Dec. 7", "said it would vote on March 3").
_PROSPECTIVE_BEFORE = re.compile(
    r"\b(?:until|till|by|through|before|effective|expir(?:e|es|ed|ing)|payable|record|due|deadline|"
    r"schedul(?:e|ed|ing)|slated|set|postpon(?:e|ed|ing)|delay(?:ed)?|rescheduled|extend(?:s|ed|ing)?|"
    r"plan(?:s|ned)?|will|would|shall|'ll|expect(?:s|ed)?|begin(?:s|ning)?|start(?:s|ing)?|next|upcoming|"
    r"pending|later|no later than)\b", re.IGNORECASE)


def _prospective(ctx: _Ctx) -> bool:
    """Whether the clause before the expression allows a date after publication ("until", "payable", "to")."""
    return bool(_PROSPECTIVE_BEFORE.search(ctx.clause) or re.search(r"\b(?:to|from)\s*$", ctx.clause, re.IGNORECASE))


def _day_year(ctx: _Ctx, month: int, day: int) -> str:
    """Year of a month-day without a year: the occurrence within about nine months of the publication date;
    in a past-tense clause not after publication (TIMEX3 reads a reported date back from the DCT) unless a
    deadline or schedule word in the clause ("until", "payable", "set to expire", "would") allows a date to come."""
    ref = ctx.dct
    if ref is None:
        return "XXXX"
    y = ref.year
    try:
        cand = dt.date(y, month, day)
    except ValueError:
        return str(y)
    if (cand - ref).days > 270:
        y -= 1
    elif (cand - ref).days > 2 and ctx.tense == "past" and not _prospective(ctx):
        y -= 1  # "the vote was held on March 3", published Feb. 14: last year's March 3
    elif (ref - cand).days > 300 and ctx.tense == "future":
        y += 1
    return str(y)


def _rel_direction(rel: str | None) -> int | None:
    """-1 / 0 / +1 for last / this / next words, None for a bare "the"."""
    if rel is None:
        return 0
    r = rel.lower().replace("the ", "").strip()
    if r in ("last", "past", "previous", "this past"):
        return -1
    if r in ("next", "coming", "following", "this coming"):
        return 1
    if r in ("this", "current", "same", "that"):
        return 0
    return None


# ---------------------------------------------------------------------------
# handlers: (ctx, match) -> (type, value, mod) or None to reject the match
# ---------------------------------------------------------------------------
def _h_full_date(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    mon = MONTHS[m["mon"].lower().rstrip(".")]
    day = int(m["day"])
    year = m["year"] if m["year"] else _day_year(ctx, mon, day)
    return "DATE", f"{year}-{mon:02d}-{day:02d}", None


def _h_month_year(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    mon = MONTHS[m["mon"].lower().rstrip(".")]
    return "DATE", f"{m['year']}-{mon:02d}", None


def _h_month_rel_year(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'May last year'; with a day, 'June 12 last year', '3 March this year': in the year the phrase names."""
    mon = MONTHS[m["mon"].lower().rstrip(".")]
    year = shift_value(ctx.dct, "year", _rel_direction(m["rel"]) or 0)
    day = m.groupdict().get("day")
    return "DATE", f"{year}-{mon:02d}" + (f"-{int(day):02d}" if day else ""), None


def _h_month(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    word = m["mon"].lower()
    if word == "may" and m.group(0)[m.start("mon") - m.start()].islower():
        return None  # the modal verb
    mon = MONTHS[word.rstrip(".")]
    rel = m["rel"] if "rel" in m.groupdict() else None
    if rel:
        d = _rel_direction(rel)
        if ctx.dct is None:
            return "DATE", f"XXXX-{mon:02d}", None
        y = ctx.dct.year
        if d == -1 and mon >= ctx.dct.month:
            y -= 1
        elif d == 1 and mon <= ctx.dct.month:
            y += 1
        return "DATE", f"{y}-{mon:02d}", None
    return "DATE", f"{_month_year(ctx, mon)}-{mon:02d}", None


def _h_iso(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    return "DATE", f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}", None


def _h_us_numeric(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    mo, d, y = int(m["m"]), int(m["d"]), int(m["y"])
    if y < 100:
        y += 1900 if y > 30 else 2000
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return "DATE", f"{y}-{mo:02d}-{d:02d}", None


def _h_year(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    return "DATE", m["year"], None


def _h_decade(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    return "DATE", m["dec"][:3], _part_mod(m.group(0))


def _h_short_decade(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """"the '80s", "the mid-'90s": the latest such decade not after the publication date's (the 1900s
    without one). The apostrophe is required: "in the 80s" is a temperature or a score."""
    digit = int(m["dd"])
    century = 19
    if ctx.dct is not None:
        century = ctx.dct.year // 100
        if century * 10 + digit > ctx.dct.year // 10:
            century -= 1
    return "DATE", f"{century}{digit}", _part_mod(m.group(0))


def _part_mod(surface: str) -> str | None:
    """TIMEX3 mod of an 'early' / 'mid-' / 'late' written inside an expression ("the mid-1990s")."""
    low = surface.lower()
    return "START" if "early" in low else "MID" if "mid" in low else "END" if "late" in low else None


def _h_decade_word(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'the nineties', 'the nineteen-eighties' (only with "the" or "nineteen", not a bare "sixties")."""
    surface = m.group(0).lower()
    if not (surface.startswith("the ") or "nineteen" in surface):
        return None
    tens = TENS[m["decw"].lower()[:-3] + "y"]
    return "DATE", f"19{tens // 10}", _part_mod(surface)


#: Ordinal words a century can be named with ('the twentieth century'), past ORDINALS' 'tenth'.
CENTURY_ORDINALS = {**ORDINALS, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
                    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
                    "twenty-first": 21}


def _h_century(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    n = CENTURY_ORDINALS.get(m["ord"].lower()) or int(re.sub(r"\D", "", m["ord"]))
    return "DATE", f"{n - 1:02d}", None


#: TIMEX3 codes of the parts of a day
PART_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}


def _at_part(value: str, part: str | None) -> tuple[str, str, str | None]:
    """A day value, as a TIME at the named part of the day when there is one."""
    if part:
        return "TIME", f"{value}T{PART_OF_DAY[part.lower()]}", None
    return "DATE", value, None


def _h_weekday_set(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'Mondays', 'Tuesday nights': every such day."""
    value = f"XXXX-WXX-{WEEKDAYS[m['wd'].lower()]}"
    if m["part"]:
        value += "T" + PART_OF_DAY[m["part"].lower()]
    return "SET", value, None


def _h_someday(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'(will) one day', 'someday': an unspecified future time."""
    return "DATE", "FUTURE_REF", None


def _h_year_quarter(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'the 1988 quarter': the quarter under discussion, in that year."""
    rq = _ref_quarter(ctx)
    return "DATE", f"{m['year']}-Q{rq[1]}" if rq else f"{m['year']}-QX", None


_SET_AFTER = re.compile(r",? (?:and|or) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
                        r"(?:s|(?: (?P<p>morning|afternoon|evening|night)s))\b", re.IGNORECASE)


def _h_weekday(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    wd = WEEKDAYS[m["wd"].lower()]
    rel = m["rel"] if "rel" in m.groupdict() and m["rel"] else None
    direction = None
    if rel:
        r = rel.lower().replace("the ", "")
        direction = {"last": "last", "past": "last", "previous": "last", "next": "next", "coming": "next",
                     "this": "this", "this coming": "next", "this past": "last", "following": "next"}.get(r)
    shared = _SET_AFTER.match(ctx.after)
    if rel is None and shared and not ("part" in m.groupdict() and m["part"]):
        # "on Monday and Tuesday nights", "Mondays and Thursdays": coordinated with a set, it is one too
        code = PART_OF_DAY.get((shared["p"] or "").lower())
        return "SET", f"XXXX-WXX-{wd}" + (f"T{code}" if code else ""), None
    anaphoric = rel is not None and rel.lower() in ("the previous", "the following")
    # "the previous Friday": the one before the day last mentioned, not before publication
    value = _weekday(ctx, wd, direction, ctx.ref if anaphoric else None)
    return _at_part(value, m["part"] if "part" in m.groupdict() else None)


def _h_deictic_day(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    word = m["deic"].lower()
    n = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[word]
    value = shift_value(ctx.dct, "day", n)
    return _at_part(value, "night" if word == "tonight" else m["part"])


def _h_part_of_day(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    d = m["rel"].lower()
    n = -1 if d == "last" else (1 if d in ("tomorrow", "next") else 0)
    return _at_part(shift_value(ctx.dct, "day", n), m["part"])


def _h_clock(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    h = int(m["h"]) if m["h"] else 12
    mi = int(m["mi"]) if m["mi"] else 0
    ampm = (m["ampm"] or "").lower().replace(".", "")
    if m["noon"]:
        h, mi = (12, 0) if m["noon"].lower() == "noon" else (24, 0)
    elif ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    day = shift_value(ctx.dct, "day", 0)
    if m["mon"]:
        mon, dd = MONTHS[m["mon"].lower().rstrip(".")], int(m["day"])
        day = f"{_day_year(ctx, mon, dd)}-{mon:02d}-{dd:02d}"
    elif m["wd"]:
        day = _weekday(ctx, WEEKDAYS[m["wd"].lower()])
    elif m["deic"]:
        day = shift_value(ctx.dct, "day", {"today": 0, "yesterday": -1, "tomorrow": 1}[m["deic"].lower()])
    return "TIME", f"{day}T{h:02d}:{mi:02d}", None


_REF_WORDS = {
    "now": "PRESENT_REF", "right now": "PRESENT_REF", "currently": "PRESENT_REF", "current": "PRESENT_REF",
    "these days": "PRESENT_REF", "nowadays": "PRESENT_REF", "at present": "PRESENT_REF",
    "at the moment": "PRESENT_REF", "previously": "PAST_REF", "presently": "PRESENT_REF", "already": "PRESENT_REF",
    "recently": "PAST_REF", "recent": "PAST_REF", "the past": "PAST_REF", "lately": "PAST_REF",
    "earlier": "PAST_REF", "more recently": "PAST_REF",
    "once": "PAST_REF", "then": "PAST_REF",
    "the future": "FUTURE_REF", "future": "FUTURE_REF", "soon": "FUTURE_REF", "the near future": "FUTURE_REF",
    "the near term": "FUTURE_REF", "the short term": "FUTURE_REF", "a later date": "FUTURE_REF",
    "shortly": "FUTURE_REF", "as soon as possible": "FUTURE_REF", "later": "FUTURE_REF",
}


def _h_ref(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    return "DATE", _REF_WORDS[m.group(0).lower()], None


def _h_rel_unit(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """last/this/next week|month|year|quarter|weekend|decade|century."""
    d = _rel_direction(m["rel"])
    unit = m["unit"].lower()
    rel = (m["rel"] or "").lower()
    if rel == "the" and unit == "year" and re.match(r" (?:ended|ending)\b", ctx.after):
        return "DURATION", "P1Y", None  # "for the year ended March 31": the accounting period's length
    if rel in ("that", "the same", "the following", "the previous") and unit in ("week", "month", "year"):
        # anaphoric: relative to the period last mentioned, not to the publication date
        rm = re.match(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?", ctx.ref_value or "")
        if rm and (unit == "year" or (unit == "month" and rm[2]) or rm[3]):
            base = dt.date(int(rm[1]), int(rm[2] or 1), int(rm[3] or 1))
            return "DATE", shift_value(base, unit, d or 0), None
    if unit == "weekend" and d in (None, 0) and ctx.dct is not None and ctx.tense == "past" \
            and ctx.dct.isoweekday() < 6:
        return "DATE", shift_value(ctx.dct, unit, -1), None  # "over the weekend" said on a weekday: the last one
    ended = _ENDED.match(ctx.after)
    if d is None and ended and unit in ("quarter", "month", "week"):
        # "the quarter ended July 31": the period that ends on that date (a quarter: the calendar quarter
        # it mostly covers, i.e. that of the month before its last month)
        mon, day = MONTHS[ended["mon"].lower().rstrip(".")], int(ended["day"])
        year = int(ended["year"]) if ended["year"] else None
        if year is None:
            y = _day_year(ctx, mon, day)
            if not y.isdigit():
                return "DATE", shift_value(None, unit, 0), None
            year = int(y)
        try:
            end_day = dt.date(year, mon, day)
        except ValueError:
            return None
        if unit == "quarter":
            k = year * 12 + mon - 2  # zero-based month index of the month before the last one
            return "DATE", f"{k // 12}-Q{(k % 12) // 3 + 1}", None
        return "DATE", shift_value(end_day, unit, 0), None
    if d is None:  # "the week", "the year": context-dependent
        if unit == "quarter" and ctx.ref_value and re.fullmatch(r"\d{4}-Q\d", ctx.ref_value):
            return "DATE", ctx.ref_value, None
        if unit == "week" and ctx.dct is not None:
            # "for the week, the index fell": which week is left open (TimeBank: the year known, YYYY-WXX)
            return "DATE", f"{ctx.dct.year}-WXX", None
        if unit in ("week", "month", "year", "quarter", "weekend"):
            return "DATE", shift_value(ctx.dct, unit, 0 if unit != "quarter" else -1), None
        return None
    return "DATE", shift_value(ctx.dct, unit, d), None


_ENDED = re.compile(rf" (?:ended|ending) {_MON}\.? {_DAY}(?:,? {_YEAR})?\b", re.IGNORECASE)


def _h_anaphoric_day(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'the next day', 'that day', 'the previous day': the day after/of/before the last date mentioned."""
    rel = m["rel"].lower()
    n = 1 if rel in ("next", "following") else -1 if rel in ("previous", "preceding", "prior") else 0
    if ctx.ref is None:
        return "DATE", "XXXX-XX-XX", None
    return "DATE", shift_value(ctx.ref, "day", n), None


def _h_apposition_day(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'Oct. 12, the day before the crash': an appositive renames the date just written."""
    if ctx.ref is None:
        return None
    return "DATE", ctx.ref.isoformat(), None


def _h_a_while(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'(for) a while': a duration of unknown length and unit."""
    return "DURATION", "PXX", None


def _h_this_moment(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'(at) this (crucial) moment': the present."""
    return "DATE", "PRESENT_REF", None


def _h_part_of_ref_day(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'(dealers bought) in the morning', 'by mid-afternoon': that part of the day under discussion (the
    last full date mentioned, else the publication date)."""
    if ctx.ref is None:
        return "TIME", f"XXXX-XX-XXT{PART_OF_DAY[(m['part'] or m['part2']).lower()]}", None
    return _at_part(ctx.ref.isoformat(), m["part"] or m["part2"])


def _h_rel_season(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    code = SEASONS[m["season"].lower()]
    if not m["rel"] and m["season"].lower() in ("fall", "spring") and not re.search(
            r"\b(?:in|the|this|last|next|during|since|until|by|early|late|mid|of|before|after)[- ]$",
            ctx.before, re.IGNORECASE):
        return None  # "could fall through", "spring up": the verbs
    d = _rel_direction(m["rel"]) or 0
    if ctx.dct is None:
        return "DATE", f"XXXX-{code}", None
    return "DATE", f"{ctx.dct.year + d}-{code}", None


def _h_season_year(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    return "DATE", f"{m['year']}-{SEASONS[m['season'].lower()]}", None


def _h_quarter(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    q = ORDINALS[m["ord"].lower()]
    if q > (2 if m["half"] else 4):  # 'the third half' is not a part of a year
        return None
    if m["year"] or m["year2"]:
        year = m["year"] or m["year2"]
    elif m["rel"]:
        year = shift_value(ctx.dct, "year", _rel_direction(m["rel"]) or 0)
    elif ctx.dct is not None and ctx.tense != "future" and not m["half"] and q > (ctx.dct.month - 1) // 3 + 1:
        year = str(ctx.dct.year - 1)  # a reported quarter not yet begun at publication: last year's
    else:
        year = shift_value(ctx.dct, "year", 0)
    if m["half"]:
        return "DATE", f"{year}-H{q}", None
    return "DATE", f"{year}-Q{q}", None


def _h_ago(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """N units ago / from now (anchored on the publication date); earlier / later (on the reference)."""
    n = parse_number(m["num"]) if m["num"] else 1
    unit = m["unit"].lower().rstrip("s")
    if unit == "centurie":
        unit = "century"
    word = m["dir"].lower()
    sign = -1 if word in ("ago", "earlier", "before", "back") else 1
    base = ctx.dct if word in ("ago", "from now", "hence") else ctx.ref
    if n is None and word == "ago":
        return "DATE", "PAST_REF", None  # "several years ago": some time in the past
    if n is None or n != int(n):
        value = shift_value(base, unit, 0)
        value = re.sub(r"\d", "X", value) if base else value
        return "DATE", value, None
    if ctx.ref_value and unit == "year" and re.fullmatch(r"\d{4}-[QH]\d", ctx.ref_value):
        qm = re.fullmatch(r"(\d{4})(-Q\d|-H\d|-\d\d)?", ctx.ref_value)
        if qm:
            return "DATE", f"{int(qm[1]) + sign * int(n)}{qm[2] or ''}", None
    return "DATE", shift_value(base, unit, sign * int(n)), None


_SUPERLATIVE_BEFORE = re.compile(r"\b(?:first|last|only|\w{2,}est|most|least)\b(?: [a-z]+){0,2} $", re.IGNORECASE)


def _h_in_n(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'in eight days' (a date that far after the publication date); after a superlative ("the first
    time in 20 years", "the lowest level in a decade") the length of time it covers."""
    n = parse_number(m["num"])
    unit = m["unit"].lower().rstrip("s")
    if n is None or n != int(n) or unit in TIME_UNITS or _SUPERLATIVE_BEFORE.search(ctx.before):
        return "DURATION", duration_value(n, unit), None
    return "DATE", shift_value(ctx.dct, unit, int(n)), None


def _h_duration(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    num = m["num"]
    unit = m["unit"].lower()
    if m.group(0).lower().endswith("-old") or re.match(r"[- ](?:old|older|younger)\b", ctx.after, re.IGNORECASE):
        return None  # an age ("a 45-year-old man", "he was 45 years old") is no time expression in TIMEX3
    if unit.startswith("quarter") and re.match(r"s? of\b", ctx.after):
        return None  # "a quarter of the market", "three-quarters of its food": fractions
    if unit == "second" and re.match(r" (?!later|earlier|ago|before|after|or|and|to|in|of|for)[a-z]", ctx.after):
        return None  # "a second group"
    n = parse_number(num.split(" or ")[0].split(" to ")[0]) if num else 1
    if num and ("few" in num or "several" in num or num == "some" or "many" in num
                or (num.split()[-1] == "of" and num != "a couple of")):
        n = None
    if m["andhalf"] and n is not None:
        n += 0.5
    if num and num.lower() in ("a", "an") and m.group(0).lower().startswith(num.lower()) and _RATE_BEFORE.search(
            ctx.before):
        return "SET", duration_value(1, m["unit"]), None  # "700 seats a week", "twice a year": a rate
    return "DURATION", duration_value(n, m["unit"]), None


_RATE_BEFORE = re.compile(
    rf"(?:\$?(?<![\d.,])(?!(?:1[6-9]|20)\d\d\b)\d[\d,.]*|million|billion|thousand|hundred|dozen|times|twice|once|thrice|"
    rf"{'|'.join(sorted(SMALL, key=len, reverse=True))}|{'|'.join(TENS)})(?: [\w-]+){{0,2}} $",
    re.IGNORECASE,
)


def _h_bare_duration(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'the past few months', 'the next few days': durations with a determiner; 'recent years' is PAST_REF."""
    if re.match(r"(?:recent|past) \w+s(?: and \w+s)?$", m.group(0).lower()):
        return "DATE", "PAST_REF", None
    num = m["num"]
    n = parse_number(num) if num else None
    if "one" in m.groupdict() and m["one"] is not None:
        n = 1  # "the past day", "the next hour": one unit
    return "DURATION", duration_value(n, m["unit"]), None


def _h_at_the_time(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'(at) the time': a past time already talked about."""
    return "DATE", "PAST_REF", None


def _h_every_n(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'every three years': a set recurring at that interval."""
    return "SET", duration_value(parse_number(m["num"]), m["unit"]), None


def _h_plural_unit(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """A bare plural unit ("within weeks", "months of talks"): a duration of unknown length."""
    if re.search(r"\b(?:on|in|for) the$|\bon$", ctx.before.rstrip(), re.IGNORECASE) and not re.match(
            r" (?:ahead|to come)\b", ctx.after):
        return None  # "on days when", "in the years of": not a length of time
    return "DURATION", duration_value(None, m["unit"]), None


def _h_part_deictic(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'mid-afternoon yesterday', 'early morning today'."""
    part = (m["part"] or m["mid"]).lower()
    code = "MO" if "morning" in part else "AF" if "afternoon" in part else "EV"
    n = {"today": 0, "yesterday": -1, "tomorrow": 1}[m["deic"].lower()]
    return "TIME", f"{shift_value(ctx.dct, 'day', n)}T{code}", None


def _h_set(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    word = m.group(0).lower()
    # frequency adverbs take the value of the recurring calendar unit (TIDES/TimeBank: "daily" =
    # XXXX-XX-XX, "annually" = XXXX); "every month" (below) keeps the period P1M
    table = {"daily": "XXXX-XX-XX", "weekly": "XXXX-WXX", "monthly": "XXXX-XX", "annually": "XXXX",
             "yearly": "XXXX", "hourly": "PT1H", "quarterly": "XXXX-QX", "nightly": "XXXX-XX-XXTNI"}
    if word in table:
        if re.match(r" (?!and|or|to|in|on|at|for|from|by|with|since|until)[a-z]+", ctx.after):
            return None  # adjectival: "quarterly dividend", "daily volume" (a property, not a time)
        return "SET", table[word], None
    unit = m["unit"].lower() if m["unit"] else None
    if unit in WEEKDAYS:
        return "SET", f"XXXX-WXX-{WEEKDAYS[unit]}", None
    if unit and unit in MONTHS:
        return "SET", f"XXXX-{MONTHS[unit]:02d}", None
    return "SET", duration_value(1, unit or "day"), None


def _ref_quarter(ctx: _Ctx) -> tuple[int, int] | None:
    """The quarter under discussion: the last quarter or dated day/month mentioned, else the one before
    the publication quarter (the one a results story reports); None without any date."""
    rv = ctx.ref_value or ""
    qm = re.fullmatch(r"(\d{4})-Q(\d)", rv)
    if qm:
        return int(qm[1]), int(qm[2])
    mm = re.match(r"(\d{4})-(\d\d)", rv)
    if mm and rv != (ctx.dct.isoformat() if ctx.dct else None):
        return int(mm[1]), (int(mm[2]) - 1) // 3 + 1
    if ctx.dct is None:
        return None
    k = ctx.dct.year * 4 + (ctx.dct.month - 1) // 3 - 1
    return k // 4, k % 4 + 1


def _h_year_ago(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'year-ago', 'the year-earlier quarter', 'the corresponding period last year': the reference
    period one year back (a quarter when a quarter or period is named)."""
    surface = m.group(0).lower()
    rv = ctx.ref_value or ""
    if re.search(r"quarter|period", surface):
        rq = _ref_quarter(ctx)
        if rq is None:
            return "DATE", "XXXX-QX", None
        return "DATE", f"{rq[0] - 1}-Q{rq[1]}", None
    qm = re.fullmatch(r"(\d{4})(-Q\d|-H\d|-\d\d)", rv)
    if qm:
        return "DATE", f"{int(qm[1]) - 1}{qm[2]}", None
    return "DATE", shift_value(ctx.dct, "year", -1), None


_SPELLED_DECADES = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, **TENS}


def _h_spelled_year(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'nineteen ninety-six', 'the year two thousand'."""
    if m["thousand"]:
        extra = parse_number(m["extra"]) if m["extra"] else 0
        return "DATE", str(2000 + int(extra or 0)), None
    rest = parse_number(m["rest"])
    if rest is None:
        return None
    value = f"19{int(rest):02d}"
    if m["mon"]:
        return "DATE", f"{value}-{MONTHS[m['mon'].lower().rstrip('.')]:02d}", None
    return "DATE", value, None


def _h_last_part(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'the last half of 1989', 'the final quarter of 1990'."""
    return "DATE", f"{m['year']}-{'H2' if m['what'].lower() == 'half' else 'Q4'}", None


def _h_fiscal(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    return "DATE", m["year"], None


def _h_end_of(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'end of February', 'the beginning of the year', 'the middle of 1990' (TIMEX3 mod END/START/MID)."""
    word = m["edge"].lower()
    mod = "START" if word in ("beginning", "start") else "MID" if word == "middle" else "END"
    if m["mon"]:
        mon = MONTHS[m["mon"].lower().rstrip(".")]
        year = m["year"] or _month_year(ctx, mon)
        return "DATE", f"{year}-{mon:02d}", mod
    if m["year2"]:
        return "DATE", m["year2"], mod
    unit = m["unit"].lower()
    d = _rel_direction(m["rel"]) or 0
    return "DATE", shift_value(ctx.dct, unit, d), mod


def _h_year_end(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'year-end', "year's end": the end of the year (TIMEX3: the year with mod END, as "the end of the
    year"); after "since", "as of", "at" or "from" the closing day itself ("up 9% since year-end" is measured
    from the December 31 close). Last year's in a past-tense or "since" clause."""
    since = re.search(r"\bsince (?:the )?$", ctx.before, re.IGNORECASE)
    point = since or re.search(r"\b(?:as of|at|from) (?:the )?$", ctx.before, re.IGNORECASE)
    if ctx.dct is None:
        return ("DATE", "XXXX-12-31", None) if point else ("DATE", "XXXX", "END")
    y = ctx.dct.year - 1 if ctx.tense == "past" or since else ctx.dct.year
    return ("DATE", f"{y}-12-31", None) if point else ("DATE", str(y), "END")


def _h_latest(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None] | None:
    """'the latest quarter', 'the most recent period', 'the latest fiscal year': the last period completed
    before publication (a "period" in a results story is a quarter)."""
    unit = m["unit"].lower()
    return "DATE", shift_value(ctx.dct, "quarter" if unit == "period" else unit, -1), None


def _h_mid_year(ctx: _Ctx, m: re.Match[str]) -> tuple[str, str, str | None]:
    """'mid-1988', 'early-1990': the year, with its part as the mod."""
    part = m["part"].lower()
    return "DATE", m["year"], "MID" if part == "mid" else "START" if part == "early" else "END"


# ---------------------------------------------------------------------------
# the grammar
# ---------------------------------------------------------------------------
_B = r"(?<!\w)"  # left word boundary that does not split hyphenated words
_E = r"(?![\w])"
_PATTERNS: list[tuple[str, _Handler]] = [
    (rf"{_B}(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),? )?{_MON} {_DAY},? (?:of )?"
     rf"(?P<rel>last|this|next) year{_E}", _h_month_rel_year),
    (rf"{_B}{_DAY} {_MON},? (?:of )?(?P<rel>last|this|next) year{_E}", _h_month_rel_year),
    (rf"{_B}(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),? )?{_MON} {_DAY}"
     rf"(?:,? {_YEAR})?{_E}", _h_full_date),
    (rf"{_B}{_DAY} {_MON}(?:,? {_YEAR})?{_E}", _h_full_date),
    (rf"{_B}(?:the )?{_DAY} of {_MON}(?:,? {_YEAR})?{_E}", _h_full_date),
    (rf"{_B}{_MON},? {_YEAR}{_E}", _h_month_year),
    (rf"{_B}{_MON} (?P<rel>last|this|next) year{_E}", _h_month_rel_year),
    (rf"{_B}(?:(?P<rel>last|this|next|this past|this coming) )?{_MON}{_E}(?!\s*\d)", _h_month),
    (r"(?<![\d-])(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d])", _h_iso),
    (r"(?<![\d/])(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<y>(?:19|20)?\d\d)(?![\d/])", _h_us_numeric),
    (rf"{_B}(?:the )?(?:early |mid-|mid |late )?(?P<dec>(?:1[6-9]|20)\d0)'?s{_E}", _h_decade),
    (rf"(?:{_B}(?:the )?(?:early |mid-|mid |late )?)?'(?P<dd>\d)0s{_E}",
     _h_short_decade),
    (rf"{_B}(?:the )?(?P<ord>\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
     rf"tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
     rf"nineteenth|twentieth|twenty-first) century{_E}", _h_century),
    (rf"{_B}(?:(?P<rel>last|this|next|the past|the previous|the coming|this past|this coming|the following)"
     rf" )?{_WD}(?: (?P<part>morning|afternoon|evening|night))?{_E}", _h_weekday),
    (rf"{_B}{_WD}(?:s|(?: (?P<part>morning|afternoon|evening|night)s))(?![\w'])", _h_weekday_set),
    (rf"(?:(?<=will )|(?<=would )|(?<=could )|(?<=may )|(?<=might )|(?<=can ))one day{_E}|{_B}some ?day{_E}",
     _h_someday),
    (rf"{_B}the (?P<year>(?:19|20)\d\d) (?:quarter|period){_E}", _h_year_quarter),
    (rf"{_B}(?P<deic>today|yesterday|tomorrow|tonight)(?:(?: |')(?:s )?(?P<part>morning|afternoon|evening|"
     rf"night))?{_E}", _h_deictic_day),
    (rf"{_B}(?P<rel>this|last|tomorrow|yesterday) (?P<part>morning|afternoon|evening|night){_E}",
     _h_part_of_day),
    (rf"{_B}(?:(?:about|around) )?(?:(?P<h>[0-2]?\d)(?::(?P<mi>[0-5]\d))? ?"
     rf"(?P<ampm>a\.m\.|p\.m\.|am|pm)(?: (?:EST|EDT|GMT|UTC|CST|PST|ET|local time))?|(?P<noon>noon|"
     rf"midnight))(?:,? (?:{_WD}|(?P<deic>today|yesterday|tomorrow)|{_MON} {_DAY}))?{_E}", _h_clock),
    (rf"{_B}(?:(?:(?:about|around|almost|nearly|some|just|only) )?(?P<num>{_NUMWORD}) )?{_UNIT} "
     rf"(?P<dir>ago|earlier|from now|hence|before|back){_E}", _h_ago),
    (rf"{_B}(?:(?:earlier|later|sometime) )?{_REL} (?:fiscal )?(?P<unit>week|month|year|quarter|weekend|decade|"
     rf"century){_E}(?!-)", _h_rel_unit),
    (rf"{_B}(?:the )?(?:early |mid-|mid |late )?(?:nineteen[- ])?(?P<decw>twenties|thirties|forties|fifties|sixties|"
     rf"seventies|eighties|nineties){_E}", _h_decade_word),
    (rf"{_B}(?:{_REL} )?(?P<season>spring|summer|fall|autumn|winter){_E}", _h_rel_season),
    (rf"{_B}(?:the )?(?P<season>spring|summer|fall|autumn|winter) (?:of )?{_YEAR}{_E}", _h_season_year),
    (rf"{_B}(?:the )?(?P<rel>next|following|previous|preceding|prior|same|that) day{_E}(?! (?:of|or|and)\b)",
     _h_anaphoric_day),
    (rf"(?<=\bfor )a (?:little |short |long )?while{_E}", _h_a_while),
    (rf"{_B}this (?:(?:crucial|critical|difficult|delicate|decisive|particular|very|present) )?moment{_E}",
     _h_this_moment),
    (r"(?:(?<=\bin )|(?<=\bby )|(?<=\bduring )|(?<=\buntil )|(?<=\bthrough ))(?:the (?:early |late )?"
     r"(?P<part>morning|afternoon|evening)|(?:mid|early|late)[- ]?(?P<part2>morning|afternoon|evening))"
     r"(?=[,.;:!?)\"']|\s(?:to|and|but|as|on|in|at|before|after|when|while|with|from|for|until|by|the|a|an|he|"
     r"she|it|they|we)\b)", _h_part_of_ref_day),
    (r"(?<=, )the day (?:before|after)(?= (?:the|a|an|his|her|its|their|this|that)\b)", _h_apposition_day),
    (rf"{_B}(?:the )?(?:(?P<rel>last|this|next)(?: year's| year) )?(?:(?P<year2>(?:19|20)\d\d)(?:'s)? )?"
     rf"(?:fiscal )?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[- ](?:(?:fiscal|calendar) )?"
     rf"(?:(?P<q>quarter)|(?P<half>half))(?: of (?:fiscal )?{_YEAR})?{_E}", _h_quarter),
    (rf"{_B}(?:the )?(?:last|latter|final) (?P<what>half|quarter) of {_YEAR}{_E}", _h_last_part),
    (rf"{_B}(?:fiscal|FY) ?{_YEAR}{_E}", _h_fiscal),
    (rf"{_B}(?:(?:{_MON} )?nineteen (?P<rest>(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
     rf"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|"
     rf"fifteen|sixteen|seventeen|eighteen|nineteen)|(?:the year )?(?P<thousand>two thousand)(?: and "
     rf"(?P<extra>one|two|three|four|five|six|seven|eight|nine|ten))?){_E}", _h_spelled_year),
    (rf"{_B}(?:the )?(?:(?:comparable|corresponding|same) )?year[- ](?:ago|earlier)(?: (?:third |second |first |"
     rf"fourth )?(?:quarter|period|level|month))?{_E}", _h_year_ago),
    (rf"{_B}(?:the )?(?:(?:same|corresponding|comparable) )?(?:quarter|period) (?:(?:of |in )?last year|"
     rf"a year (?:ago|earlier)|(?:of |in )?the (?:previous|prior) year){_E}", _h_year_ago),
    (rf"{_B}(?:the )?(?:same|corresponding|comparable) (?:quarter|period) (?:of |in )?(?:1[6-9]|20)\d\d{_E}",
     _h_year_ago),
    (rf"{_B}(?:last|the previous|the prior) year's (?:(?:comparable|corresponding|same) )?(?:quarter|period)"
     rf"{_E}", _h_year_ago),
    (rf"{_B}(?:the )?(?P<edge>end|close|beginning|start|middle) of (?:(?:the|this) )?(?:{_MON}(?:,? {_YEAR})?|"
     rf"(?P<year2>(?:1[6-9]|20)\d\d)|(?:(?P<rel>this|last|next|the) )?(?P<unit>week|month|year|quarter|decade|century))"
     rf"{_E}", _h_end_of),
    (rf"{_B}in {_APPROX}(?P<num>{_NUMWORD}) (?P<unit>second|minute|hour|day|week|month|year)s?{_E}",
     _h_in_n),
    (rf"{_B}(?:the |a |an )?(?:(?:past|last|next|first|coming|previous|latest|final|remaining|following) )?"
     rf"{_APPROX}{_NUM}(?: more| additional| full| straight| consecutive| trading| business)?[- ]{_UNIT}"
     rf"(?:-long|-old|(?P<andhalf> and a half))?{_E}", _h_duration),
    (rf"{_B}(?:(?:the )?(?:past|last|next|coming|recent|previous|following|several|few|many) )+"
     rf"(?P<num>)(?P<unit>second|minute|hour|day|night|week|weekend|month|quarter|year|decade|centurie)s"
     rf"(?: and (?:days|weeks|months|years))?{_E}", _h_bare_duration),
    (rf"{_B}(?:the )?(?:past|last|next|coming|previous|following) (?P<num>)(?P<one>){_UNIT}{_E}",
     _h_bare_duration),
    (rf"{_B}(?P<unit>minutes|hours|days|weeks|months|years|decades|centuries){_E}(?!-)", _h_plural_unit),
    (rf"(?<=\bat )the time{_E}(?! (?:of|when|that)\b)", _h_at_the_time),
    (rf"{_B}every (?P<num>{_NUMWORD}) {_UNIT}{_E}", _h_every_n),
    (rf"{_B}{_YEAR} or (?:later|earlier|before|after|so){_E}", _h_year),
    (rf"{_B}(?:(?:mid-?|early |late )?(?P<part>morning|afternoon|evening)|(?P<mid>mid-?afternoon|mid-?morning))"
     rf" (?P<deic>yesterday|today|tomorrow){_E}", _h_part_deictic),
    (rf"{_B}(?P<part>mid|early|late)-{_YEAR}{_E}(?!-)", _h_mid_year),
    (rf"{_B}year(?:[- ]|'s )end{_E}", _h_year_end),
    (rf"{_B}the (?:latest|most recent) (?:fiscal )?(?P<unit>quarter|period|week|month|year){_E}", _h_latest),
    (rf"{_B}(?:daily|weekly|monthly|annually|yearly|hourly|quarterly|nightly|(?:every|each) "
     rf"(?P<unit>day|week|month|year|quarter|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
     rf"morning|evening|night|january|february|march|april|june|july|august|september|october|"
     rf"november|december)s?){_E}", _h_set),
    (rf"{_B}(?:{'|'.join(re.escape(w) for w in sorted(_REF_WORDS, key=len, reverse=True))}){_E}",
     _h_ref),
    (rf"(?<![\d$.,-]){_YEAR}(?![\d%,.-]\d|\d| ?%| (?:percent|shares|people|troops|votes|points|tons|"
     rf"barrels|dollars|employees|members|units|cars|acres|feet|meters|miles|km)\b)", _h_year),
]

# Words that are temporal only in some uses; kept out unless a pattern above already covers them.
_AMBIGUOUS_REF = {"once", "then", "later", "earlier", "already", "current", "future", "recent", "previously",
                  "soon"}

_COMPILED = [(re.compile(p, re.IGNORECASE), h) for p, h in _PATTERNS]

_MOD_PREFIX = re.compile(
    r"(?:(?P<start>early|the beginning of|the start of|beginning of|start of)|(?P<mid>mid|the middle of|"
    r"middle of)|(?P<end>late|the end of|end of|the close of))[- ]$",
    re.IGNORECASE,
)
_MOD_CODE = {"start": "START", "mid": "MID", "end": "END"}
#: Irregular simple-past forms (the regular ones end in -ed): "began", "told", "met" are past cues too. Forms that
#: are also the base form ("cut", "set", "hit") are left out; those that are also the participle ("held", "told")
#: count as past only when no "will be" / "would have" comes right before them (see _FUTURE_CUES).
_IRREGULAR_PARTICIPLES = ("bent|bled|brought|built|burnt|bought|caught|dealt|dug|fed|felt|fought|found|fled|got|hung|"
                          "heard|held|kept|laid|led|left|lent|lit|lost|made|meant|met|paid|sought|sold|sent|slept|slid|"
                          "spent|spun|stood|stuck|struck|swept|taught|told|thought|understood|won")
_IRREGULAR_PAST = ("arose|awoke|became|began|bit|blew|broke|chose|came|drew|drank|drove|ate|fell|flew|forbade|forgot|"
                   "forgave|froze|gave|went|grew|hid|knew|rang|rose|ran|saw|shook|spoke|sprang|stole|swore|sang|sank|"
                   "swam|took|tore|threw|woke|wore|wrote|withdrew|" + _IRREGULAR_PARTICIPLES)
_FUTURE_CUES = (r"(?:will|won't|'ll|shall|would)(?: not| also| still)?(?: be| have been| have)?"
                rf"(?: (?:\w+ed|{_IRREGULAR_PARTICIPLES}))?|"
                r"going to|plans? to|scheduled|is to|are to|is due|are due|next|upcoming")
# cues of a prospective reading that are too weak to move a weekday forward ("to close at", "by")
_WEAK_FUTURE_CUES = r"expects? to|expected|coming|until|by|(?-i:to (?!the\b|a\b|an\b)[a-z]+)"  # "to Ohio" is no verb
_PAST_CUES = rf"was|were|had|did|said|says|ago|last|since|\w+ed|{_IRREGULAR_PAST}"
_TENSE_CUE = re.compile(rf"\b(?:(?P<fut>{_FUTURE_CUES})|(?P<weak>{_WEAK_FUTURE_CUES})|(?P<past>{_PAST_CUES}))\b",
                        re.IGNORECASE)


def _guess_tense(text: str, start: int, end: int) -> Tense:
    """Tense of the clause around an expression from surface cues (used without a parse).

    The nearest cue before the expression within its sentence decides (a reported "said ... will"
    is future, a weak cue such as "to acquire" gives "present", i.e. the nearest occurrence); without
    one, the first cue after it; past by default (news reports the past).
    """
    lo = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), start - 120, 0)
    hi_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    hi = min([*hi_candidates, end + 80])
    before = list(_TENSE_CUE.finditer(text, lo, start))
    cue = before[-1] if before else _TENSE_CUE.search(text, end, hi)
    if cue is None or cue["past"]:
        return "past"
    return "future" if cue["fut"] else "present"  # a weak cue: the nearest occurrence


def _candidates(text: str) -> list[tuple[int, int, _Handler, re.Match[str]]]:
    out = []
    for rx, h in _COMPILED:
        for m in rx.finditer(text):
            s, e = m.span()
            if e <= s:
                continue
            while s < e and text[s] == " ":
                s += 1
            out.append((s, e, h, m))
    return out


def find_timexes(
    text: str,
    published: str | None,
    tense_of: Callable[[int, int], Tense | None] | None = None,
) -> list[TimeExpr]:
    """Find and normalize the time expressions of a text.

    Args:
        text: the article text.
        published: its publication date (``YYYY-MM-DD``), or None when unknown; then relative
            expressions keep placeholder values such as ``XXXX-WXX-6``.
        tense_of: optional ``(start, end) -> tense`` of the clause governing an expression (e.g.
            from a dependency parse); without it, surface cues are used.

    Returns:
        Non-overlapping :class:`TimeExpr` records in text order.
    """
    dct = parse_iso(published)
    captions = caption_lines(text)
    cands = _candidates(text)
    cands.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    chosen: list[tuple[int, int, _Handler, re.Match[str]]] = []
    last_end = -1
    # longest match first among overlapping candidates
    by_len = sorted(cands, key=lambda c: (-(c[1] - c[0]), c[0]))
    taken = [False] * (len(text) + 1)
    for c in by_len:
        s, e = c[0], c[1]
        if any(taken[s:e]):
            continue
        chosen.append(c)
        for i in range(s, e):
            taken[i] = True
    chosen.sort(key=lambda c: c[0])
    out: list[TimeExpr] = []
    ref: dt.date | None = dct
    ref_value: str | None = dct.isoformat() if dct else None
    for s, e, handler, m in chosen:
        if e <= last_end:
            continue
        surface = text[s:e]
        if surface.lower().strip() in _AMBIGUOUS_REF and not _ref_word_ok(text, s, e):
            continue
        if handler is _h_ref and out and surface.lower() in ("later", "earlier") and text[out[-1].end : s] == " ":
            continue  # "three days later": the duration is the expression, "later" its signal
        if handler is _h_apposition_day:
            if not (out and out[-1].type == "DATE" and len(out[-1].value) == 10 and text[out[-1].end : s] == ", "):
                continue  # only right after a full date
            e = s + len("the day")  # "before/after <event>" relates the day to an event: not in the extent
        tense = (tense_of(s, e) if tense_of else None) or _guess_tense(text, s, e)
        lo = max(text.rfind(". ", 0, s) + 1, text.rfind("\n", 0, s) + 1, s - 80, 0)
        res = handler(_Ctx(dct, ref, ref_value, tense, text[e : e + 40], text[max(0, s - 20) : s], text[lo:s]), m)
        if res is None:
            continue
        ttype, value, mod = res
        # TimeBank extents: an adjectival "ten-year" or "year-ago" takes no article ("a ten-year note")
        lead = re.match(r"(?:the|a|an) (?=\S+-(?:\w+)$|year-(?:ago|earlier)$)", surface, re.IGNORECASE)
        if lead and handler in (_h_duration, _h_year_ago):
            s += lead.end()
        if handler is _h_in_n and ttype == "DURATION":
            s += 3  # "in 20 years" as a length: "in" is the signal, not part of the expression
        # modifiers written before the expression ("early", "mid-", "the end of")
        pm = _MOD_PREFIX.search(text[max(0, s - 20) : s])
        if pm and ttype == "DATE" and mod is None:
            mod = next(_MOD_CODE[k] for k in ("start", "mid", "end") if pm.group(k))
            s = s - (len(text[max(0, s - 20) : s]) - pm.start())
        anchored = dct is not None and handler not in (_h_full_date, _h_month_year, _h_iso, _h_us_numeric,
                                                        _h_year, _h_decade, _h_century, _h_season_year,
                                                        _h_fiscal, _h_last_part, _h_duration, _h_bare_duration, _h_set)
        if handler is _h_full_date and m["year"]:
            anchored = False
        out.append(TimeExpr(s, e, text[s:e], ttype, value, mod, anchored,  # type: ignore[arg-type]
                            caption=any(a <= s < b for a, b in captions)))
        last_end = e
        explicit = re.fullmatch(r"\d{4}(-\d\d(-\d\d)?|-Q\d|-H\d)?", value[:10])
        if handler not in (_h_ago, _h_year_ago) and ttype in ("DATE", "TIME") and explicit:
            # "the quarter ended Sept. 30": the day only closes the period named, which stays the one
            # under discussion ("the year-ago results", "a year earlier" are that period's)
            closes = len(out) > 1 and _CLOSES_PERIOD.fullmatch(text[out[-2].end : s]) is not None \
                and re.fullmatch(r"\d{4}-(?:Q\d|H\d|W\d\d|\d\d)", out[-2].value) is not None
            if not closes:
                ref_value = value
            d = parse_iso(value) if len(value) >= 10 else None
            if d is not None:
                ref = d
    return out


_CLOSES_PERIOD = re.compile(r",? (?:which |that )?(?:ended|ending|ends|closed|through) (?:on )?", re.IGNORECASE)


def _ref_word_ok(text: str, s: int, e: int) -> bool:
    """Keep ambiguous words ("once", "then", "later") only in clearly temporal uses."""
    w = text[s:e].lower().strip()
    before = text[max(0, s - 12) : s].lower()
    after = text[e : e + 12].lower()
    if w == "current":  # "the current weakness": the present; "current year" is matched whole elsewhere
        return not re.search(r"\b(?:then|account|events|affairs)\s*$", before) and not re.match(
            r"\s*(?:account|events|affairs|assets|liabilities)\b", after)
    if w in ("earlier", "later"):
        return bool(re.match(r"\s*[,.;]", after)) and not re.search(r"\b(?:than|a|an|the)\s*$", before)
    if w == "soon" and re.search(r"\bas\s*$", before) and re.match(r"\s*as\b", after):
        return False  # "as soon as the threats end": a conjunction
    if w == "future":
        return bool(re.search(r"\b(?:in|near|the)\s*$", before))
    if w == "recent":  # "a recent filing", "recent declines": the past
        return True
    if w == "previously":  # only as a sentence adverb ("Previously, it offered ..."), not "previously announced"
        return bool(re.search(r"(?:^|[.!?\n]\s*)$", text[max(0, s - 3) : s])) or s == 0
    if w == "already":
        return False
    return w not in ("once", "then")


def timexes_for_article(doc: AnnotatedArticle) -> list[TimeExpr]:
    """Time expressions of an annotated article, using the parse for tense.

    Args:
        doc: the article with its spaCy annotation (may be None; then surface cues decide tense).

    Returns:
        The article's :class:`TimeExpr` records.
    """
    art, ann = doc.article, doc.annotation
    if ann is None or not ann.tokens:
        return find_timexes(art.text, art.published)
    toks = ann.tokens
    starts = [t.start for t in toks]

    def tense_of(s: int, e: int) -> Tense | None:
        import bisect

        i = bisect.bisect_right(starts, s) - 1
        if i < 0:
            return None
        # climb to the governing verb
        j, seen = i, 0
        while toks[j].pos not in ("VERB", "AUX") and toks[j].head != j and seen < 6:
            j = toks[j].head
            seen += 1
        return verb_tense(toks, j)

    return find_timexes(art.text, art.published, tense_of)


def verb_tense(toks: Sequence[Any], j: int) -> Tense | None:
    """Tense of the verb at token ``j`` from its tag and auxiliaries (``will`` -> future)."""
    tok = toks[j]
    if tok.pos not in ("VERB", "AUX"):
        return None
    auxes = [t for t in toks[max(0, j - 4) : j] if t.head == j and t.dep in ("aux", "auxpass")]
    for a in auxes:
        if a.lemma in ("will", "shall") or (a.tag == "MD" and a.lemma in ("would", "'ll")):
            return "future"
        if a.tag in ("VBD",):
            return "past"
    if tok.tag in ("VBD", "VBN"):
        return "past"
    if tok.tag in ("VBZ", "VBP", "VBG"):
        return "present"
    return None


def date_for_span(timexes: Sequence[TimeExpr], start: int, end: int) -> TimeExpr | None:
    """The DATE/TIME expression inside ``[start, end)`` nearest its start (None if there is none)."""
    best: TimeExpr | None = None
    for t in timexes:
        inside = t.start >= start and t.end <= end
        if (t.type in ("DATE", "TIME") and inside and not t.value.endswith("_REF") and not t.caption
                and (best is None or abs(t.start - start) < abs(best.start - start))):
            best = t
    return best
