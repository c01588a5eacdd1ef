"""TIMEX3 values: the time-expression record and the calendar arithmetic behind normalization.

Word tables (months, weekdays, seasons, ordinals, number words, duration units),
:class:`TimeExpr`, and the functions that turn a count and a unit into a duration
value or shift a reference date by a number of units at the unit's granularity.
Detection rules live in :mod:`newsweave.events.timex`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

TimexType = Literal["DATE", "TIME", "DURATION", "SET"]

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
}  # fmt: skip
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
UNITS_ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SMALL = {w: i + 1 for i, w in enumerate([*UNITS_ONES, "ten", "eleven", "twelve", "thirteen", "fourteen",
                                          "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
UNIT_CODES = {"second": "S", "minute": "M", "hour": "H", "day": "D", "night": "D", "week": "W",
              "weekend": "WE", "month": "M", "quarter": "Q", "year": "Y", "decade": "DE", "century": "CE"}
TIME_UNITS = {"second", "minute", "hour"}


@dataclass(slots=True)
class TimeExpr:
    """One normalized time expression; ``start``/``end`` are offsets into the article text.

    ``anchored`` is true when the value was computed from the reference date
    (publication date or an earlier date in the text), false for explicit
    dates and for placeholders left when no reference date was known.
    ``caption`` is true when the expression stands in a photo caption (a line
    ending in a photo credit): it dates the picture, not the story's events.
    """

    start: int
    end: int
    text: str
    type: TimexType
    value: str
    mod: str | None = None
    anchored: bool = False
    caption: bool = False

    @property
    def precision(self) -> str:
        """Granularity of ``value``: day, week, month, quarter, season, year or unknown."""
        return value_precision(self.value) if self.type in ("DATE", "TIME") else "unknown"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form."""
        d = asdict(self)
        d["precision"] = self.precision
        return d


def value_precision(value: str) -> str:
    """Precision of a TIMEX3 DATE value, as in the dossier's ``date_precision``."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", value):
        return "day"
    if re.fullmatch(r"\d{4}-W\d{2}(-WE)?", value):
        return "week"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return "month"
    if re.fullmatch(r"\d{4}-Q\d", value):
        return "quarter"
    if re.fullmatch(r"\d{4}-(SP|SU|FA|WI)", value):
        return "season"
    if re.fullmatch(r"\d{4}(-H\d)?", value):
        return "year"
    return "unknown"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def parse_number(text: str) -> float | None:
    """A number written in digits or words ("eight", "twenty-four", "a"); None for "few"/"several"."""
    t = text.lower().strip().replace("-", " ")
    if t in ("a", "an", "one"):
        return 1
    if t == "a couple of":
        return 2
    if t in ("a dozen",):
        return 12
    if t in ("a hundred",):
        return 100
    if re.fullmatch(r"\d+ 1/2", t):
        return float(t.split()[0]) + 0.5
    try:
        return float(t)
    except ValueError:
        pass
    parts = t.split()
    if parts and parts[0] in TENS:
        return TENS[parts[0]] + (SMALL.get(parts[1], 0) if len(parts) > 1 else 0)
    if t in SMALL:
        return SMALL[t]
    return None


def fmt_num(n: float | None) -> str:
    if n is None:
        return "X"
    return str(int(n)) if n == int(n) else str(n)


def duration_value(n: float | None, unit: str) -> str:
    """TIMEX3 duration value: ``P8D``, ``PT3H``, ``P2Y``, ``PXW``."""
    unit = unit.lower().rstrip("s") if unit.lower() != "centuries" else "century"
    if unit == "centurie":
        unit = "century"
    if unit == "quarter":  # ISO 8601 has no quarter designator: three months each (TimeBank: P9M)
        return f"P{fmt_num(n * 3)}M" if n is not None else "PXQ"
    if unit == "decade":
        return f"P{fmt_num(n * 10)}Y" if n is not None else "PXDE"
    if unit == "century":
        return f"P{fmt_num(n * 100)}Y" if n is not None else "PXCE"
    if unit == "weekend":
        return f"P{fmt_num(n)}WE"
    code = UNIT_CODES.get(unit, "X")
    prefix = "PT" if unit in TIME_UNITS else "P"
    if n is not None and n != int(n) and unit in _FRACTION_UNITS:
        # 2 1/2 years -> P2Y6M: the fraction in the next smaller unit when it comes out whole
        per, small = _FRACTION_UNITS[unit]
        rest = (n - int(n)) * per
        if rest == int(rest):
            small_code = UNIT_CODES[small]
            whole = f"{int(n)}{code}" if int(n) else ""
            if unit in TIME_UNITS:
                return f"PT{whole}{int(rest)}{small_code}"
            if small in TIME_UNITS:
                return f"P{whole}T{int(rest)}{small_code}"
            return f"P{whole}{int(rest)}{small_code}"
    return f"{prefix}{fmt_num(n)}{code}"


_FRACTION_UNITS = {"year": (12, "month"), "week": (7, "day"), "day": (24, "hour"), "hour": (60, "minute"),
                   "minute": (60, "second")}


def iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def quarter(d: dt.date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def _year_field(v: int, width: int) -> str:
    """A TIMEX3 year, decade or century field: zero-padded, 'BC' before the era.

    Raises:
        OverflowError: the value needs more digits than the field has.
    """
    if abs(v) >= 10**width:
        raise OverflowError(v)
    return f"BC{-v:0{width}d}" if v < 0 else f"{v:0{width}d}"


def shift_value(ref: dt.date | None, unit: str, n: int) -> str:
    """The unit-granular value ``n`` units away from ``ref`` (placeholder when ``ref`` is None or out of range)."""
    unit = unit.rstrip("s")
    if unit == "centurie":
        unit = "century"
    placeholder = {"day": "XXXX-XX-XX", "night": "XXXX-XX-XX", "week": "XXXX-WXX", "weekend": "XXXX-WXX-WE",
                   "month": "XXXX-XX", "quarter": "XXXX-QX", "year": "XXXX", "decade": "XXX",
                   "century": "XX"}.get(unit, "XXXX-XX-XX")
    if ref is None:
        return placeholder
    try:
        if unit == "week":
            return iso_week(ref + dt.timedelta(weeks=n))
        if unit == "weekend":
            return iso_week(ref + dt.timedelta(weeks=n)) + "-WE"
        if unit == "month":
            d = ref + relativedelta(months=n)
            return f"{d.year:04d}-{d.month:02d}"
        if unit == "quarter":
            y, q = quarter(ref)
            k = y * 4 + (q - 1) + n
            return f"{_year_field(k // 4, 4)}-Q{k % 4 + 1}"
        if unit == "year":
            return _year_field(ref.year + n, 4)
        if unit == "decade":
            return _year_field(ref.year // 10 + n, 3)
        if unit == "century":
            return _year_field(ref.year // 100 + n, 2)
        return (ref + dt.timedelta(days=n)).isoformat()  # day, night and anything finer
    except (OverflowError, ValueError):  # before year 1 or after 9999: the calendar cannot say
        return placeholder


def parse_iso(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
