"""Source profiles: what each outlet contributes, copies, omits, gets wrong, and how it writes.

Per outlet (an article's ``source``; an article of unknown outlet is profiled on
its own): originality share and credited wire services (reuse stage), claims it
reported first, consensus facts it omits, discrepancies in which it holds the
value the independent sources do not support, loaded or emotive vocabulary
(the lexicon ``data/loaded_terms.tsv``, outside quotations, cited in place) and
measured signs of machine translation.

The machine-translation indicators are surface signs of translation from a
language with different conventions, each counted per 1,000 tokens and cited
where it fires. No labelled machine-translation data is available here, so the
indicators are reported as measurements with the corpus median beside them,
never as a verdict:

- ``capitalized_common_word``: a common noun, verb, adjective or adverb
  capitalized mid-sentence outside any name ("a Video", "to Leave the
  country"), the trace of German noun capitalization or of a translator
  treating a word as a name.
- ``lowercase_sentence_start``: a sentence that opens in lower case.
- ``foreign_function_word``: a frequent function word of German, Spanish,
  French, Portuguese or Italian left in English text ("und", "que", "des").
- ``foreign_quote_marks``: low-9 or guillemet quotation marks („ “ « ») in
  English text, kept from a source-language typography.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsweave.corroborate.claims import Claim, Discrepancy
from newsweave.models import Annotation, Article, input_label
from newsweave.textutil import fold, fold_same_length

DATA = Path(__file__).parent.parent / "data"

FOREIGN_FUNCTION_WORDS = {
    # German
    "und", "der", "die", "das", "nicht", "auch", "mit", "dem", "den", "ist", "sich", "wird", "wurde", "eine",
    # Spanish / Portuguese
    "el", "los", "las", "del", "que", "por", "una", "con", "para", "pero", "não", "uma", "dos",
    # French / Italian
    "une", "des", "est", "dans", "pas", "avec", "sur", "il", "che", "della", "sono", "anche",
}
_OPEN_CONTEXT = set("\"“‘'«„(:—–-\n")


@lru_cache(maxsize=1)
def loaded_lexicon() -> list[tuple[str, str, str]]:
    """``(term, category, note)`` rows of the loaded-vocabulary lexicon."""
    rows = []
    for line in (DATA / "loaded_terms.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, category, note = [*line.split("\t"), "", ""][:3]
        rows.append((term.strip(), category.strip(), note.strip()))
    return rows


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans inside double quotation marks (straight or curly)."""
    spans = []
    for m in re.finditer(r"[\"“„«]([^\"”“»]{1,2000}?)[\"”»]", text):
        spans.append((m.start(), m.end()))
    return spans


@dataclass(slots=True)
class Hit:
    """One place where a lexicon term or an indicator fires."""

    article_id: str
    start: int
    end: int
    text: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {"article_id": self.article_id, "start": self.start, "end": self.end, "text": self.text,
                "label": self.label}


def loaded_terms(article: Article) -> list[Hit]:
    """Loaded or emotive terms in the article's own voice (quotations excluded)."""
    text = fold_same_length(article.text)  # offsets must stay those of article.text
    quoted = quoted_spans(article.text)
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for term, category, _ in sorted(loaded_lexicon(), key=lambda r: -len(r[0])):
        for m in re.finditer(r"(?<![\w-])" + re.escape(fold(term)) + r"(?![\w-])", text):
            s, e = m.start(), m.end()
            if any(qs <= s and e <= qe for qs, qe in quoted) or any(ts < e and s < te for ts, te in taken):
                continue
            taken.append((s, e))
            hits.append(Hit(article.id, s, e, article.text[s:e], category))
    return sorted(hits, key=lambda h: h.start)


