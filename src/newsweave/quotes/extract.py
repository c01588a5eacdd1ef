"""Quotation extraction and attribution: who said what, with which cue, in which medium.

Direct quotes are found by scanning quote marks per line (straight, curly,
guillemets, low-9; single quotes nested in double quotes stay part of the
content; top-level single quotes count too), joined over paragraphs when the
next paragraph re-opens the quote without the previous one closing it, and
merged into split quotes (``"…," Silva said. "…"``). Indirect speech
(``X said that …``, ``according to X``, ``…, X said``) is read from the
dependency parse of the stored annotation (:func:`newsweave.annotate.to_doc`).

This is hand-written rather than textacy's ``direct_quotations`` because that
function needs a cue verb adjacent to the quote, ignores guillemets/low-9 marks,
paragraph continuations and indirect speech, and does not attribute pronouns or
anonymous descriptions (the benchmark ``bench/bench_quotes.py`` compares both).

Speakers are classified as ``named`` (a proper name), ``pronoun`` (resolved to
the nearest *compatible* named speaker before it: gender from honorifics and
from the pronouns the article uses for that name, number for ``they``),
``anonymous`` (a description such as "a senior White House official", kept as
such) or ``unknown``. A caller may pass a speaker resolver (a callable or a
mapping from ``(article_id, start, end)`` to an entity id) so that entity
resolution, where it exists, names the speaker; otherwise the surface name is used.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsweave.models import AnnotatedArticle, Span, content_id
from newsweave.quotes.marks import _trim, find_marked_quotes
from newsweave.quotes.model import (
    Quote,
    QuoteKind,
    QuoteParams,
    SpeakerResolver,
    load_lexicon,
)
from newsweave.quotes.speakers import (
    SPEAKER_DEPS,
    Speaker,
    make_speaker,
    person_genders,
    resolve_pronouns,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.tokens import Token as SpacyToken

#: Bump with every change to what :func:`extract_quotes` finds (rules, cue lexicon, ``quotes_params.json``'s
#: "extract" part): the quotes stage stores each article's extraction under this version and extracts again
#: only when it changes.
EXTRACT_VERSION = "quotes-extract/1"



# ---------------------------------------------------------------------------
# token helpers
# ---------------------------------------------------------------------------


class _Index:
    """Character-offset lookups over a spaCy Doc rebuilt from a stored annotation."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.starts = [t.idx for t in doc]
        self.ends = [t.idx + len(t.text) for t in doc]

    def tokens_in(self, start: int, end: int) -> list[SpacyToken]:
        """Tokens lying entirely inside ``[start, end)``."""
        a = bisect_left(self.starts, start)
        b = bisect_right(self.ends, end)
        return [self.doc[i] for i in range(a, b) if self.starts[i] >= start and self.ends[i] <= end]

    def token_at(self, char: int) -> int:
        """Index of the token containing or following ``char``."""
        return min(bisect_right(self.starts, char) - 1 if char >= 0 else 0, len(self.starts) - 1)


# ---------------------------------------------------------------------------
# cues and frames
# ---------------------------------------------------------------------------

_MEDIUM_RE_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def _medium_re(media: list[str]) -> re.Pattern[str]:
    key = tuple(media)
    if key not in _MEDIUM_RE_CACHE:
        alts = "|".join(sorted((re.escape(m) for m in media), key=len, reverse=True))
        _MEDIUM_RE_CACHE[key] = re.compile(
            r"\b(?:in|during|at|on|via|through|from)\s+(?:(?:a|an|the|his|her|their|its|this|that)\s+)?"
            r"(?:[\w’'.-]+\s+){0,3}?(?:" + alts + r")s?\b",
            re.IGNORECASE,
        )
    return _MEDIUM_RE_CACHE[key]


def _find_medium(text: str, lo: int, hi: int, media: list[str]) -> tuple[str, Span] | None:
    m = _medium_re(media).search(text, lo, hi)
    if m is None:
        return None
    return m.group(0), Span(m.start(), m.end())


