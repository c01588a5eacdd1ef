"""Entity mentions within one article: cleaned name spans, roles, quotes, and in-article linking.

Starts from the NER spans stored in :class:`~newsweave.models.Annotation` (spaCy) and:

* cleans each span (leading "the", a trailing possessive, a header line glued on by the
  tagger, editorial brackets and stray punctuation: "[Barack] Obama" keeps "Obama"), takes
  in a generational suffix written after the name ("Donald Trump Jr."), rejects spans that
  are not names ("distributes marijuana", a lone "state"), splits off an owner
  ("Venezuela's Defense Ministry" -> owner Venezuela);
* reads roles from the dependency tree: pre-name titles and modifiers ("U.S. Secretary of
  State Mike Pompeo", "Col. Jose Luis Silva") and appositives ("..., Venezuela's military
  attaché in Washington,");
* maps demonyms to places without making them entity mentions;
* links short and partial names to the full name in the same article ("Silva" -> "Jose
  Luis Silva"), which also repairs NER label slips ("Maduro" tagged ORG, "Pelosi" tagged
  GPE when she is named in the article and "Pelosi" is no major place).

The result per article is a list of :class:`LocalEntity` records that
:mod:`newsweave.entities.resolve` resolves across articles.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from newsweave.entities.names import (
    SUFFIX_FORMS,
    SURNAME_PARTICLES,
    acronym_of,
    alias_of,
    demonym_place,
    fold,
    is_role_word,
    is_title,
    junior_only,
    looks_like_acronym,
    parse_person_name,
    partial_of,
    split_suffix,
    strip_possessive,
    title_of,
)
from newsweave.entities.places import is_major_place
from newsweave.models import AnnotatedArticle, Token

T = TypeVar("T")
KIND_OF_LABEL = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place", "FAC": "place"}
_QUOTE = re.compile(r"“([^”]{8,}?)”|\"([^\"\n]{8,}?)\"")
_WORD = re.compile(r"\w+")
_ABBREV = {
    "col.": "colonel", "gen.": "general", "lt.": "lieutenant", "sgt.": "sergeant", "capt.": "captain",
    "maj.": "major", "adm.": "admiral", "gov.": "governor", "sen.": "senator", "rep.": "representative",
    "pres.": "president", "sec.": "secretary", "amb.": "ambassador", "dr.": "doctor", "prof.": "professor",
    "cmdr.": "commander", "u.s.": "us", "u.n.": "un", "u.k.": "uk",
}


@dataclass(slots=True)
class RoleMention:
    """A title, rank or position as stated next to a name, with its span."""

    text: str
    start: int
    end: int
    source: str  # "premodifier" | "appositive"
    key: str  # normalized text used to group the same role across articles
    words: frozenset[str]  # canonical role words from the title lexicon ("colonel", "attache")


@dataclass(slots=True)
class Mention:
    """One name mention: span into the article text (titles, "the" and possessive trimmed)."""

    article_id: str
    start: int
    end: int
    text: str
    label: str
    kind: str
    key: tuple[str, ...]
    owner: str | None = None
    sentence: int = 0
    roles: list[RoleMention] = field(default_factory=list)
    quotes: list[tuple[str, ...]] = field(default_factory=list)
    entity_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form (evidence span, entity id, roles)."""
        return {
            "article_id": self.article_id, "start": self.start, "end": self.end, "text": self.text,
            "kind": self.kind, "entity_id": self.entity_id,
            "roles": [{"text": r.text, "start": r.start, "end": r.end, "source": r.source} for r in self.roles],
        }


@dataclass(slots=True)
class DemonymMention:
    """A nationality adjective or noun ("Venezuelan") pointing to a place; not an entity mention."""

    article_id: str
    start: int
    end: int
    text: str
    place: str


@dataclass(slots=True)
class LocalEntity:
    """The mentions of one entity within one article."""

    article_id: str
    kind: str
    key: tuple[str, ...]
    owner: str | None
    mentions: list[Mention]

    @property
    def is_partial(self) -> bool:
        """True if only a one-word person name (a surname, perhaps with a suffix: "Trump Jr.") was seen."""
        return self.kind == "person" and len(split_suffix(self.key)[0]) == 1


