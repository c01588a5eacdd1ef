"""Metadata helpers shared by every reader: dates, outlets, language, clean text.

Dates follow one rule: a publication date comes from metadata, else from a
dateline in the article's header lines, else it stays unknown. Relative phrases
("5 years ago", "yesterday") are never turned into dates, because they are
relative to a scrape time we do not know.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import py3langid

from newsweave.models import content_id

_RELATIVE = re.compile(
    r"\b(ago|now|yesterday|today|tonight|tomorrow|last|next|this|in|hours?|minutes?|seconds?|days?|weeks?|"
    r"months?|years?)\b", re.I
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_MDY = re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS}),?\s+(\d{{4}})\b", re.I)
_URL_DATE = re.compile(r"/(\d{4})/(\d{1,2}|[a-z]{3})/(\d{1,2})/", re.I)
_MONTH_NUM = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

#: Words allowed on a stand-alone dateline besides the date itself.
_DATELINE_WORDS = re.compile(
    r"^(date|published|updated|posted|last|modified|on|at|am|pm|a\.m\.|p\.m\.|[a-z]{2,4}t|gmt|utc|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|by|:|\||-|—|,)$",
    re.I,
)


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def dates_in(line: str) -> list[tuple[int, int, str]]:
    """Every unambiguous absolute date in ``line`` as ``(start, end, iso)``."""
    found: list[tuple[int, int, str]] = []
    for m in _ISO.finditer(line):
        iso = _valid(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _MDY.finditer(line):
        iso = _valid(int(m[3]), _MONTH_NUM[m[1][:3].lower()], int(m[2]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DMY.finditer(line):
        iso = _valid(int(m[3]), _MONTH_NUM[m[2][:3].lower()], int(m[1]))
        if iso:
            found.append((m.start(), m.end(), iso))
    return sorted(found)


def dateline_date(line: str) -> str | None:
    """The publication date of a stand-alone dateline such as ``January 27, 2019 Updated: ...``.

    The line must consist of dates plus a few dateline words (Published, Updated,
    weekday, time, time zone). A sentence that merely contains a date (a photo
    caption, a quote) is not a dateline. When the line holds several dates (a
    publication and an update), the first one is the publication date.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 120:
        return None
    found = dates_in(stripped)
    if not found:
        return None
    rest = stripped
    for start, end, _ in reversed(found):
        rest = rest[:start] + " " + rest[end:]
    rest = re.sub(r"\d{1,2}:\d{2}(:\d{2})?", " ", rest)
    words = [w for w in re.split(r"[\s:|,]+", rest) if w]
    if any(not _DATELINE_WORDS.match(w) for w in words):
        return None
    return found[0][2]


def leading_date_prefix(text: str) -> tuple[str | None, int]:
    """A ``date YYYY-MM-DD`` marker at the very start of a body: (iso, chars to strip)."""
    m = re.match(r"\s*(?:date|published|updated)\s*:?\s*(\d{4}-\d{2}-\d{2})\s+", text, re.I)
    if not m:
        return None, 0
    iso = _valid(*(int(x) for x in m[1].split("-")))
    return (iso, m.end()) if iso else (None, 0)