def _is_cue(tok: SpacyToken, cues: frozenset[str]) -> bool:
    return (tok.lemma_.lower() in cues and tok.pos_ in {"VERB", "AUX", "NOUN"} and tok.pos_ != "NOUN") or (
        tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children)
    )


def _cue_span(tok: SpacyToken) -> Span:
    if tok.lower_ == "according":
        to = next((c for c in tok.children if c.lower_ == "to"), None)
        if to is not None:
            return Span(tok.idx, to.idx + len(to.text))
    return Span(tok.idx, tok.idx + len(tok.text))


def _speaker_of(cue: SpacyToken) -> SpacyToken | None:
    if cue.lower_ == "according":
        to = next((c for c in cue.children if c.lower_ == "to"), None)
        if to is not None:
            return next((c for c in to.children if c.dep_ == "pobj"), None)
        return None
    # "Silva called on …, saying …" / "… and added": inherit the subject of the governing verb
    for verb in _governing_verbs(cue):
        for child in verb.children:
            if child.dep_ in SPEAKER_DEPS:
                return _relative_antecedent(child)
    # "Bolton, saying he would serve": a participle on a name or a description speaks for it
    if cue.dep_ == "acl" and cue.tag_ == "VBG" and cue.head.pos_ in {"PROPN", "NOUN"} and cue.head.i < cue.i:
        return cue.head
    return None


def _governing_verbs(cue: SpacyToken, depth: int = 3) -> list[SpacyToken]:
    """The cue and the verbs it hangs from as a coordinated, adverbial or open clause ("said … and added")."""
    out = [cue]
    verb = cue
    for _ in range(depth):
        head = verb.head
        if verb.dep_ not in {"conj", "advcl", "xcomp"} or head.pos_ not in {"VERB", "AUX"} or head.i == verb.i:
            break
        verb = verb.head
        out.append(verb)
    return out


def _relative_antecedent(tok: SpacyToken) -> SpacyToken:
    """``who``/``which``/``that`` as a subject stands for the noun its relative clause modifies."""
    if tok.tag_ in {"WP", "WDT"} and tok.head.dep_ == "relcl" and tok.head.head.i != tok.head.i:
        return tok.head.head
    return tok


def _relative_pronoun(cue: SpacyToken, speaker: SpacyToken) -> SpacyToken | None:
    """The relative pronoun (``who``, ``which``, ``that``) through which ``speaker`` is the cue's subject."""
    for verb in _governing_verbs(cue):
        for child in verb.children:
            if child.dep_ in SPEAKER_DEPS and child.i != speaker.i and _relative_antecedent(child).i == speaker.i:
                return child
    return None


@dataclass(slots=True)
class _Frame:
    cue: SpacyToken
    speaker: SpacyToken | None
    lo: int
    hi: int
    #: end of the cue when a particle or preposition belongs to it ("called for", "pointed out")
    cue_end: int | None = None


#: subordinators that make a cue a condition or a question, not a statement
_CONDITIONAL = frozenset({"if", "unless", "whether", "until"})

#: dependents of a cue verb that hold what was said, asked, refused or shown ("denied the report",
#: "called for a ban", "declined to comment", "asked him to leave", "showed Clinton with a lead")
_COMPLEMENT_DEPS = frozenset({"dobj", "dative", "xcomp", "ccomp", "prep", "prt", "oprd", "attr", "acomp"})


