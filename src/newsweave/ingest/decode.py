"""Bytes to text: UTF-8 first, else the encoding charset-normalizer finds; binary is refused."""

from __future__ import annotations

import re

_CHARSET = re.compile(r"charset=[\"']?([\w-]+)", re.I)


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes or many control characters in its first 8 KiB."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def decode_bytes(data: bytes, content_type: str = "") -> tuple[str | None, str]:
    """Decode ``data``; returns ``(text or None, encoding used)``."""
    if looks_binary(data):
        return None, "binary"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(content_type) or _CHARSET.search(data[:2048].decode("ascii", "ignore"))
    if declared:
        try:
            return data.decode(declared.group(1)), declared.group(1).lower()
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None, "unknown"
    enc = best.encoding
    if enc in ("cp1250", "cp1254", "cp1257", "latin_1", "iso8859_15"):
        # Western text that these single-byte code pages decode alike is most often windows-1252.
        try:
            if data.decode("cp1252") == data.decode(enc):
                enc = "cp1252"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(enc), enc
    except (LookupError, UnicodeDecodeError):
        return data.decode(enc, errors="replace"), enc