def _shown(value: object) -> str:
    """A value as a reason quotes it: JSON spelling for true/false, repr otherwise, cut at 60 chars."""
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_date(value: object, today: date | None = None) -> tuple[str | None, str | None]:
    """A publication date from one source's raw value, checked.

    A date must be a string that names a real calendar day (an ISO date, RFC 822,
    or a form the date parser accepts without relative parsing) and must not be
    later than ``today`` (the ingest date, UTC) plus one day for time zones.
    Booleans, numbers (years, epoch seconds), relative phrases ("now", "3 weeks
    ago") and future dates are refused.

    Args:
        value: the raw value (a JSON value, a header string, an ISO date from a dateline or URL).
        today: the ingest date; the current UTC date when omitted.

    Returns:
        ``(YYYY-MM-DD, None)`` for a date; ``(None, reason)`` for a refused value;
        ``(None, None)`` when there is no value at all.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    shown = _shown(value.strip() if isinstance(value, str) else value)
    if isinstance(value, bool):
        return None, f"{shown}: a JSON boolean, not a date"
    if isinstance(value, int | float):
        return None, f"{shown}: a number, not a date"
    if not isinstance(value, str):
        return None, f"{shown}: a JSON {type(value).__name__}, not a date"
    text = value.strip()
    found = dates_in(text)
    iso: str | None = found[0][2] if found else None
    if iso is None:
        if _RELATIVE.search(text) and not re.search(r"\b\d{4}\b", text):
            return None, f"{shown}: relative, not a date"
        iso = _parse_absolute(text)
    if iso is None:
        return None, f"{shown}: not a date the date parser accepts"
    today = today or datetime.now(UTC).date()
    if iso > (today + timedelta(days=1)).isoformat():
        return None, f"{shown}: later than the ingest date ({today.isoformat()})"
    return iso, None


def _parse_absolute(text: str) -> str | None:
    """``text`` as an absolute calendar date by dateparser (no relative or timestamp parsing)."""
    if not re.search(r"\d", text) or text.isdigit():
        return None
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=None,
        settings={"REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False,
                  "PREFER_DAY_OF_MONTH": "first", "PARSERS": ["custom-formats", "absolute-time"]},
    )
    return parsed.date().isoformat() if parsed else None


def language_code(value: object) -> tuple[str | None, str | None]:
    """An ISO 639 code from a metadata value (``"en-US"`` -> ``"en"``); ``(None, reason)`` for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if not isinstance(value, str):
        return None, f"{_shown(value)}: a JSON {type(value).__name__}, not a language code"
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        return None, f"{_shown(value.strip())}: not a language code"
    return code, None


def url_date(url: str | None) -> str | None:
    """A ``/YYYY/MM/DD/`` date in a URL path."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    month = int(m[2]) if m[2].isdigit() else _MONTH_NUM.get(m[2].lower()[:3], 0)
    return _valid(int(m[1]), month, int(m[3]))


def outlet_from_url(url: str | None) -> str | None:
    """The outlet's host name from a URL, without ``www.``."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a malformed URL ("http://[x") names no outlet
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def detect_language(text: str) -> str | None:
    """ISO 639-1 language of the text (py3langid), ``None`` for too little text."""
    sample = text[:5000]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None
    lang, _ = py3langid.classify(sample)
    return str(lang)


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_chars(text: str) -> str:
    """``text`` without C0 control characters or lone surrogates, so that it is valid UTF-8 and shows as it reads.

    Tab and line breaks stay; a vertical tab or form feed becomes a line break; a
    lone surrogate (JSON ``"\\ud800"``) becomes U+FFFD.
    """
    text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    return _SURROGATE.sub("\ufffd", _CONTROLS.sub("", text))


def printable_name(name: str) -> str:
    """An input name that prints and encodes as UTF-8 whatever the file system gave.

    A byte that is not UTF-8 (which ``os.fsdecode`` keeps as a lone surrogate)
    becomes ``\\xff``; other lone surrogates ``\\udXXX``; control and other
    unprintable characters ``\\xNN`` / ``\\uNNNN``. Printable names are unchanged,
    so applying it twice changes nothing.
    """
    if name.isprintable():
        return name
    out = []
    for ch in name:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    return "".join(out)


def normalize_text(text: str) -> str:
    """Unicode NFC, Unix newlines, no control characters or trailing spaces, at most one blank line
    between paragraphs."""
    text = unicodedata.normalize("NFC", clean_chars(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def article_id(text: str, source: str | None) -> str:
    """Content-hash id: the same text from the same outlet is the same article."""
    body = re.sub(r"\s+", " ", text).strip()
    return content_id(f"{source or ''}\n{body}", prefix="a")