def _complement(
    tok: SpacyToken,
    preps: frozenset[str],
    addressee: frozenset[str] = frozenset(),
    naming: bool = False,
) -> tuple[list[SpacyToken], int | None]:
    """The right-hand complements of a cue verb whose object is the content, and the cue's end.

    The complements are the verb's dependents after it up to the first that is not a complement
    (a comma, a coordinated verb, an adverbial clause); a particle or a preposition right after
    the verb that belongs to the cue ("called for", "calling on", "pointed out") extends the cue
    instead of the content. A ``naming`` verb ("ask", "call") needs more than a bare object, which
    is whom it addresses or names ("asked the senator", "calls itself"): a second complement
    ("asked him to leave", "called the plan a disaster") or its own preposition ("called for a ban").
    """
    kids: list[SpacyToken] = []
    for c in tok.rights:
        if c.dep_ not in _COMPLEMENT_DEPS:
            break
        kids.append(c)
    cue_end: int | None = None
    nxt = tok.i + 1
    toks: list[SpacyToken] = []
    for c in kids:
        if c.dep_ == "prep" and c.lower_ in addressee:
            continue  # "wrote to the committee", "spoke with reporters": whom it was said to
        if c.i == nxt and c.dep_ in {"prt", "prep"} and c.lower_ in preps:
            cue_end = c.idx + len(c.text)
            nxt += 1
            toks += [t for t in c.subtree if t.i != c.i]
            continue
        toks += list(c.subtree)
    if naming and cue_end is None:
        objs = [c for c in kids if c.dep_ in {"dobj", "dative"}]
        if any(o.lower_.endswith(("self", "selves")) for o in objs) or not any(
            c.dep_ in {"oprd", "xcomp", "ccomp"} or (c.dep_ == "prep" and c.lower_ == "as") for c in kids
        ):
            return [], None
    return toks, cue_end


def _frame_in(idx: _Index, lo: int, hi: int, cues: frozenset[str], prefer_last: bool) -> _Frame | None:
    """The reporting frame (cue verb and its subject) among the tokens in ``[lo, hi)``."""
    toks = idx.tokens_in(lo, hi)
    cands = [t for t in toks if _is_cue(t, cues)]
    if not cands:
        return None
    with_subj = [t for t in cands if _speaker_of(t) is not None]
    pool = with_subj or cands
    cue = pool[-1] if prefer_last else pool[0]
    spk = _speaker_of(cue)
    if spk is None:
        # parse gave no subject: take the nearest name in the frame
        nouns = [t for t in toks if t.pos_ == "PROPN" and t.dep_ not in {"compound", "poss", "flat"}]
        if nouns:
            spk = min(nouns, key=lambda t: abs(t.i - cue.i))
    return _Frame(cue, spk, lo, hi)


def _sentence_end(text: str, idx: _Index, start: int, limit: int) -> int:
    """End of the sentence that begins at ``start`` (a ``. ! ?`` token), capped at ``limit``."""
    for t in idx.tokens_in(start, limit):
        if t.text in {".", "!", "?"}:
            return t.idx + 1
    return limit


def _sentence_start(text: str, idx: _Index, end: int, limit: int) -> int:
    """Start of the text after the last ``. ! ?`` token in ``[limit, end)``."""
    toks = idx.tokens_in(limit, end)
    for t in reversed(toks):
        if t.text in {".", "!", "?"}:
            return t.idx + 1
    return limit


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, (len(text) if b < 0 else b)


#: words that introduce a name in quotes: a show, a book, a law, a slogan, a nickname
_TITLE_INTRO = frozenset({"on", "in", "titled", "entitled", "called", "dubbed", "named", "nicknamed", "book",
                          "film", "movie", "show", "program", "programme", "series", "song", "album", "act",
                          "law", "bill", "slogan", "campaign", "hashtag", "headline", "documentary", "podcast",
                          "op-ed", "column", "essay", "article", "report", "memo", "operation", "the",
                          # addressee or venue: "told 'Face the Nation'", "in an interview with 'Meet the Press'"
                          "told", "to", "with", "joined", "at", "for", "from", "via", "by"})
_SMALL_WORDS = frozenset({"a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "for", "with", "by", "from",
                          "vs", "vs.", "de", "la", "le"})
_TITLE_WORDS = re.compile(r"[\w'’.-]+")