def mt_indicators(article: Article, ann: Annotation) -> dict[str, list[Hit]]:
    """Where each machine-translation indicator fires in one article."""
    text = article.text
    ent_chars = [(e.start, e.end) for e in ann.entities]
    sent_starts = {s.start for s in ann.sentences}
    out: dict[str, list[Hit]] = {k: [] for k in
                                 ("capitalized_common_word", "lowercase_sentence_start", "foreign_function_word",
                                  "foreign_quote_marks")}
    toks = ann.tokens
    for i, t in enumerate(toks):
        word = text[t.start:t.end]
        if t.start in sent_starts:
            if word[:1].islower() and word.isalpha():
                out["lowercase_sentence_start"].append(Hit(article.id, t.start, t.end, word, "lowercase start"))
            continue
        prev = text[max(0, t.start - 2):t.start].strip()
        if (word[:1].isupper() and word[1:].islower() and len(word) > 2
                and t.pos in ("NOUN", "VERB", "ADJ", "ADV", "PROPN")
                and not any(s <= t.start < e for s, e in ent_chars)
                and not (prev and prev[-1] in _OPEN_CONTEXT)
                and not (i > 0 and text[toks[i - 1].start:toks[i - 1].end][:1].isupper())
                and not (i + 1 < len(toks) and text[toks[i + 1].start:toks[i + 1].end][:1].isupper())):
            out["capitalized_common_word"].append(Hit(article.id, t.start, t.end, word, f"capitalized {t.pos}"))
        if word.lower() in FOREIGN_FUNCTION_WORDS and word.islower():
            out["foreign_function_word"].append(Hit(article.id, t.start, t.end, word, "foreign function word"))
    for m in re.finditer(r"[„«»‹›]", text):
        out["foreign_quote_marks"].append(Hit(article.id, m.start(), m.end(), m.group(), "quote mark"))
    return out


@dataclass(slots=True)
class SourceProfile:
    """One outlet's profile."""

    outlet: str
    article_ids: list[str]
    originality: float | None = None
    credited_wires: list[str] = field(default_factory=list)
    first_reported: list[dict[str, Any]] = field(default_factory=list)
    omitted_consensus: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    loaded_vocabulary: list[Hit] = field(default_factory=list)
    loaded_per_1000_words: float = 0.0
    machine_translation: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {
            "outlet": self.outlet, "article_ids": self.article_ids, "originality": self.originality,
            "credited_wires": self.credited_wires, "first_reported": self.first_reported,
            "omitted_consensus": self.omitted_consensus, "discrepancies": self.discrepancies,
            "loaded_vocabulary": [h.to_dict() for h in self.loaded_vocabulary],
            "loaded_per_1000_words": round(self.loaded_per_1000_words, 2),
            "machine_translation": self.machine_translation,
        }


def outlet_of(article: Article) -> str:
    """The outlet an article is profiled under (its own input name when the outlet is unknown)."""
    if article.source:
        return article.source
    return f"unknown outlet ({input_label(article.input, article.id)})"


def profile_inputs(article: Article, ann: Annotation) -> dict[str, Any]:
    """What :func:`build_profiles` reads of one article, in stored form (made once per article, so that a run
    never loads annotations or scans texts again): its token and word counts, each machine-translation
    indicator's hits and its loaded terms."""
    return {"tokens": len(ann.tokens), "words": len(article.text.split()),
            "hits": {k: [h.to_dict() for h in v] for k, v in mt_indicators(article, ann).items()} if ann.tokens
            else {},
            "loaded": [h.to_dict() for h in loaded_terms(article)]}


