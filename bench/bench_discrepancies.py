"""False alarms of discrepancy detection on stories where sources agree (ECB+), beside a naive checker.

ECB+ topics hold several outlets' reports of the same real-world events, written
independently and not known to contradict each other, so nearly every
discrepancy raised there is a false alarm (a flag on paraphrase). The script
runs the whole pipeline (ingest, annotate, every stage) over the corpus in a
fresh store, then counts the discrepancies per kind and per 100 articles, and
runs in the same script a naive checker on the same entities: any person with
two different role strings, and any two surface variants of a name, are flagged.

    python bench/bench_discrepancies.py --data ../shared/data/ecbplus --out bench/out/discrepancies

Writes ``discrepancies.jsonl`` (every flag with its articles and gold stories) and
``summary.json`` under ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newsweave.config import Settings
from newsweave.pipeline import analyze
from newsweave.store import Store
from newsweave.textutil import fold


def naive_flags(entities: list[dict[str, Any]]) -> Counter[str]:
    """What a string-comparing checker flags: differing role strings, differing name spellings."""
    out: Counter[str] = Counter()
    for e in entities:
        roles = {fold(r["text"]) for r in e.get("roles", [])}
        if str(e.get("kind", "")).lower() in ("person", "per") and len(roles) > 1:
            out["role"] += 1
        names = {fold(v["text"]) for v in e.get("variants", [])}
        if len(names) > 1:
            out["spelling"] += 1
    return out


def main() -> None:
    """Run the pipeline over the corpus and count flags."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="dataset folder (articles.jsonl, gold_stories.json)")
    ap.add_argument("--out", type=Path, default=Path("bench/out/discrepancies"))
    ap.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file under --out)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:///{(args.out / 'bench.db').resolve()}"
    gold = json.loads((args.data / "gold_stories.json").read_text())
    settings = Settings(db_url=db)
    start = time.perf_counter()
    with Store(db) as store:
        report = analyze([args.data / "articles.jsonl"], store, settings)
        record_of = {a.id: a.meta.get("record_id", a.id) for a in store.articles()}
        n_articles = store.count_articles()
        found = store.records("discrepancy")
        entities = store.records("entity")
    seconds = time.perf_counter() - start
    kinds: Counter[str] = Counter()
    within: Counter[str] = Counter()
    with (args.out / "discrepancies.jsonl").open("w", encoding="utf-8") as fh:
        for d in found:
            ids = sorted({a for v in d["values"] for a in v["article_ids"]})
            stories = sorted({gold.get(record_of.get(a, a), "?") for a in ids})
            kinds[d["kind"]] += 1
            if len(stories) == 1:
                within[d["kind"]] += 1
            fh.write(json.dumps({"kind": d["kind"], "description": d["description"], "gold_stories": stories,
                                 "articles": [record_of.get(a, a) for a in ids],
                                 "values": [v["value"] for v in d["values"]]}, ensure_ascii=False) + "\n")
    naive = naive_flags(entities)
    summary = {
        "data": str(args.data),
        "articles": n_articles,
        "gold_stories": len(set(gold.values())),
        "seconds": round(seconds, 1),
        "stages": report.stages,
        "newsweave": {"by_kind": dict(kinds), "within_one_gold_story": dict(within), "total": sum(kinds.values()),
                      "per_100_articles": round(100 * sum(kinds.values()) / max(n_articles, 1), 2)},
        "naive_string_checker": {"by_kind": dict(naive), "total": sum(naive.values()),
                                 "per_100_articles": round(100 * sum(naive.values()) / max(n_articles, 1), 2)},
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