def is_title(text: str, idx: _Index, content: Span) -> bool:
    """Whether a quoted span names a work, a law, a show or a slogan rather than reporting words.

    A title is short (at most eight words), in title case (every word but the small ones
    capitalized) and either has no verb (two words or more) or follows a word that introduces a name ("on
    'Face the Nation'", "the book 'Fire and Fury'", "the slogan 'Make America Great Again'").
    """
    quoted = text[content.start : content.end].strip(" .,;:!?")
    words = _TITLE_WORDS.findall(quoted)
    if not words or len(words) > 8:
        return False
    if not all(w[:1].isupper() or w.lower() in _SMALL_WORDS or not w[:1].isalpha() for w in words):
        return False
    if not words[0][:1].isupper():
        return False
    has_verb = any(t.pos_ in ("VERB", "AUX") for t in idx.tokens_in(content.start, content.end))
    # the word before the opening mark, with no punctuation between ("told: 'We will win'" is speech)
    before = text[max(0, content.start - 40) : content.start].rstrip("\"'“”‘’«»„").rstrip(" ").split(" ")
    introduced = before[-1].lower() in _TITLE_INTRO
    if len(words) == 1:  # "Absurd," he said: one word is a title only where something names it as one
        return introduced
    return not has_verb or introduced


def _word_count(s: str) -> int:
    return len(re.findall(r"\w+", s))


# ---------------------------------------------------------------------------
# extraction
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    quote: Quote
    frame: _Frame | None
    speaker: Speaker | None = None


def _resolve_entity(resolver: SpeakerResolver | None, article_id: str, span: Span | None) -> str | None:
    if resolver is None or span is None:
        return None
    key = (article_id, span.start, span.end)
    if isinstance(resolver, Mapping):
        return resolver.get(key)
    return resolver(*key)


def extract_quotes(
    item: AnnotatedArticle,
    nlp: Language | None = None,
    *,
    resolver: SpeakerResolver | None = None,
    params: QuoteParams | None = None,
) -> list[Quote]:
    """Extract direct, partial and indirect quotes from one annotated article.

    Args:
        item: an article with its stored spaCy annotation (non-English items
            without annotation yield no quotes).
        nlp: the spaCy pipeline whose vocabulary rebuilds the Doc
            (default :func:`newsweave.annotate.load_nlp`).
        resolver: optional map from a speaker's name span ``(article_id, start,
            end)`` to an entity id (a callable returning ``None`` when unknown,
            or a mapping); without it speakers carry their surface name only.
        params: extractor options (default :meth:`QuoteParams.default`).

    Returns:
        Quotes in text order, each with content, cue, speaker and medium spans.
    """
    if item.annotation is None or not item.annotation.tokens:
        return []
    from newsweave.annotate.nlp import load_nlp, to_doc

    params = params or QuoteParams.default()
    lex = load_lexicon()
    anon_heads = set(lex["anonymous_heads"])
    media = lex["media"]
    text = item.article.text
    aid = item.article.id
    doc = to_doc(text, item.annotation, nlp or load_nlp())
    idx = _Index(doc)
    cues = params.cue_lemmas

    marked = find_marked_quotes(text)
    drafts: list[_Draft] = []
    used_cues: set[int] = set()
    prev_close = 0
    for n, mq in enumerate(marked):
        first, last = mq.parts[0], mq.parts[-1]
        line_lo, _ = _line_bounds(text, mq.outer.start)
        _, line_hi = _line_bounds(text, max(mq.outer.end - 1, mq.outer.start))
        nxt_open = marked[n + 1].outer.start if n + 1 < len(marked) else len(text)
        after_hi = min(line_hi, nxt_open)
        after_end = _sentence_end(text, idx, mq.outer.end, after_hi)
        before_lo = max(line_lo, prev_close)
        before_start = _sentence_start(text, idx, mq.outer.start, before_lo)
        last_close, prev_close = prev_close, mq.outer.end
        content_text = " ".join(text[p.start : p.end] for p in mq.parts)
        if len(mq.parts) == 1 and is_title(text, idx, first):
            continue  # "Face the Nation", "Fire and Fury": a name in quotes, not someone's words
        frame = _frame_in(idx, mq.outer.end, after_end, cues, prefer_last=False)
        if frame is None:
            frame = _frame_in(idx, before_start, mq.outer.start, cues, prefer_last=True)
        if frame is None and not text[line_lo : mq.outer.start].strip():
            # a quote paragraph introduced by the previous one ending in a colon ("Cruz called them on it:")
            prev_end = len(text[:line_lo].rstrip())
            if prev_end > 0 and text[prev_end - 1] == ":" and prev_end > last_close:
                p_lo, _ = _line_bounds(text, prev_end - 1)
                p_start = _sentence_start(text, idx, prev_end - 1, max(p_lo, last_close))
                frame = _frame_in(idx, p_start, prev_end, cues, prefer_last=True)
        before_txt = text[before_start : mq.outer.start].strip()
        after_txt = text[mq.outer.end : after_end].strip(" .\n")
        # partial: the quote is embedded in a sentence of the reporter's own words
        starts_lower = text[first.start : first.start + 1].islower()
        embedded = (
            bool(before_txt)
            and not before_txt.endswith((":", ",", "—", "–", "-"))
            and (before_txt[-1:].isalnum() or before_txt[-1:] in "’'")
        )
        kind: QuoteKind = "partial" if (starts_lower or embedded) else "direct"
        if frame is None and kind == "partial":
            # the sentence around a partial quote may hold the cue anywhere
            s_lo = _sentence_start(text, idx, mq.outer.start, line_lo)
            s_hi = _sentence_end(text, idx, mq.outer.end, line_hi)
            frame = _frame_in(idx, s_lo, s_hi, cues, prefer_last=True)
        if (frame is None or frame.speaker is None) and _word_count(content_text) < params.min_unattributed_words:
            continue  # a short phrase in quotes with no one saying it ("so-called 'experts'") is not a statement
        if frame is None and (
            _word_count(content_text) < params.min_unattributed_words
            or (kind == "partial" and after_txt and not after_txt[:1].isupper())
        ):
            continue  # a title, a scare quote or a term in quotes, not a statement
        conf = 0.9 if frame is not None and frame.speaker is not None else 0.4
        q = Quote(
            article_id=aid,
            kind=kind,
            content=Span(first.start, last.end),
            parts=list(mq.parts),
            outer=mq.outer,
            text=content_text,
            confidence=conf if mq.closed else conf - 0.2,
        )
        if kind == "partial" and frame is not None:
            q.clause = _reported_clause(idx, frame.cue, mq.outer, text)
        drafts.append(_Draft(q, frame))
    drafts = _merge_split(drafts, text)
    quoted = [d.quote.outer for d in drafts]
    for d in drafts:
        if d.frame is not None:
            used_cues.add(d.frame.cue.i)
    if params.include_indirect:
        drafts += _indirect(doc, idx, text, aid, cues, quoted, used_cues, params)
    drafts.sort(key=lambda d: d.quote.content.start)
    _attribute(drafts, doc, text, anon_heads, media, params)
    genders = person_genders(doc)
    resolve_pronouns([(d.quote, d.speaker) for d in drafts], doc, genders)
    quotes = [d.quote for d in drafts]
    link_speakers(quotes, resolver)
    return quotes