def build_profiles(
    articles: Sequence[Article],
    indicators: Mapping[str, Mapping[str, Any]],
    article_reuse: dict[str, dict[str, Any]],
    claims: Sequence[Claim],
    discrepancies: Sequence[Discrepancy],
    story_of: dict[str, str] | None = None,
) -> list[SourceProfile]:
    """Profiles of every outlet among ``articles``.

    Args:
        articles: the stored articles.
        indicators: :func:`profile_inputs` by article id (without them, an article has no MT rates and its
            loaded terms are found here).
        article_reuse: per-article reuse facts by article id (``originality``, ``credited_wires``).
        claims: every claim with its support.
        discrepancies: every discrepancy.
        story_of: article id -> story id, to look for omissions within a story only.

    Returns:
        One profile per outlet, in the order outlets first appear.
    """
    story_of = story_of or {}
    by_outlet: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        by_outlet[outlet_of(a)].append(a)
    published = {a.id: a.published for a in articles}

    # Indicator rates per article, and the corpus median of each, for comparison.
    rates: dict[str, dict[str, float]] = {}
    hits: dict[str, dict[str, list[Hit]]] = {}
    for a in articles:
        rec = indicators.get(a.id)
        if rec is None or not rec["tokens"]:
            continue
        hits[a.id] = {k: [Hit(**h) for h in v] for k, v in rec["hits"].items()}
        rates[a.id] = {k: 1000 * len(v) / rec["tokens"] for k, v in hits[a.id].items()}
    medians = {k: statistics.median([r[k] for r in rates.values()]) if rates else 0.0
               for k in ("capitalized_common_word", "lowercase_sentence_start", "foreign_function_word",
                         "foreign_quote_marks")}

    # each claim's holders and dated reports, once; which claims each article holds, and which consensus
    # event claims each story has (an outlet is looked at only against the claims that can concern it)
    relevant = [(c, set(c.article_ids), sorted((day, a) for a in set(c.article_ids) if (day := published.get(a))))
                for c in claims if c.slot in ("event", "said", "role")]
    held_by: dict[str, list[int]] = defaultdict(list)
    consensus = [i for i, (c, _, _) in enumerate(relevant) if c.slot == "event" and c.independent_sources >= 2]
    consensus_in: dict[str, list[int]] = defaultdict(list)
    for i, (_, holders, _) in enumerate(relevant):
        for aid in holders:
            held_by[aid].append(i)
    for i in consensus:
        for sid in {story_of[aid] for aid in relevant[i][1] if aid in story_of}:
            consensus_in[sid].append(i)

    profiles = []
    for outlet, arts in by_outlet.items():
        ids = [a.id for a in arts]
        prof = SourceProfile(outlet, ids)
        origs = [article_reuse[i]["originality"] for i in ids if i in article_reuse
                 and article_reuse[i].get("originality") is not None]
        prof.originality = round(sum(origs) / len(origs), 3) if origs else None
        prof.credited_wires = sorted({w for i in ids for w in _wire_names(article_reuse.get(i, {}))})
        idset = set(ids)
        for i in sorted({i for aid in ids for i in held_by.get(aid, ())}):
            c, _, dated = relevant[i]
            mine = [(d, a) for d, a in dated if a in idset]
            theirs = [d for d, a in dated if a not in idset]
            # First only when strictly earlier than every other outlet's dated report of it.
            if mine and theirs and mine[0][0] < min(theirs):
                prof.first_reported.append({"claim_id": c.id, "subject": c.subject_name, "slot": c.slot,
                                            "value": c.value, "article_id": mine[0][1], "date": mine[0][0]})
        # consensus events of the outlet's stories (of every story when its articles are in none) it never reported
        stories = {story_of[aid] for aid in ids if aid in story_of}
        for i in sorted({i for sid in stories for i in consensus_in.get(sid, ())}) if stories else consensus:
            c, holders, _ = relevant[i]
            if not holders & idset:
                prof.omitted_consensus.append({"claim_id": c.id, "subject": c.subject_name, "value": c.value,
                                               "independent_sources": c.independent_sources,
                                               "article_ids": c.article_ids})
        for d in discrepancies:
            for v in d.values:
                if set(v.article_ids) & idset and d.supported_value is not None and v.value != d.supported_value:
                    prof.discrepancies.append({"discrepancy_id": d.id, "kind": d.kind, "value": v.value,
                                               "supported_value": d.supported_value})
        words = 0
        for a in arts:
            rec = indicators.get(a.id)
            prof.loaded_vocabulary.extend([Hit(**h) for h in rec["loaded"]] if rec is not None else loaded_terms(a))
            words += rec["words"] if rec is not None else len(a.text.split())
        prof.loaded_per_1000_words = 1000 * len(prof.loaded_vocabulary) / max(words, 1)
        for key, median in medians.items():
            art_rates = [rates[i][key] for i in ids if i in rates]
            if not art_rates:
                continue
            fired = [h for i in ids if i in hits for h in hits[i][key]]
            prof.machine_translation[key] = {
                "per_1000_tokens": round(sum(art_rates) / len(art_rates), 2),
                "corpus_median": round(median, 2),
                "hits": [h.to_dict() for h in fired[:25]],
                "count": len(fired),
            }
        profiles.append(prof)
    return profiles


def _wire_names(info: dict[str, Any]) -> list[str]:
    out = []
    for w in info.get("credited_wires", []) or []:
        out.append(w["wire"] if isinstance(w, dict) and "wire" in w else str(w))
    return out
