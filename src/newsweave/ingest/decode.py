"""Bytes to text.

The order: a byte-order mark; UTF-16 recognised by its NUL bytes at alternating
positions (with or without a BOM); strict UTF-8; a charset the input declares;
UTF-8 with replacement characters when the text is UTF-8 with a few bad bytes;
windows-1252 when it reads as Western text; charset-normalizer as a last resort
(Cyrillic, Greek, CJK legacy encodings). Binary data is refused.
"""

from __future__ import annotations

import re

_CHARSET = re.compile(r"charset=[\"']?([\w-]+)", re.I)
#: Labels that browsers (WHATWG Encoding) read as windows-1252.
_LATIN1 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252"}
#: Non-letters that legitimately sit between two letters in Western text ("don’t", "Jean‐Paul").
_IN_WORD = set("’‘‐·")
#: How much of a long input the heuristics look at.
_SAMPLE = 200_000


def sniff_utf16(data: bytes) -> str | None:
    """The UTF-16 codec for ``data`` (``"utf-16"`` with a BOM, else ``"utf-16-le"``/``"-be"``), or ``None``.

    Without a BOM, UTF-16 text in a Latin script has a NUL in almost every other
    byte and almost none in the others; binary data has NULs anywhere.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    head = data[:8192]
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even = head[0 : 2 * pairs : 2].count(0)
    odd = head[1 : 2 * pairs : 2].count(0)
    if odd >= 0.3 * pairs and even * 20 <= odd:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd * 20 <= even:
        return "utf-16-be"
    return None


def _control_share(chars: str | bytes) -> float:
    codes = chars.encode("utf-8", "surrogatepass") if isinstance(chars, str) else chars
    if not codes:
        return 0.0
    return sum(1 for b in codes if b < 32 and b not in (9, 10, 12, 13, 27)) / len(codes)


def looks_binary(data: bytes) -> bool:
    """True for data (not UTF-16 text) with NUL bytes or many control characters in its first 8 KiB."""
    head = data[:8192]
    if not head or sniff_utf16(data):
        return False
    return b"\x00" in head or _control_share(head) > 0.05


def _reads_as_western(text: str) -> bool:
    """True when ``text`` (decoded as windows-1252) looks like a Western language.

    Western text has few non-ASCII characters, and those inside a word are
    letters (é, ñ, ß) or an apostrophe. Cyrillic or Greek bytes read this way give
    mostly non-ASCII "letters"; central European ones give symbols inside words
    (ł read as ³, ą as ¹).
    """
    outside = [i for i, ch in enumerate(text) if ord(ch) > 127]
    if not outside:
        return True
    if len(outside) > 0.3 * max(1, sum(ch.isalpha() for ch in text)):
        return False
    odd = 0
    for i in outside:
        ch = text[i]
        if ch.isalpha() or ch in _IN_WORD:
            continue
        if 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            odd += 1
    return odd * 20 <= len(outside)


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 with U+FFFD for bad bytes, when it holds at least as many good non-ASCII
    characters as bad bytes (UTF-8 text with a stray byte, not a legacy encoding)."""
    sample = data[:_SAMPLE].decode("utf-8", errors="replace")
    bad = sample.count("\ufffd") - data[:_SAMPLE].count(b"\xef\xbf\xbd")
    good = sum(1 for ch in sample if ord(ch) > 127 and ch != "\ufffd")
    return data.decode("utf-8", errors="replace") if good and good >= bad else None


def decode_bytes(data: bytes, content_type: str = "") -> tuple[str | None, str]:
    """Decode ``data``; returns ``(text or None, encoding used)``; ``None`` with ``"binary"`` for binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    utf16 = sniff_utf16(data)
    if utf16:
        text = data.decode(utf16, errors="replace")
        if _control_share(text[:4096]) > 0.05:
            return None, "binary"
        if utf16 == "utf-16":
            utf16 = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        return text, utf16
    if looks_binary(data):
        return None, "binary"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(content_type) or _CHARSET.search(data[:2048].decode("ascii", "ignore"))
    if declared:
        label = declared.group(1).lower()
        label = "cp1252" if label in _LATIN1 else label
        try:
            return data.decode(label), label
        except (LookupError, UnicodeDecodeError):
            pass
    lenient = _mostly_utf8(data)
    if lenient is not None:
        return lenient, "utf-8"
    try:
        western = data.decode("cp1252")
        if _reads_as_western(western[:_SAMPLE]):
            return western, "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_SAMPLE]).best()
    enc = best.encoding if best is not None else "cp1252"
    try:
        return data.decode(enc), enc
    except (LookupError, UnicodeDecodeError):
        return data.decode(enc, errors="replace"), enc