def role_key(text: str) -> str:
    """Normalized role text: folded, abbreviations expanded, articles and possessives dropped."""
    words = []
    for w in fold(text).replace("'s ", " ").replace("'s", "").split():
        w = _ABBREV.get(w, w)
        if w in ("the", "a", "an"):
            continue
        words.append(w.strip(".,"))
    return " ".join(w for w in words if w)


def _role_words(text: str) -> frozenset[str]:
    out = set()
    for w in text.split():
        hit = title_of(w.strip(",;:"))
        if hit:
            out.add(hit[0])
    return frozenset(out)


class _ArticleView:
    """Token lookups for one annotated article."""

    def __init__(self, doc: AnnotatedArticle) -> None:
        assert doc.annotation is not None
        self.text = doc.article.text
        self.toks: list[Token] = doc.annotation.tokens
        self.starts = [t.start for t in self.toks]
        self.sent_starts = [s.start for s in doc.annotation.sentences]
        self.sentences = doc.annotation.sentences
        self.children: dict[int, list[int]] = {}
        for i, t in enumerate(self.toks):
            if t.head != i:
                self.children.setdefault(t.head, []).append(i)

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Indices [i, j) of the tokens inside a character span."""
        i = bisect_left(self.starts, start)
        j = bisect_left(self.starts, end)
        return i, j

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence holding a character offset."""
        return max(0, bisect_right(self.sent_starts, offset) - 1)

    def word(self, i: int) -> str:
        """Text of token i."""
        t = self.toks[i]
        return self.text[t.start : t.end]

    def subtree(self, i: int) -> list[int]:
        """Indices of the subtree of token i."""
        out, stack = [], [i]
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(self.children.get(k, []))
        return sorted(out)


_OPEN, _CLOSE = "([{", ")]}"
#: Cut points inside a span: text after them is not part of the name ("Obama | Reuters").
_CUT = re.compile(r"\s*[|•·]\s*")
#: One-word common nouns the tagger sometimes labels as a place or organization; never a name alone.
GENERIC_WORDS = frozenset([
    "state", "states", "city", "country", "nation", "county", "province", "region", "government", "capital",
    "territory", "republic", "kingdom", "ministry", "department", "administration", "agency", "party",
])


def _unbracket(piece: str) -> tuple[int, int]:
    """[a, b) of a span without editorial brackets: text before an unmatched closing bracket
    ("Barack] Obama" -> "Obama") and from an unmatched opening one on ("Obama (D" -> "Obama")
    are dropped; matched pairs ("Robert (Bob) Smith") stay."""
    a, b, depth = 0, len(piece), []
    for k, c in enumerate(piece):
        if c in _OPEN:
            depth.append(k)
        elif c in _CLOSE:
            if depth:
                depth.pop()
            else:
                a = k + 1
    if depth:  # unmatched openers, all after a
        b = min(depth)
    return a, max(a, b)


def _clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim a header line glued on, editorial brackets, stray punctuation, a leading
    determiner and a trailing possessive."""
    piece = text[start:end]
    if "\n" in piece:
        cut = piece.rfind("\n") + 1
        start += cut
        piece = piece[cut:]
    m = _CUT.search(piece)
    if m:
        if any(c.isalpha() for c in piece[: m.start()]):
            piece = piece[: m.start()]
        else:
            start += m.end()
            piece = piece[m.end() :]
    a, b = _unbracket(piece)
    start += a
    piece = piece[a:b]
    for _ in range(2):  # '"Obama', 'the "Palestinian Joan of Arc'
        lead = len(piece) - len(piece.lstrip(" \"'“”‘’«»*•-–—_#@:;,.!?"))
        start += lead
        piece = piece[lead:]
        m = re.match(r"(?:the|The|THE)\s+", piece)
        if m and len(piece) > m.end():
            start += m.end()
            piece = piece[m.end() :]
    if "/" in piece:  # photo credits glued by the tagger: "Ronaldo Schemidt/AFP/Getty Images"
        piece = piece[: piece.index("/")]
    stripped = strip_possessive(piece.rstrip(" \"“”‘«»*•_#@:;,!?")).rstrip(" ,;:-–—\"“”«»*")
    stripped = strip_possessive(stripped)
    if stripped.endswith(".") and not re.search(r"(?:\b[A-Z]|\b[JS]r)\.$", stripped):
        stripped = stripped[:-1]
    return start, start + len(stripped)


def plausible_name(kind: str, text: str) -> bool:
    """False for spans that are not names: no capital letter ("distributes marijuana"), a person
    name with a lower-case word that is no surname particle ("Obama signs"), or one generic word
    ("State", "government")."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    if not words or not any(c.isupper() for c in text):
        return False
    if kind == "person" and len(words) < len(text.split()) and not all(
        fold(w).rstrip(".") in SUFFIX_FORMS or any(c.isalpha() for c in w) for w in text.split()
    ):
        return False  # "Pixel 2"
    if len(words) == 1 and fold(words[0]).strip(".") in GENERIC_WORDS:
        return False
    if kind == "person":
        for w in words:
            lw = fold(w)
            if lw in SURNAME_PARTICLES or lw in SUFFIX_FORMS or lw.rstrip(".") in SUFFIX_FORMS:
                continue
            first = next(c for c in w if c.isalpha())
            if not first.isupper() and not any(p[:1].isupper() for p in re.split(r"[-'’]", w)):
                return False
    return True