def link_speakers(quotes: Sequence[Quote], resolver: SpeakerResolver | None) -> None:
    """Set each quote's ``speaker_entity_id`` from ``resolver`` (``None`` without one).

    ``quotes`` are one article's, as :func:`extract_quotes` returns them: linking is the last step of
    extraction, so a stage may store extractions without entity ids and link them again when the
    entities change.
    """
    for q in quotes:
        ref = q.speaker_ref if q.speaker_ref is not None else (q.speaker if q.speaker_kind == "named" else None)
        q.speaker_entity_id = _resolve_entity(resolver, q.article_id, ref)
    # a name the resolver missed once takes the entity the same name got elsewhere in the article
    by_name: dict[str, set[str]] = {}
    for q in quotes:
        if q.speaker_text and q.speaker_entity_id and q.speaker_kind != "anonymous":
            by_name.setdefault(q.speaker_text, set()).add(q.speaker_entity_id)
    for q in quotes:
        ids = by_name.get(q.speaker_text or "", set())
        if q.speaker_entity_id is None and q.speaker_kind != "anonymous" and len(ids) == 1:
            q.speaker_entity_id = next(iter(ids))


def _reported_clause(idx: _Index, cue: SpacyToken, outer: Span, text: str) -> Span | None:
    """The cue's complement that holds a partial quote: ``said that fraud is "a big problem"``."""
    toks = idx.tokens_in(outer.start, outer.end)
    if not toks:
        return None
    tok = toks[0]
    while tok.head.i != tok.i and tok.head.i != cue.i:
        tok = tok.head
    if tok.head.i != cue.i or tok.i == cue.i or tok.dep_ in SPEAKER_DEPS | {"punct", "aux", "neg", "advmod"}:
        return None
    sent = cue.sent
    sub = [t for t in tok.subtree if sent.start <= t.i < sent.end]
    a = min(t.idx for t in sub)
    b = max(t.idx + len(t.text) for t in sub)
    a, b = min(a, outer.start), max(b, outer.end)
    s, e = _trim(text, a, b, " \t\n,;:-—–")
    return Span(s, e) if s < e else None


