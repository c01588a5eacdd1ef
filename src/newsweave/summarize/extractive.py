"""Cited, extractive multi-document summary of one story.

Steps, over the English articles of one story:

1. **Candidates**: the sentences of each article (spaCy's, cut at line breaks,
   a leading dateline trimmed), minus page furniture: photo captions and
   credits, share/subscribe lines, contributor notes, template markup,
   headings without a verb, and lines repeated inside one article (captions).
   Why each one was dropped is logged.
2. **Support**: an article supports a candidate when one of its own sentences
   says the same thing: cosine of MiniLM embeddings
   (:func:`newsweave.annotate.embeddings.english_encoder`) or Dice overlap of content
   lemmas above a threshold. A caller may add support found elsewhere
   (``support=``, e.g. from the corroboration stage).
3. **Score**: centrality (cosine to the story centroid), corroboration by
   *independent* sources (an article that copied another, per ``origin_of``
   from the reuse stage, adds nothing) and a lead-position prior.
   In a very large story (more candidates than ``SummaryOptions.max_pool``) only
   the most central, lead-weighted candidates compete; their support is still
   searched among all sentences, a block of rows at a time (never an n x n matrix).
4. **Select** with Maximal Marginal Relevance; a sentence equivalent to one
   already chosen is never picked again. Each pick is replaced by the
   earliest independent wording of the same statement (earliest published
   non-copy; unknown dates rank after known ones).
5. **Order** chronologically by source, then by position in the article.

Every output sentence cites the article and span it was taken from and the
sentence of every supporting article. MMR and the scoring are a few lines of
numpy written here because no maintained summarization library (sumy, for
one) tracks support, citations or copy origins.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from newsweave.models import AnnotatedArticle, Article, Span
from newsweave.textutil import is_caption

logger = logging.getLogger(__name__)

#: ``support(article_id, span) -> ids of other articles that support that sentence``.
SupportFn = Callable[[str, Span], Iterable[str]]


class Encoder(Protocol):
    """Anything that embeds texts as unit vectors (as :mod:`newsweave.annotate.embeddings` does)."""

    def encode(self, texts: Sequence[str], batch_size: int = ...) -> np.ndarray:
        """Embed ``texts``; returns an ``(n, d)`` array of unit vectors."""
        ...


@dataclass(slots=True)
class SummaryOptions:
    """Parameters of :func:`summarize_story`.

    Defaults: within 0.002 mean ROUGE F1 of the best grid point on 300 NeuS train
    roundups (bench/bench_summary.py --tune), keeping the preference for
    corroborated and lead sentences that ROUGE on NeuS neither rewards nor punishes.

    Attributes:
        support_cos: embedding cosine at which two sentences say the same thing.
        support_lex: Dice overlap of content lemmas at which they say the same thing.
        support_cos_pair, support_lex_pair: lower cosine and overlap that together
            also make two sentences say the same thing (MiniLM's cosine alone is not
            discriminative between 0.65 and 0.85).
        redundancy_cos: similarity to a chosen sentence above which a candidate is redundant.
        mmr_lambda: weight of relevance against novelty in MMR.
        w_central: weight of centrality (cosine to the story centroid).
        w_corroboration: weight of the share of independent sources that support a sentence.
        w_position: weight of the lead prior ``1 / (1 + position in article)``.
        use_titles: let article headlines pull the story centroid.
        min_words: candidates with fewer words are dropped.
        max_sentence_words: candidates with more words are dropped (run-on text, lists).
        max_pool: in a story with more candidates than this, only this many (the highest by
            centrality and lead prior) compete for selection; support for them is still
            searched among all candidates. Bounds memory and time (a Timeline17 storyline
            holds tens of thousands of sentences); ordinary stories are far below it.
    """

    support_cos: float = 0.85
    support_lex: float = 0.6
    support_cos_pair: float = 0.65
    support_lex_pair: float = 0.33
    redundancy_cos: float = 0.8
    mmr_lambda: float = 0.7
    w_central: float = 1.0
    w_corroboration: float = 0.5
    w_position: float = 0.5
    use_titles: bool = False
    min_words: int = 5
    max_sentence_words: int = 80
    max_pool: int = 1500


@dataclass(slots=True, frozen=True)
class Evidence:
    """One cited span: an article id and a character span into its text."""

    article_id: str
    span: Span
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The dossier's evidence form."""
        return {
            "article_id": self.article_id,
            "start": self.span.start,
            "end": self.span.end,
            "text": self.text,
        }


