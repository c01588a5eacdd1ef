"""Accent and case folding shared by every stage that compares surface forms."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents (``"Guaidó"`` -> ``"guaido"``), for comparing surface forms.

    Invisible format characters (soft hyphens, zero-width spaces and joiners) are dropped too:
    ``"Park \xadGeun-hye"`` as extracted from a web page is the same name as ``"Park Geun-hye"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf").lower()


def fold_same_length(text: str) -> str:
    """:func:`fold` character by character, keeping every offset (an "…" stays one character)."""
    out = []
    for ch in text:
        folded = fold(ch)
        out.append(folded if len(folded) == 1 else ch.lower()[:1] or ch)
    return "".join(out)