def _suffix_after(view: _ArticleView, i1: int) -> int:
    """Token index just past a generational suffix written after a name ("Jr.", ", Jr.", "III"), else i1."""
    j = i1
    if j < len(view.toks) and view.word(j) == "," and j + 1 < len(view.toks):
        j += 1
    if j < len(view.toks):
        w = view.word(j)
        if fold(w) in SUFFIX_FORMS and (w[0].isupper() or w[0].isdigit()) and not _ends_sentence(view, j):
            return j + 1
    return i1


def _ends_sentence(view: _ArticleView, j: int) -> bool:
    """True if the token is a roman numeral read as a sentence-final pronoun-like word (never for Jr./Sr.)."""
    w = view.word(j)
    return w in ("II", "III", "IV") and j + 1 < len(view.toks) and view.word(j + 1)[:1].islower()


def _reaches(view: _ArticleView, j: int, lo: int, hi: int, name: set[int]) -> bool:
    """True if token j's head chain reaches the name without leaving tokens [lo, hi)."""
    h, steps = view.toks[j].head, 0
    while lo <= h < hi and h not in name and steps < 12:
        h, steps = view.toks[h].head, steps + 1
    return h in name


def _premodifier_role(view: _ArticleView, i0: int, i1: int) -> tuple[int, int] | None:
    """Token range [a, i0) of a role before a name ("U.S. Secretary of State", "Col.")."""
    name = set(range(i0, i1))
    lo_char = view.sentences[view.sentence_of(view.toks[i0].start)].start
    lo = i0
    while lo > 0 and view.toks[lo - 1].start >= lo_char:
        lo -= 1
    j = i0 - 1
    while j >= lo:
        t = view.toks[j]
        if t.pos in ("DET", "PRON", "VERB", "AUX") or (t.pos == "PUNCT" and view.word(j) != "-"):
            break
        if not (_reaches(view, j, lo, i1, name) or (j == i0 - 1 and is_title(view.word(j)))):
            break
        j -= 1
    # The leftmost start whose phrase is closed: every token's head chain stays inside it.
    first = i0
    for a in range(j + 1, i0):
        if view.toks[a].pos == "ADP":
            continue
        if all(_reaches(view, k, a, i1, name) or (k == i0 - 1 and is_title(view.word(k))) for k in range(a, i0)):
            first = a
            break
    if first == i0 or not any(is_role_word(view.word(k)) for k in range(first, i0)):
        return None
    return first, i0


def _appositive_roles(view: _ArticleView, i0: int, i1: int) -> list[tuple[int, int]]:
    """Token ranges of appositives attached to the name ("..., a key military official,")."""
    out = []
    for h in range(i0, i1):
        for c in view.children.get(h, []):
            t = view.toks[c]
            if t.dep != "appos" or c < i1:
                continue
            sub = view.subtree(c)
            a, b = sub[0], sub[-1] + 1
            while b > a and view.toks[b - 1].pos == "PUNCT":
                b -= 1
            words = [view.word(k) for k in range(a, b)]
            if not words or all(w.isdigit() for w in words):
                continue
            if t.pos == "NOUN" or any(is_role_word(w) for w in words):
                out.append((a, b))
    return out


