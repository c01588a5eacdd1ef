"""Name strings: normalization, titles and ranks, person-name parsing, name compatibility.

Plain functions over strings, used by :mod:`newsweave.entities.mentions` (within one
article) and :mod:`newsweave.entities.resolve` (across articles). The lexicons (titles and role
nouns, demonyms, aliases and acronyms) are small hand-written tables shipped as package
data (``newsweave/data/entities_*.tsv``).

Hand-written rather than taken from a library: name-parsing libraries such as
``nameparser`` target one well-formed full name per string, whereas news text needs
partial names ("Silva"), possessives, multi-part Hispanic surnames and fuzzy,
transposition-aware matching across outlets; the edit distances themselves come from
``rapidfuzz``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import DamerauLevenshtein

from newsweave.textutil import fold as base_fold

#: Generational suffixes, dropped from the name key.
SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"])
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$", re.IGNORECASE)
_LEADING_DET = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_WS = re.compile(r"\s+")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.){1,3}$|^[A-Z]$")


def fold(text: str) -> str:
    """Accent-folded, case-folded, whitespace-collapsed form (``"Guaidó"`` -> ``"guaido"``)."""
    stripped = base_fold(text).replace("’", "'").replace("‘", "'")
    return _WS.sub(" ", stripped).strip().casefold()


def has_diacritics(text: str) -> bool:
    """True if any character carries a combining mark once decomposed."""
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFKD", text))


def strip_possessive(text: str) -> str:
    """Drop a trailing possessive ``'s`` / ``’s`` / ``s'``."""
    return _POSSESSIVE.sub("", text).rstrip()


def strip_determiner(text: str) -> str:
    """Drop a leading "the"/"a"/"an"."""
    return _LEADING_DET.sub("", text)


def _read_tsv(name: str) -> list[list[str]]:
    raw = resources.files("newsweave").joinpath("data", name).read_text(encoding="utf-8")
    rows = []
    for line in raw.splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def title_lexicon() -> dict[str, tuple[str, str]]:
    """Surface (lower case) -> (canonical role word, class ``title``|``role``)."""
    out: dict[str, tuple[str, str]] = {}
    for surface, canon, cls in _read_tsv("entities_titles.tsv"):
        if surface in out and out[surface][1] == "title":
            continue
        out[surface] = (canon, cls)
    return out


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Demonym (lower case) -> place name."""
    return {d: place for d, place in _read_tsv("entities_demonyms.tsv")}


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Alias (lower case) -> canonical name."""
    return {a: canon for a, canon in _read_tsv("entities_aliases.tsv")}


def title_of(word: str) -> tuple[str, str] | None:
    """Look up one token in the title lexicon (with and without a final dot)."""
    lex = title_lexicon()
    w = fold(word)
    return lex.get(w) or lex.get(w.rstrip(".")) or lex.get(w + ".")


def is_title(word: str) -> bool:
    """True if the token is an honorific or rank that can stand before a name."""
    hit = title_of(word)
    return hit is not None and hit[1] == "title"


def is_role_word(word: str) -> bool:
    """True if the token names a title, rank or position."""
    return title_of(word) is not None


def demonym_place(text: str) -> str | None:
    """Country/region for a demonym ("Venezuelan", "Venezuelans"), else None."""
    table = demonyms()
    key = fold(text)
    if key in table:
        return table[key]
    if key.endswith("s") and key[:-1] in table:
        return table[key[:-1]]
    return None


def alias_of(text: str) -> str | None:
    """Canonical name for a known alias or acronym ("U.S." -> "United States"), else None.

    Short keys without dots (``us``, ``un``) only count when written in capitals, so that
    the pronoun "us" never turns into the United States.
    """
    table = aliases()
    surface = strip_determiner(strip_possessive(text.strip()))
    key = fold(surface)
    for k in (key, key.replace(".", "").replace(" ", "") if "." in key else key):
        if k in table:
            if len(k) <= 4 and "." not in surface and " " not in k and not surface.isupper():
                continue
            return table[k]
    return None


def name_tokens(text: str) -> list[str]:
    """Split a name into tokens (on spaces; hyphenated parts stay one token)."""
    return [t for t in _WS.split(text.strip()) if t]


@dataclass(slots=True, frozen=True)
class PersonName:
    """A parsed person name: titles split off, tokens in given-names-then-surname order."""

    titles: tuple[str, ...]
    tokens: tuple[str, ...]
    suffix: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """Folded tokens, initials reduced to their letter."""
        return tuple(_token_key(t) for t in self.tokens)

    @property
    def surname(self) -> str | None:
        """Folded last token (the usual short form), or None for an empty name."""
        return _token_key(self.tokens[-1]) if self.tokens else None


def _token_key(token: str) -> str:
    t = fold(token)
    return t.replace(".", "") if _INITIALS.match(token) else t.rstrip(".,")


def is_initial(token: str) -> bool:
    """True for "J." / "J" / "J.L."."""
    return bool(_INITIALS.match(token))


def parse_person_name(text: str) -> PersonName:
    """Parse a person-name string as written in news text.

    Handles leading titles/ranks ("Col.", "President", "U.S. Secretary of State" is left to
    the caller, which sees the tokens around the name), a trailing possessive, "Jr."-style
    suffixes and the inverted "LastName, FirstName" form.

    Args:
        text: the name as written, e.g. ``"Col. Jose Luis Silva's"`` or ``"Silva, Jose Luis"``.

    Returns:
        The :class:`PersonName`.
    """
    s = strip_possessive(text.strip())
    if s.count(",") == 1:
        last, first = (p.strip() for p in s.split(","))
        if first and last and fold(first) not in SUFFIXES and all(
            w[:1].isupper() for w in name_tokens(first) + name_tokens(last)
        ):
            s = f"{first} {last}"
    toks = name_tokens(s.replace(",", " "))
    titles: list[str] = []
    while len(toks) > 1 and is_title(toks[0]):
        titles.append(toks.pop(0))
    suffix = None
    if len(toks) > 1 and fold(toks[-1]) in SUFFIXES:
        suffix = toks.pop()
    return PersonName(tuple(titles), tuple(toks), suffix)


def _tok_compatible(short: str, full: str) -> bool:
    """One folded token of a short form against one of a full name (initials match first letters)."""
    if short == full:
        return True
    if len(short) == 1 and full.startswith(short):
        return True
    return "-" in full and short in full.split("-")


def partial_of(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """True if name ``short`` can be a partial reference to ``full`` (both folded keys).

    Accepted: a contiguous run of ``full`` that does not consist of the first given name
    alone ("Silva", "Luis Silva", "García" and "García Márquez" for "Gabriel García
    Márquez"), one part of a hyphenated surname ("Ocasio" for "Ocasio-Cortez"), and the
    same name with initials ("J. L. Silva", "J. Silva").
    """
    if not short or not full or len(short) > len(full) or short == full:
        return len(short) > 0 and short == full
    n, m = len(short), len(full)
    if n < m:
        for i in range(1, m - n + 1):
            if all(_tok_compatible(s, f) for s, f in zip(short, full[i : i + n], strict=True)):
                return not all(len(s) == 1 for s in short)
    # Initials for given names, same surname: "J. L. Silva" / "J. Silva" -> "Jose Luis Silva".
    if n >= 2 and short[-1] == full[-1]:
        givens, fgivens = short[:-1], full[:-1]
        if len(givens) <= len(fgivens) and all(
            _tok_compatible(s, f) for s, f in zip(givens, fgivens, strict=False)
        ):
            return True
    return False


def token_similar(a: str, b: str) -> bool:
    """True if two folded tokens differ by one edit (substitution, transposition, insertion, deletion).

    Tokens shorter than 4 characters must be equal; a different first letter is allowed only
    for tokens of 6+ characters (outlets mistype inside words more than at their start).
    """
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    if a[0] != b[0] and min(len(a), len(b)) < 6:
        return False
    return DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1


def deletion_keys(token: str) -> set[str]:
    """The token and every form with one character deleted (blocking for one-edit matches)."""
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


def acronym_of(words: list[str]) -> str:
    """Initials of the capitalized content words ("National Security Council" -> "NSC")."""
    stop = {"of", "the", "and", "for", "de", "la", "del", "&"}
    return "".join(w[0].upper() for w in words if w and fold(w) not in stop and w[0].isalpha())


def looks_like_acronym(text: str) -> bool:
    """True for "NSC", "U.N.", "EU" (2-6 capitals, dots allowed)."""
    s = text.replace(".", "")
    return 2 <= len(s) <= 6 and s.isalpha() and s.isupper()