@dataclass(slots=True)
class SummarySentence:
    """One summary sentence, taken verbatim from ``article_id`` at ``span``.

    ``article_ids`` lists every article that supports it, its own first;
    ``evidence`` holds the supporting sentence of each of them (same order);
    ``independent_sources`` counts them after merging copies into their origin.
    """

    text: str
    article_id: str
    span: Span
    article_ids: list[str]
    evidence: list[Evidence]
    independent_sources: int
    score: float
    story_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The dossier's ``summary`` item form."""
        return {
            "text": self.text,
            "article_ids": list(self.article_ids),
            "story_id": self.story_id,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class Candidate:
    """A sentence that may enter the summary."""

    article_id: str
    article_index: int
    position: int
    span: Span
    text: str
    lemmas: frozenset[str] = field(default_factory=frozenset)


# --- candidates ---------------------------------------------------------------

_FURNITURE = re.compile(
    r"^\s*(?:share this|share on|share:|follow us|click here|sign up|subscribe|read more|related\s*:|"
    r"advertisement|latest news|published\s*:|updated\s*:|photo\s*:|image\s*:|file photo|"
    r"all rights reserved|copyright\b|©|this material may not be (?:published|broadcast))",
    re.IGNORECASE,
)
_CONTRIBUTED = re.compile(r"contributed (?:to )?(?:this|the) (?:article|report|story)", re.IGNORECASE)
#: a newsletter or alert offer anywhere in the line ("... delivered to your inbox Monday through Friday")
_SIGN_UP = re.compile(r"\b(?:delivered|sent|straight|directly) to your inbox\b|\bsign up (?:for|to) (?:our|the) "
                      r"[\w ]{0,40}?(?:newsletter|alerts?|briefing)\b", re.IGNORECASE)
_MARKUP = re.compile(r"\[[a-z_]+(?:\s+[a-z_]+=[^\]]*)*\]")
_DATELINE = re.compile(  # used with .match(text, pos): no "^", which would not anchor at pos
    r"(?:(?:date\s*:?\s*)?\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\s+"
    r"|[A-Z][A-Z .,'’-]{2,40}(?:\([A-Za-z .]+\))?\s+[-–—]+\s+)"
)
_END = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$|[\"”»]\s*$")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"}


def furniture_reason(text: str, has_verb: bool = True, min_words: int = 5, max_words: int = 80) -> str | None:
    """Why ``text`` is page furniture rather than a statement, or ``None`` if it is a statement.

    Args:
        text: the sentence text.
        has_verb: whether the parser found a verb or auxiliary in it.
        min_words: fewer words than this is a heading or a label.
        max_words: more words than this is run-on text (a list, a table).

    Returns:
        A short reason, or ``None``.
    """
    if is_caption(text):
        return "photo credit"
    if _FURNITURE.search(text) or _SIGN_UP.search(text):
        return "page furniture"
    if _CONTRIBUTED.search(text):
        return "contributor note"
    if _MARKUP.search(text):
        return "template markup"
    n = len(_WORD.findall(text))
    if n < min_words:
        return "too short"
    if n > max_words:
        return "too long"
    if not has_verb:
        return "no verb"
    if not _END.search(text):
        return "no final punctuation (heading)"
    return None


def _pieces(text: str, span: Span) -> list[Span]:
    """Cut a sentence span at line breaks and trim whitespace and a leading dateline."""
    out: list[Span] = []
    pos = span.start
    for part in re.split(r"(\n+)", text[span.start : span.end]):
        start, end = pos, pos + len(part)
        pos = end
        if part.startswith("\n"):
            continue
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        m = _DATELINE.match(text, start, end)
        if m and m.end() < end:
            start = m.end()
        if end > start:
            out.append(Span(start, end))
    return out


def candidate_sentences(
    docs: Sequence[AnnotatedArticle], options: SummaryOptions | None = None, *, keep_furniture: bool = False
) -> list[Candidate]:
    """The sentences of the English articles that may enter a summary.

    Args:
        docs: annotated articles of one story (those without annotation are skipped).
        options: thresholds (``min_words``, ``max_sentence_words``).
        keep_furniture: keep every sentence (for baselines that see raw sentences).

    Returns:
        Candidates in article order, then text order.
    """
    opts = options or SummaryOptions()
    from spacy.lang.en.stop_words import STOP_WORDS

    out: list[Candidate] = []
    for ai, doc in enumerate(docs):
        ann = doc.annotation
        if ann is None:
            logger.info("summary: article %s has no annotation (not English); skipped", doc.article.id)
            continue
        text = doc.article.text
        spans = [p for s in ann.sentences for p in _pieces(text, s)]
        counts: dict[str, int] = {}
        for sp in spans:
            key = sp.text_of(text)
            counts[key] = counts.get(key, 0) + 1
        toks = ann.tokens
        ti = 0
        pos = 0
        #: (start, end) of a line -> whether it is a caption: judged once per line, not once per sentence in
        #: it (a text without line breaks, such as a corpus text, is one line of many thousand characters)
        caption_line: dict[tuple[int, int], bool] = {}
        breaks = [m.start() for m in re.finditer("\n", text)]
        for sp in spans:
            while ti < len(toks) and toks[ti].end <= sp.start:
                ti += 1
            tj = ti
            lemmas: set[str] = set()
            has_verb = False
            while tj < len(toks) and toks[tj].start < sp.end:
                t = toks[tj]
                if t.pos in ("VERB", "AUX"):
                    has_verb = True
                lem = t.lemma.lower()
                if t.pos in _CONTENT_POS and lem not in STOP_WORDS and _WORD.fullmatch(lem):
                    lemmas.add(lem)
                tj += 1
            sent = sp.text_of(text)
            if not keep_furniture:
                # A caption's credit often parses as a sentence of its own: judge the whole line.
                k = bisect_left(breaks, sp.start)  # the line holding the sentence's start, to its end's line end
                line_start = breaks[k - 1] + 1 if k else 0
                k = bisect_left(breaks, sp.end, k)
                line_end = breaks[k] if k < len(breaks) else len(text)
                caption = caption_line.get((line_start, line_end))
                if caption is None:
                    caption = caption_line[line_start, line_end] = is_caption(text[line_start:line_end])
                reason = "photo credit" if caption else None
                reason = reason or furniture_reason(sent, has_verb, opts.min_words, opts.max_sentence_words)
                if reason is None and counts[sent] > 1:
                    reason = "repeated in the article (caption)"
                if reason is not None:
                    logger.debug("summary: %s [%d:%d] dropped: %s", doc.article.id, sp.start, sp.end, reason)
                    continue
            out.append(Candidate(doc.article.id, ai, pos, sp, sent, frozenset(lemmas)))
            pos += 1
    return out


# --- similarity, support, origin ------------------------------------------------


#: Cells of one block of the similarity computation (rows x all candidates): ~4 MB per float32 array.
BLOCK_CELLS = 1_000_000


class _Similarity:
    """Similarity of a story's candidate sentences, one block of rows against all of them at a time.

    ``sim`` is the larger of the embedding cosine and the Dice overlap of content lemmas;
    ``same`` says two sentences state the same thing (thresholds in :class:`SummaryOptions`).
    The lemma overlap is a sparse product (scipy), so a block costs ``block x n`` cells and a
    story of ``n`` sentences never holds an ``n x n`` matrix.
    """

    def __init__(self, cands: Sequence[Candidate], emb: np.ndarray, opts: SummaryOptions) -> None:
        from scipy import sparse

        self.emb = emb
        self.opts = opts
        vocab: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        for c in cands:
            indices.extend(vocab.setdefault(lem, len(vocab)) for lem in sorted(c.lemmas))
            indptr.append(len(indices))
        n = len(cands)
        self.lemmas = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(n, max(1, len(vocab)))
        )
        self.lemmas_t = self.lemmas.T.tocsr()
        self.size = np.diff(np.asarray(indptr)).astype(np.float32)
        self.block = max(1, min(512, BLOCK_CELLS // max(1, n)))

    def rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(sim, same)`` of candidates ``rows`` against every candidate: two ``len(rows) x n`` arrays."""
        opts = self.opts
        cos = self.emb[rows] @ self.emb.T
        inter = (self.lemmas[rows] @ self.lemmas_t).toarray()
        denom = self.size[rows, None] + self.size[None, :]
        lex = np.divide(2 * inter, denom, out=np.zeros_like(inter), where=denom > 0)
        same = (
            (cos >= opts.support_cos)
            | (lex >= opts.support_lex)
            | ((cos >= opts.support_cos_pair) & (lex >= opts.support_lex_pair))
        )
        return np.maximum(cos, lex), same


def _root(article_id: str, origin_of: Mapping[str, str]) -> str:
    """The independent source an article derives from (following copy links, cycle-safe)."""
    seen = {article_id}
    cur = article_id
    while cur in origin_of and origin_of[cur] not in seen:
        cur = origin_of[cur]
        seen.add(cur)
    return cur


def _date_key(published: str | None) -> tuple[int, str]:
    """Sort key: known dates first, earliest first; unknown after."""
    return (0, published) if published else (1, "")


def candidate_rows(doc: AnnotatedArticle, options: SummaryOptions | None = None) -> list[list[Any]]:
    """One article's candidates in stored form, ``[start, end, lemmas]`` (the summary stage keeps them);
    :func:`candidates_from_rows` reads them back."""
    return [[c.span.start, c.span.end, sorted(c.lemmas)] for c in candidate_sentences([doc], options)]


def candidates_from_rows(article: Article, article_index: int, rows: Sequence[Sequence[Any]]) -> list[Candidate]:
    """The candidates of ``article`` (the ``article_index``-th annotated article of its story) from its
    :func:`candidate_rows`, as :func:`candidate_sentences` made them."""
    text = article.text
    return [Candidate(article.id, article_index, k, Span(start, end), text[start:end], frozenset(lemmas))
            for k, (start, end, lemmas) in enumerate(rows)]


def summarize_story(
    docs: Sequence[AnnotatedArticle],
    *,
    max_sentences: int = 5,
    max_words: int | None = None,
    origin_of: Mapping[str, str] | None = None,
    support: SupportFn | None = None,
    story_id: str | None = None,
    options: SummaryOptions | None = None,
    encoder: Encoder | None = None,
) -> list[SummarySentence]:
    """Summarize one story by extracting cited sentences from its articles.

    Args:
        docs: the annotated articles of the story (non-English ones are skipped).
        max_sentences: at most this many sentences.
        max_words: optional word budget; a sentence that would exceed it is skipped
            (the first sentence is always kept).
        origin_of: article id -> id of the article it copied from (reuse stage);
            copies add no independent support and their wording is not preferred.
        support: optional extra support, ``(article_id, span) -> supporting article ids``.
        story_id: copied into every sentence (the dossier's ``story_id``).
        options: scoring and threshold parameters.
        encoder: sentence encoder; default :func:`newsweave.annotate.embeddings.english_encoder`. One with a
            ``for_story(texts)`` method (:class:`newsweave.summarize.lexical.LexicalEncoder`) is fitted on the
            story's candidate sentences (and headlines) first.

    Returns:
        Summary sentences in chronological order of their source (unknown dates
        last), then input order and position. Empty when no article has a usable sentence.
    """
    opts = options or SummaryOptions()
    titles = [d.article.title for d in docs if d.annotation is not None and d.article.title] if opts.use_titles else []
    return summarize_candidates(candidate_sentences(docs, opts), [d.article for d in docs], titles=titles,
                                max_sentences=max_sentences, max_words=max_words, origin_of=origin_of,
                                support=support, story_id=story_id, options=opts, encoder=encoder)


def summarize_candidates(
    cands: Sequence[Candidate],
    articles: Sequence[Article],
    *,
    titles: Sequence[str] = (),
    max_sentences: int = 5,
    max_words: int | None = None,
    origin_of: Mapping[str, str] | None = None,
    support: SupportFn | None = None,
    story_id: str | None = None,
    options: SummaryOptions | None = None,
    encoder: Encoder | None = None,
) -> list[SummarySentence]:
    """:func:`summarize_story` from the story's candidates (:func:`candidate_sentences`, or stored rows read
    back by :func:`candidates_from_rows`) and its articles; ``titles``: the headlines that pull the centroid
    (used when ``options.use_titles``). Other arguments as there."""
    opts = options or SummaryOptions()
    origins = dict(origin_of or {})
    titles = list(titles) if opts.use_titles else []
    if not cands or max_sentences <= 0:
        return []
    if encoder is None:
        from newsweave.annotate.embeddings import english_encoder

        encoder = english_encoder()
    for_story = getattr(encoder, "for_story", None)
    if for_story is not None:  # a space fitted on this story's texts (newsweave.summarize.lexical)
        encoder = for_story([c.text for c in cands] + titles)
    emb = np.asarray(encoder.encode([c.text for c in cands]), dtype=np.float32)
    n = len(cands)
    pairs = _Similarity(cands, emb, opts)

    by_id = {a.id: a for a in articles}
    ids_in_order = list(dict.fromkeys(c.article_id for c in cands))
    member_lists: dict[str, list[int]] = {a: [] for a in ids_in_order}
    for i, c in enumerate(cands):
        member_lists[c.article_id].append(i)
    members = {a: np.asarray(idx, dtype=np.intp) for a, idx in member_lists.items()}
    roots = {a: _root(a, origins) for a in by_id}
    n_roots = len({roots[a] for a in ids_in_order})

    if titles:
        # Headlines name what the story is about; they join the centroid but are never extracted
        # (they lie outside Article.text, so they could not be cited by span).
        title_emb = np.asarray(encoder.encode(titles), dtype=np.float32)
        centroid = np.concatenate([emb, title_emb]).mean(axis=0)
    else:
        centroid = emb.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    central = emb @ centroid
    position = np.array([1.0 / (1 + c.position) for c in cands], dtype=np.float32)
    prior = opts.w_central * central + opts.w_position * position

    # Only the ``max_pool`` best candidates by centrality and lead prior compete (all of them in
    # an ordinary story); their support is still looked for among every candidate, a block of rows
    # at a time, so a story of n sentences never holds an n x n matrix.
    if n <= opts.max_pool:
        pool = np.arange(n, dtype=np.intp)
    else:
        pool = np.sort(np.argsort(-prior, kind="stable")[: opts.max_pool]).astype(np.intp)
        logger.info("summary: %s: %d candidate sentences; the %d most central compete", story_id, n, len(pool))

    pool_pos = {int(i): p for p, i in enumerate(pool)}
    supporters: dict[int, dict[str, int]] = {}
    same_support: dict[int, set[int]] = {}  # supporting sentences found by similarity alone

    def find_support(rows: np.ndarray, keep_cols: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Supporters of ``rows`` (into ``supporters``); similarity and sameness to ``keep_cols``."""
        cols = keep_cols if keep_cols is not None else np.empty(0, dtype=np.intp)
        sim_keep = np.empty((len(rows), len(cols)), dtype=np.float32)
        same_keep = np.empty((len(rows), len(cols)), dtype=bool)
        for b0 in range(0, len(rows), pairs.block):
            block = rows[b0 : b0 + pairs.block]
            sim, same = pairs.rows(block)
            sim_keep[b0 : b0 + len(block)] = sim[:, cols]
            same_keep[b0 : b0 + len(block)] = same[:, cols]
            # Support: per candidate, the best matching sentence of every other article.
            best_of = {a: idx[np.argmax(sim[:, idx], axis=1)] for a, idx in members.items()}
            for r, i in enumerate(block.tolist()):
                c = cands[i]
                sup: dict[str, int] = {c.article_id: i}
                for a in ids_in_order:
                    if a == c.article_id:
                        continue
                    best = int(best_of[a][r])
                    if same[r, best]:
                        sup[a] = best
                same_support[i] = set(sup.values()) - {i}
                if support is not None:
                    for a in support(c.article_id, c.span):
                        if a in sup:
                            continue
                        if a not in members:
                            logger.info("summary: support names %s, which has no candidate sentence; ignored", a)
                            continue
                        sup[a] = int(best_of[a][r])
                supporters[i] = sup
        return sim_keep, same_keep

    sim_pool, same_pool = find_support(pool, pool)

    def independent(i: int) -> int:
        if i not in supporters:
            find_support(np.array([i], dtype=np.intp))
        return len({roots.get(a, a) for a in supporters[i]})

    indep_pool = np.array([independent(int(i)) for i in pool], dtype=np.float32)
    corroboration = (indep_pool - 1) / max(1, n_roots - 1)
    score_pool = prior[pool] + opts.w_corroboration * corroboration

    def score_of(i: int) -> float:
        if i in pool_pos:
            return float(score_pool[pool_pos[i]])
        return float(prior[i] + opts.w_corroboration * (independent(i) - 1) / max(1, n_roots - 1))

    picks: list[int] = []  # candidate indices of the wordings shown
    near: list[np.ndarray] = []  # similarity of every pool candidate to each pick
    used = np.zeros(len(pool), dtype=bool)
    words = 0
    while len(picks) < max_sentences and not used.all():
        novelty = np.max(near, axis=0) if near else np.zeros(len(pool), dtype=np.float32)
        if near:
            used |= novelty >= opts.redundancy_cos
        mmr = opts.mmr_lambda * score_pool - (1 - opts.mmr_lambda) * novelty
        mmr = np.where(used, -np.inf, mmr)
        best = int(np.argmax(mmr))
        if not np.isfinite(mmr[best]):
            break
        group_pos = [p for p in range(len(pool)) if (same_pool[best, p] or p == best) and not used[p]]
        # The same statement in other articles' words: the earliest independent wording is
        # shown (outside the pool too, when the story is too large for all to compete).
        group = {int(pool[p]) for p in group_pos}
        group |= {j for j in same_support[int(pool[best])] if j not in pool_pos}
        pick = min(
            sorted(group),
            key=lambda j: (
                roots.get(cands[j].article_id, cands[j].article_id) != cands[j].article_id,
                _date_key(by_id[cands[j].article_id].published),
                -score_of(j),
            ),
        )
        used[group_pos] = True
        n_words = len(_WORD.findall(cands[pick].text))
        if max_words is not None and picks and words + n_words > max_words:
            continue
        picks.append(pick)
        if pick in pool_pos:
            near.append(sim_pool[:, pool_pos[pick]])
        else:
            near.append(pairs.rows(np.array([pick], dtype=np.intp))[0][0, pool])
        words += n_words

    def order(j: int) -> tuple[tuple[int, str], int, int]:
        c = cands[j]
        return (_date_key(by_id[c.article_id].published), c.article_index, c.span.start)

    out: list[SummarySentence] = []
    for j in sorted(picks, key=order):
        c = cands[j]
        evidence = []
        for a, ref in supporters[j].items():
            sp = cands[ref].span
            evidence.append(Evidence(a, sp, sp.text_of(by_id[a].text)))
        out.append(
            SummarySentence(
                text=c.text,
                article_id=c.article_id,
                span=c.span,
                article_ids=[e.article_id for e in evidence],
                evidence=evidence,
                independent_sources=independent(j),
                score=score_of(j),
                story_id=story_id,
            )
        )
    return out