def _merge_split(drafts: list[_Draft], text: str) -> list[_Draft]:
    """Join ``"A," X said. "B"``: B has no frame of its own and only the frame lies between."""
    out: list[_Draft] = []
    for d in drafts:
        if out:
            p = out[-1]
            gap = text[p.quote.outer.end : d.quote.outer.start]
            same_para = "\n" not in gap
            gap_is_frame = (
                p.frame is not None
                and p.frame.lo >= p.quote.outer.end
                and p.frame.hi <= d.quote.outer.start + 1
                and _word_count(gap) <= 30
            )
            # B has no frame of its own: none, or the very frame of A found again before B ("“A,” X said. “B”");
            # another cue in between ("“A,” X said. Y told reporters: “B”") makes B someone else's words
            d_frameless = d.frame is None or (p.frame is not None and d.frame.cue.i == p.frame.cue.i)
            if (
                same_para
                and gap_is_frame
                and d_frameless
                and p.quote.kind == "direct"
                and d.quote.kind == "direct"
            ):
                q = p.quote
                q.parts = q.parts + d.quote.parts
                q.content = Span(q.content.start, d.quote.content.end)
                q.outer = Span(q.outer.start, d.quote.outer.end)
                q.text = q.text + " " + d.quote.text
                q.id = content_id(f"{q.article_id}:{q.content.start}:{q.content.end}", "quote_")
                continue
        out.append(d)
    return out


def _overlaps(span: Span, spans: Iterable[Span]) -> bool:
    return any(span.start < s.end and s.start < span.end for s in spans)


