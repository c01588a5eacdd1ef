"""Benchmark: SemEval-2015 Task 4 TimeLine (Track A, raw text) on the trial data.

For each target entity, events are the verb predicates (``typed_only=False``) whose sentence mentions
the target (accent- and case-insensitive match of the full name or its last word), dated by
:mod:`newsweave.events.extract` (clause / governing clause / sentence time expression; undated events go to
order 0). Mentions with the same lemma and date across documents are merged (cross-document
coreference), entries are ordered by date. Scored with :func:`newsweave.events.timeline.temporal_awareness`
(TempEval-3 temporal awareness over the timeline graphs, micro-averaged over targets).
Baseline on the same events: every event anchored to its document's creation time (DCT).

Articles without text, and gold timelines without a target or entries, are counted on stderr and left
out; gold events in documents the folder does not hold cannot be matched and are counted too. The run
fails when no gold timeline with a relation remains (nothing to score).

Usage:
    python bench/bench_timeline.py --data ../shared/data/timeline_trial --out /tmp/timeline_bench
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from _common import check_scored, data_dir, keep_usable, note, read_articles, read_jsonl
from newsweave.annotate.nlp import annotate, load_nlp
from newsweave.events.extract import Event, events_for_article
from newsweave.events.timeline import temporal_awareness
from newsweave.models import AnnotatedArticle, Article


def fold(s: str) -> str:
    """Lower case, no accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


def semeval_date(value: str | None) -> str:
    """TIMEX3 date value -> the task's YYYY-MM-DD form with XX for unknown parts."""
    if not value or not re.match(r"\d{4}", value):
        return "XXXX-XX-XX"
    m = re.match(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?", value)
    assert m
    return f"{m[1]}-{m[2] or 'XX'}-{m[3] or 'XX'}"


def timeline_lines(events: list[tuple[Event, str]]) -> list[tuple[int, str, list[str]]]:
    """(order, date, ids) lines from dated events; same lemma + same date = one entry."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ev, date in events:
        groups[(date, ev.lemma.lower())].append(f"{ev.article_id}-{ev.trigger.start}")
    dated = sorted({d for d, _ in groups if not d.startswith("XXXX")})
    order = {d: k + 1 for k, d in enumerate(dated)}
    return [(order.get(d, 0), d, ids) for (d, _), ids in sorted(groups.items())]


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    data = data_dir(args.data, ["articles.jsonl", "gold_timelines.jsonl"])
    rows = read_articles(data)
    gold = keep_usable(read_jsonl(data / "gold_timelines.jsonl"),
                       lambda t: None if t.get("target") and isinstance(t.get("entries"), list) else
                       "without target or entries", "gold timelines", data / "gold_timelines.jsonl")
    known = {r["id"] for r in rows}
    foreign = sum(1 for tl in gold for e in tl["entries"] for m in e.get("events", [])
                  if m.get("start") is not None and str(m.get("doc")) not in known)
    if foreign:
        note(f"{foreign} gold event mentions name documents not in articles.jsonl (counted as missed)")
    args.out.mkdir(parents=True, exist_ok=True)
    arts = [Article(id=r["id"], text=r["text"], input=r["id"], published=r.get("published"), language="en")
            for r in rows]
    docs = [AnnotatedArticle(a, n) for a, n in zip(arts, annotate(arts, load_nlp()), strict=True)]
    all_events = {d.article.id: events_for_article(d, typed_only=False) for d in docs}
    by_id = {d.article.id: d for d in docs}
    gold_lines, ours, dct_base, ours_clause = [], [], [], []
    out_rows: list[dict[str, Any]] = []
    for tl in gold:
        target = fold(tl.get("target_in_file") or tl["target"])
        keys = {target, target.split()[-1]}
        g = [(e["order"], e["date"], [f"{m['doc']}-{m['start']}" for m in e.get("events", [])
                                       if m.get("start") is not None]) for e in tl["entries"]]
        gold_lines.append(g)
        mine: list[tuple[Event, str]] = []
        base: list[tuple[Event, str]] = []
        clause_only: list[tuple[Event, str]] = []
        for doc_id, evs in all_events.items():
            d = by_id[doc_id]
            text = fold(d.article.text)
            for ev in evs:
                sent = text[ev.sentence.start : ev.sentence.end]
                if not any(re.search(rf"\b{re.escape(k)}\b", sent) for k in keys):
                    continue
                if ev.polarity == "negated" or ev.modality != "actual":
                    continue
                # The pipeline's rule: the clause's own date, else the publication date.
                date = semeval_date(ev.date) if ev.date_source != "publication" else semeval_date(d.article.published)
                mine.append((ev, date))
                clause_only.append((ev, semeval_date(ev.date) if ev.date_source != "publication" else "XXXX-XX-XX"))
                base.append((ev, semeval_date(d.article.published)))
        ours.append(timeline_lines(mine))
        dct_base.append(timeline_lines(base))
        ours_clause.append(timeline_lines(clause_only))
        out_rows.append({"target": tl["target"], "lines": ours[-1]})
    (args.out / "pred_timelines.jsonl").write_text("".join(json.dumps(r) + "\n" for r in out_rows))
    res = {"newsweave": temporal_awareness(gold_lines, ours),
           "newsweave_clause_dates_only": temporal_awareness(gold_lines, ours_clause),
           "dct_baseline": temporal_awareness(gold_lines, dct_base)}
    check_scored(int(res["newsweave"]["gold_relations"]), "gold timeline relations")
    (args.out / "summary.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