def _quotes_by_sentence(view: _ArticleView) -> dict[int, list[tuple[str, ...]]]:
    out: dict[int, list[tuple[str, ...]]] = {}
    for m in _QUOTE.finditer(view.text):
        words = tuple(_WORD.findall(fold(m.group(1) or m.group(2) or "")))
        if len(words) < 4:
            continue
        for s in range(view.sentence_of(m.start()), view.sentence_of(m.end() - 1) + 1):
            out.setdefault(s, []).append(words)
    return out


def _name_key(kind: str, text: str) -> tuple[tuple[str, ...], str | None]:
    """Folded key (and owner) of a cleaned mention text."""
    if kind == "person":
        return parse_person_name(text).key, None
    owner = None
    m = re.match(r"^(.+?)['’]s\s+(.+)$", text)
    if m:
        owner_text, text = m.group(1), m.group(2)
        owner = fold(alias_of(owner_text) or owner_text)
    else:
        parts = text.split(" ", 1)
        if len(parts) == 2 and kind == "organization":
            place = alias_of(parts[0]) if "." in parts[0] or parts[0].isupper() else demonym_place(parts[0])
            if place:
                owner, text = fold(place), parts[1]
    canon = alias_of(text)
    return tuple(fold(canon or text).replace(".", "" if looks_like_acronym(text) else ".").split()), owner


def extract_mentions(doc: AnnotatedArticle) -> tuple[list[Mention], list[DemonymMention]]:
    """Name mentions (with roles and nearby quotes) and demonyms of one article.

    Args:
        doc: an annotated English article (articles without annotation give nothing).

    Returns:
        ``(mentions, demonyms)`` in text order.
    """
    if doc.annotation is None:
        return [], []
    view = _ArticleView(doc)
    aid = doc.article.id
    quotes = _quotes_by_sentence(view)
    mentions: list[Mention] = []
    demos: list[DemonymMention] = []
    for e in doc.annotation.entities:
        if e.label == "NORP":
            place = demonym_place(view.text[e.start : e.end])
            if place:
                demos.append(DemonymMention(aid, e.start, e.end, view.text[e.start : e.end], place))
            continue
        kind = KIND_OF_LABEL.get(e.label)
        if kind is None:
            continue
        start, end = _clean_span(view.text, e.start, e.end)
        i0, i1 = view.token_range(start, end)
        if kind == "person":  # leading titles inside the NER span become roles
            while i1 - i0 > 1 and is_title(view.word(i0)):
                i0 += 1
            if i0 < len(view.toks):
                start = max(start, view.toks[i0].start)
            if i1 - i0 > 1 and view.toks[i1 - 1].pos in ("VERB", "AUX"):  # a headline's verb: "Obama Briefed"
                i1, end = i1 - 1, view.toks[i1 - 2].end
            j = _suffix_after(view, i1)
            if j > i1 and i1 > i0:
                i1, end = j, view.toks[j - 1].end
        if end <= start or i1 <= i0:
            continue
        text = view.text[start:end]
        if not plausible_name(kind, text):
            continue
        if kind == "organization" and is_role_word(text.split()[-1]) and not is_role_word(text.split()[0]):
            continue  # "Venezuela's Military Attache": a role, read as an appositive instead
        key, owner = _name_key(kind, text)
        if not key:
            continue
        sent = view.sentence_of(start)
        m = Mention(aid, start, end, text, e.label, kind, key, owner, sent, quotes=quotes.get(sent, []))
        if kind == "person":
            _attach_roles(view, m, i0, i1)
        mentions.append(m)
    return mentions, demos


def _attach_roles(view: _ArticleView, m: Mention, i0: int, i1: int) -> None:
    spans = []
    pre = _premodifier_role(view, i0, i1)
    if pre:
        spans.append((pre, "premodifier"))
    spans += [(r, "appositive") for r in _appositive_roles(view, i0, i1)]
    for (a, b), source in spans:
        s, e = view.toks[a].start, view.toks[b - 1].end
        text = view.text[s:e]
        if "\n" in text:  # a role never runs across a line break (a timestamp, a byline or a caption above it)
            if source == "premodifier":  # keep the line the name is on
                s += text.rfind("\n") + 1
            else:
                e = s + text.find("\n")
            text = view.text[s:e]
            lead = len(text) - len(text.lstrip())
            s, text = s + lead, text.strip()
            e = s + len(text)
            if not any(is_role_word(w) for w in text.split()):
                continue
        m.roles.append(RoleMention(text, s, e, source, role_key(text), _role_words(text)))