def _indirect(
    doc: Doc,
    idx: _Index,
    text: str,
    aid: str,
    cues: frozenset[str],
    quoted: list[Span],
    used_cues: set[int],
    params: QuoteParams,
) -> list[_Draft]:
    """Indirect speech from the parse: ``X said (that) …``, ``according to X, …``, ``…, X said``."""
    out: list[_Draft] = []
    lex = load_lexicon()
    object_cues = frozenset(lex.get("object_cues", ()))
    finding = frozenset(lex.get("finding", ()))
    finding_sources = frozenset(lex.get("finding_sources", ()))
    naming = frozenset(lex.get("naming_cues", ()))
    preps = frozenset(lex.get("cue_preps", ()))
    addressee = frozenset(lex.get("addressee_preps", ()))
    for tok in doc:
        if tok.i in used_cues or not _is_cue(tok, cues):
            continue
        lemma = tok.lemma_.lower()
        if any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL for c in tok.children):
            continue  # "… if Maduro does not call for an election": a condition, not something said
        tspan = Span(tok.idx, tok.idx + len(tok.text))
        if _overlaps(tspan, quoted):
            continue
        sent = tok.sent
        par_lo, par_hi = _line_bounds(text, tok.idx)
        lo, hi = max(sent.start_char, par_lo), min(sent.end_char, par_hi)
        content_tok: SpacyToken | None = None
        exclude: SpacyToken | None = None
        toks: list[SpacyToken] | None = None
        cue_end: int | None = None
        by_agent: SpacyToken | None = None
        agent = next((c for c in tok.children if c.dep_ == "agent"), None)
        subj_pass = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
        if agent is not None and subj_pass is not None and lemma in object_cues:
            # "the plan was criticized by Democrats", "first reported by the Miami Herald": the agent is the source
            by_agent = next((c for c in agent.children if c.dep_ == "pobj"), None)
        if by_agent is not None and subj_pass is not None:
            toks = list(subj_pass.subtree)
        elif tok.lower_ == "according":
            head = tok.head
            if head.i == tok.i or head.pos_ not in {"VERB", "AUX"}:
                continue
            content_tok, exclude = head, tok
        else:
            comps = sorted((c for c in tok.children if c.dep_ == "ccomp"), key=lambda c: c.i < tok.i)
            if comps:
                content_tok = comps[0]
            elif (
                (tok.dep_ == "parataxis" or (tok.dep_ == "ccomp" and not _is_cue(tok.head, cues)))
                and (tok.head.i < tok.i or tok.dep_ == "parataxis")
                and tok.head.pos_ in {"VERB", "AUX"}
                and any(c.dep_ == "nsubj" for c in tok.children)
            ):
                content_tok, exclude = tok.head, tok
            elif (
                lemma in object_cues
                and tok.pos_ == "VERB"
                and (spk0 := _speaker_of(tok)) is not None
                # "records show …" but not "Trump showed restraint" or "footage showed the gorilla dragging the
                # boy": a finding's object needs a source that states findings (a poll, a report, records)
                and (lemma not in finding or spk0.lemma_.lower() in finding_sources)
            ):
                # "denied the report", "called for a ban", "declined to comment", "a poll showed Clinton ahead"
                toks, cue_end = _complement(tok, preps, addressee, lemma in naming)
                if not toks:
                    continue
        if content_tok is None and toks is None:
            continue
        if toks is None:
            assert content_tok is not None
            toks = [t for t in content_tok.subtree if exclude is None or t not in set(exclude.subtree)]
        toks = [t for t in toks if lo <= t.idx < hi]
        if exclude is not None:
            ex = [t.i for t in exclude.subtree]
            before = [t for t in toks if t.i < min(ex)]
            after = [t for t in toks if t.i > max(ex)]
            # "X, he said." / "According to Y, X." keep one side; "X, he said, Y" covers both
            if not any(not t.is_punct for t in after):
                toks = before
            elif not any(not t.is_punct for t in before):
                toks = after
        words = [t for t in toks if not t.is_punct]
        # "declined to comment", "denied the claims": an object frame states its content in fewer words
        if len(words) < params.min_indirect_tokens - (1 if content_tok is None else 0):
            continue
        a = min(t.idx for t in toks)
        b = max(t.idx + len(t.text) for t in toks)
        s, e = _trim(text, a, b, " \t\n,;:-—–.")
        if s >= e:
            continue
        content = Span(s, e)
        if _overlaps(content, quoted):
            continue
        spk = by_agent or _speaker_of(tok)
        if spk is None:
            continue  # "(or finding an insurer willing to …)": no one states it, so it is no statement
        rel = _relative_pronoun(tok, spk)
        if by_agent is None and spk is not None and (rel or spk).dep_ == "nsubjpass":
            continue  # "the sanctions would be announced": a passive, no one is reported
        frame = _Frame(tok, spk, lo, hi, cue_end)
        q = Quote(
            article_id=aid,
            kind="indirect",
            content=content,
            parts=[content],
            outer=content,
            text=text[s:e],
            confidence=0.7,
        )
        out.append(_Draft(q, frame))
        used_cues.add(tok.i)
    out += _nominal(doc, text, aid, frozenset(lex.get("nominal_cues", ())), quoted, params)
    return out


