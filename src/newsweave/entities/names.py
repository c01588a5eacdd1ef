"""Name strings: normalization, titles and ranks, person-name parsing, name compatibility.

Plain functions over strings, used by :mod:`newsweave.entities.mentions` (within one
article) and :mod:`newsweave.entities.resolve` (across articles). The lexicons (titles and role
nouns, demonyms, aliases and acronyms) are small hand-written tables shipped as package
data (``newsweave/data/entities_*.tsv``).

Hand-written rather than taken from a library: name-parsing libraries such as
``nameparser`` target one well-formed full name per string, whereas news text needs
partial names ("Silva"), possessives, multi-part Hispanic surnames and fuzzy,
transposition-aware matching across outlets; the edit distances themselves come from
``rapidfuzz``. Given-name short forms ("Steve" / "Steven", "Bill" / "William") come from the
``nicknames`` package (a hand-curated English table, Apache-2.0).

A person name is parsed into given name, middle names or initials, surname (with its
particles: "de Gaulle", "van der Berg") and generational suffix (Jr., Sr., II, III, IV), and
two full names are *compatible* (:func:`names_compatible`) when the surname agrees, the given
names agree (or one is the initial or, where allowed, a short form of the other), the middle
parts agree where both have them, and the suffixes do not say they are two people.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import DamerauLevenshtein

from newsweave.textutil import fold as base_fold

#: Generational suffixes as written (folded) -> canonical form. The canonical form is the last
#: element of a person key, prefixed with :data:`SUFFIX_MARK` ("Donald Trump Jr." ->
#: ``("donald", "trump", "+jr")``), so a suffix is never mistaken for a name token.
SUFFIX_FORMS = {"jr": "jr", "jr.": "jr", "sr": "sr", "sr.": "sr", "ii": "ii", "iii": "iii", "iv": "iv",
                "2nd": "ii", "3rd": "iii", "4th": "iv"}
SUFFIXES = frozenset(SUFFIX_FORMS)
SUFFIX_MARK = "+"
#: Lower-case particles that belong to the surname ("Charles de Gaulle", "Ursula von der Leyen").
SURNAME_PARTICLES = frozenset(["de", "del", "della", "di", "da", "das", "dos", "du", "la", "le", "van", "von", "der",
                               "den", "ter", "ten", "bin", "ibn", "al", "el", "y"])
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
    """A parsed person name: titles split off, tokens in given-names-then-surname order.

    ``suffix`` is the canonical generational suffix (``"jr"``, ``"sr"``, ``"ii"``, ``"iii"``,
    ``"iv"``) and ``nickname`` a quoted or bracketed short form written inside the name
    ('Robert "Bob" Smith'), neither of them part of ``tokens``.
    """

    titles: tuple[str, ...]
    tokens: tuple[str, ...]
    suffix: str | None = None
    nickname: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """Folded tokens, initials reduced to their letter, then the suffix mark if any."""
        base = tuple(_token_key(t) for t in self.tokens)
        return base + ((SUFFIX_MARK + self.suffix,) if self.suffix and base else ())

    @property
    def surname(self) -> str | None:
        """Folded surname with its particles ("de gaulle"), or None for an empty name."""
        parts = name_parts(self.key)
        return " ".join(parts.surname) if parts.surname else None

    @property
    def given(self) -> str | None:
        """Folded first given name (or initial), or None for a one-word name."""
        return name_parts(self.key).given

    @property
    def middle(self) -> tuple[str, ...]:
        """Folded middle names and initials."""
        return name_parts(self.key).middle


@dataclass(slots=True, frozen=True)
class NameParts:
    """The parts of a folded person key."""

    given: str | None
    middle: tuple[str, ...]
    surname: tuple[str, ...]
    suffix: str | None


def split_suffix(key: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """``(tokens, suffix)`` of a person key (the suffix mark removed)."""
    if key and key[-1].startswith(SUFFIX_MARK):
        return key[:-1], key[-1][len(SUFFIX_MARK) :]
    return key, None


def name_parts(key: tuple[str, ...]) -> NameParts:
    """Given name, middle names/initials, surname (with particles) and suffix of a folded person key.

    A one-word name is a surname alone. Lower-case particles before the last token join the
    surname ("charles de gaulle" -> given ``charles``, surname ``de gaulle``).
    """
    base, suffix = split_suffix(key)
    if not base:
        return NameParts(None, (), (), suffix)
    if len(base) == 1:
        return NameParts(None, (), base, suffix)
    k = len(base) - 1
    while k > 1 and base[k - 1] in SURNAME_PARTICLES:
        k -= 1
    return NameParts(base[0], tuple(base[1:k]), tuple(base[k:]), suffix)


def _token_key(token: str) -> str:
    t = fold(token.strip("[](){}\"“”‘’«»"))
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
    nickname = None
    nick = _NICK.search(s)
    if nick:
        nickname = nick.group(1) or nick.group(2)
        s = (s[: nick.start()] + " " + s[nick.end() :]).strip()
    toks = [t for t in name_tokens(s.replace(",", " ")) if any(c.isalnum() for c in t)]
    titles: list[str] = []
    while len(toks) > 1 and is_title(toks[0]):
        titles.append(toks.pop(0))
    suffix = None
    if len(toks) > 1 and fold(toks[-1]) in SUFFIX_FORMS:
        suffix = SUFFIX_FORMS[fold(toks.pop())]
    return PersonName(tuple(titles), tuple(toks), suffix, nickname)


_NICK = re.compile(r"""\s["“'‘]([A-Z][\w.-]*)["”'’]\s|\s\(([A-Z][\w.-]*)\)\s""")


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
    same name with initials ("J. L. Silva", "J. Silva"). A short form with a suffix
    ("Trump Jr.") only fits a full name with the same suffix; a short form without one
    fits any (callers prefer a full name without "Jr.", see :func:`junior_only`).
    """
    short, s_suffix = split_suffix(short)
    full, f_suffix = split_suffix(full)
    if s_suffix != f_suffix and (s_suffix is not None or (len(short) >= 2 and not suffixes_compatible(None, f_suffix))):
        return False  # "Trump Jr." is no short form of "Donald Trump"; "Donald Trump" none of "Donald Trump Jr."
    return _partial_tokens(short, full)


def junior_only(key: tuple[str, ...]) -> bool:
    """True if a full name carries "Jr." (a bare surname is taken to mean the father first)."""
    return split_suffix(key)[1] == "jr"


def _partial_tokens(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
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


@lru_cache(maxsize=1)
def _nicknamer() -> object:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=4096)
def same_given_name(a: str, b: str, short_forms: bool = True) -> bool:
    """True if two folded given names are the same name: equal, one the initial of the other, or
    (``short_forms``) one listed as a short form of the other ("steve"/"steven", "bill"/"william")
    in the ``nicknames`` table. Two short forms of one name ("bill"/"will") do not count."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    if not short_forms:
        return False
    nn = _nicknamer()
    return b in nn.canonicals_of(a) or a in nn.canonicals_of(b)  # type: ignore[attr-defined]


def is_short_form(a: str, b: str) -> bool:
    """True if two different folded given names are short form and full form of one name."""
    return a != b and min(len(a), len(b)) > 1 and same_given_name(a, b)


def suffixes_compatible(a: str | None, b: str | None) -> bool:
    """Whether two generational suffixes can belong to one person.

    Equal suffixes agree; a different suffix is a different person. A name written without a
    suffix agrees with "Sr." and with a numeral ("Robert Mueller" / "Robert S. Mueller III";
    :func:`compatible_groups` keeps them apart when another suffix of that name is seen), but
    not with "Jr.": "Donald Trump Jr." implies a father of the same name, the usual referent
    of the bare name.
    """
    if a == b:
        return True
    if a is None or b is None:
        return (a or b) != "jr"
    return False


def names_compatible(a: tuple[str, ...], b: tuple[str, ...], short_forms: bool = True) -> bool:
    """True if two folded full person keys (given name and surname each) can name one person.

    Same surname (particles included); same given name (an initial matches its full name; a
    short form from the nickname table matches when ``short_forms``); middle names and
    initials agree position by position where both have them, and may be absent on one side
    ("Donald J. Trump" / "Donald Trump", "Hillary Rodham Clinton" / "Hillary Clinton"); the
    suffixes agree (:func:`suffixes_compatible`).
    """
    pa, pb = name_parts(a), name_parts(b)
    if pa.given is None or pb.given is None or pa.surname != pb.surname:
        return False
    if not suffixes_compatible(pa.suffix, pb.suffix):
        return False
    if not same_given_name(pa.given, pb.given, short_forms):
        return False
    if len(pa.given) == 1 and len(pb.given) == 1 and not (pa.middle or pb.middle):
        return True
    if pa.middle and pb.middle:
        if len(pa.middle) != len(pb.middle):
            return False
        return all(x == y or ((len(x) == 1 or len(y) == 1) and x[0] == y[0]) for x, y in zip(pa.middle, pb.middle,
                                                                                                strict=True))
    return True


def specificity(key: tuple[str, ...]) -> tuple[int, int]:
    """How much a person key says: (number of name tokens, letters); more is more specific."""
    base, _ = split_suffix(key)
    return len(base), sum(len(t) for t in base)


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