def _relabel_person(m: Mention, person: Mention) -> None:
    m.kind = "person"
    m.key = parse_person_name(m.text).key
    m.owner = None


def link_in_article(mentions: list[Mention]) -> list[LocalEntity]:
    """Group one article's mentions into local entities.

    Short and partial person names go to the nearest full name they fit (preceding first);
    one-word ORG/other mentions that equal a person's surname in the article become that
    person (an NER label slip); ORG mentions ending in a person's surname ("Parliament
    Guaidó") are cut to the name; owner-less organizations join the owned one of the same
    name; an acronym joins the organization whose initials it spells.

    Args:
        mentions: the article's mentions in text order.

    Returns:
        Local entities in order of first mention.
    """
    fulls = [m for m in mentions if m.kind == "person" and len(split_suffix(m.key)[0]) >= 2]
    surnames = {split_suffix(m.key)[0][-1] for m in fulls}
    for m in mentions:
        if m.kind == "person" or m.label not in ("ORG", "PERSON", "GPE", "LOC", "FAC"):
            continue
        toks = m.text.split()
        if len(m.key) == 1 and m.key[0] in surnames and m.owner is None:
            if m.kind == "place" and is_major_place(m.text):
                continue  # "Washington", "Jordan": a place that is also a surname stays a place
            _relabel_person(m, m)
        elif len(toks) > 1 and fold(toks[-1]) in surnames and m.owner is None and m.kind == "organization":
            last = toks[-1]
            m.start = m.end - len(last)
            m.text = last
            _relabel_person(m, m)
    groups: dict[tuple[str, tuple[str, ...], str | None], list[Mention]] = {}
    order: list[tuple[str, tuple[str, ...], str | None]] = []
    for m in mentions:
        target: tuple[str, tuple[str, ...], str | None] = (m.kind, m.key, m.owner)
        if m.kind == "person":
            cands = prefer_senior(m.key, [f for f in fulls if f is not m and len(f.key) > len(m.key)
                                          and partial_of(m.key, f.key)], lambda f: f.key)
            if cands:
                before = [f for f in cands if f.start < m.start]
                best = before[-1] if before else cands[0]
                target = ("person", _longest_key(best, fulls), None)
            else:
                target = ("person", _longest_key(m, fulls), None)
        if target not in groups:
            groups[target] = []
            order.append(target)
        groups[target].append(m)
    _merge_orgs(groups, order)
    return [
        LocalEntity(groups[t][0].article_id, t[0], t[1], t[2], groups[t]) for t in order if t in groups
    ]


def prefer_senior(key: tuple[str, ...], cands: list[T], key_of: Callable[[T], tuple[str, ...]]) -> list[T]:
    """Candidates for a short form without a suffix: those without "Jr." when there are any.

    News writes "Trump Jr." for the son and "Trump" for the father, so a bare surname goes to
    "Donald Trump Jr." only when no other full name with that surname is around.
    """
    if split_suffix(key)[1] is not None:
        return cands
    senior = [c for c in cands if not junior_only(key_of(c))]
    return senior or cands


def _longest_key(m: Mention, fulls: list[Mention]) -> tuple[str, ...]:
    """The longest full-name key in the article that ``m`` is a partial form of (or m's own)."""
    best = m.key
    for f in fulls:
        if len(f.key) > len(best) and partial_of(m.key, f.key):
            best = f.key
    return best


def _merge_orgs(
    groups: dict[tuple[str, tuple[str, ...], str | None], list[Mention]],
    order: list[tuple[str, tuple[str, ...], str | None]],
) -> None:
    """Owner-less org forms into the unique owned form; acronyms into the org they abbreviate."""
    targets = [t for t in order if t[0] != "person"]
    for t in targets:
        if t not in groups:
            continue
        _kind, key, owner = t
        into = None
        if owner is None:
            owned = [u for u in targets if u != t and u in groups and u[1] == key and u[2] is not None]
            if len(owned) == 1:
                into = owned[0]
        if into is None and len(key) == 1 and looks_like_acronym(groups[t][0].text):
            acr = key[0].upper()
            full = [u for u in targets if u != t and u in groups and len(u[1]) >= 2 and acronym_of(list(u[1])) == acr]
            if len(full) == 1:
                into = full[0]
        if into is not None:
            groups[into].extend(groups.pop(t))
            groups[into].sort(key=lambda m: m.start)