def _nominal(
    doc: Doc, text: str, aid: str, nouns: frozenset[str], quoted: list[Span], params: QuoteParams
) -> list[_Draft]:
    """Nouns of saying with a source and a "that"-clause: ``Trump's claim that …``, ``a denial by X that …``."""
    out: list[_Draft] = []
    for tok in doc:
        if tok.pos_ != "NOUN" or tok.lemma_.lower() not in nouns:
            continue
        clause = next(
            (c for c in tok.rights if c.dep_ in {"acl", "ccomp", "relcl"}
             and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)),
            None,
        )
        spk = next((c for c in tok.children if c.dep_ == "poss"), None)
        if spk is None:  # "a claim by Trump that …"
            by = next((c for c in tok.rights if c.dep_ == "prep" and c.lower_ in {"by", "from"}), None)
            spk = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
        if clause is None or spk is None:
            continue  # no one named, or no reported content: a claim in general is no statement
        par_lo, par_hi = _line_bounds(text, tok.idx)
        lo, hi = max(tok.sent.start_char, par_lo), min(tok.sent.end_char, par_hi)
        toks = [t for t in clause.subtree if lo <= t.idx < hi]
        if sum(1 for t in toks if not t.is_punct) < params.min_indirect_tokens:
            continue
        s, e = _trim(text, min(t.idx for t in toks), max(t.idx + len(t.text) for t in toks), " \t\n,;:-—–.")
        content = Span(s, e)
        if s >= e or _overlaps(content, quoted):
            continue
        q = Quote(article_id=aid, kind="indirect", content=content, parts=[content], outer=content,
                  text=text[s:e], confidence=0.6)
        out.append(_Draft(q, _Frame(tok, spk, lo, hi)))
    return out


def _attribute(
    drafts: list[_Draft], doc: Doc, text: str, anon_heads: set[str], media: list[str], params: QuoteParams
) -> None:
    """Fill cue, speaker, medium; carry the speaker over to frameless quote paragraphs."""
    last: _Draft | None = None
    for d in drafts:
        q = d.quote
        if d.frame is not None:
            cue = d.frame.cue
            q.cue = _cue_span(cue)
            if d.frame.cue_end is not None:
                q.cue = Span(q.cue.start, d.frame.cue_end)
            q.cue_text = text[q.cue.start : q.cue.end]
            if d.frame.speaker is not None:
                lo = min(d.frame.lo, d.frame.speaker.idx)
                hi = max(d.frame.hi, d.frame.speaker.idx + 1)
                spk = make_speaker(d.frame.speaker, lo, hi, text, anon_heads, cue=cue)
                if _overlaps(spk.span, [q.outer]):
                    spk.span = spk.core
                d.speaker = spk
                q.speaker = spk.span
                q.speaker_kind = spk.kind
                q.speaker_text = spk.text if spk.kind != "pronoun" else None
                if spk.kind == "named":
                    q.speaker_ref = spk.core
                rel = _relative_pronoun(cue, d.frame.speaker)
                if rel is not None and spk.kind != "pronoun":
                    # "records that show …", "Sanders, who said …": the mention is the relative pronoun,
                    # its antecedent names the source (as a resolved pronoun would)
                    q.speaker = Span(rel.idx, rel.idx + len(rel.text))
                    q.speaker_ref = spk.core if spk.kind == "named" else spk.span
            # the medium is a modifier of the cue ("said in a video"), not anything in the sentence
            sub = [t for t in cue.subtree if t.sent == cue.sent]
            zone_lo = min(t.idx for t in sub)
            zone_hi = max(t.idx + len(t.text) for t in sub)
            found = _find_medium(text, zone_lo, zone_hi, media)
            if found is not None and not _overlaps(found[1], q.parts):
                q.medium, q.medium_span = found
            elif cue.lemma_.lower() == "tell":
                obj = next((c for c in cue.children if c.dep_ in {"dobj", "dative"}), None)
                if obj is not None and obj.pos_ == "PROPN":
                    q.medium_span = Span(cue.idx, obj.idx + len(obj.text))
                    q.medium = text[q.medium_span.start : q.medium_span.end]
        elif (
            params.frameless_carry
            and last is not None
            and last.speaker is not None
            and q.kind == "direct"
            and last.quote.kind == "direct"
            and text.count("\n\n", last.quote.outer.end, q.outer.start) <= 1
            and _word_count(text[last.quote.outer.end : q.outer.start]) <= 3
        ):
            # a quote paragraph right after another speaker's quote continues that speaker
            src = last.quote
            q.speaker_kind = src.speaker_kind
            q.speaker_text = src.speaker_text
            q.speaker_ref = src.speaker_ref
            q.speaker = None
            q.confidence = 0.5
            d.speaker = last.speaker
        if d.speaker is not None:
            last = d

