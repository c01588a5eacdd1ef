"""False alarms of discrepancy detection on stories where sources agree (ECB+), beside a naive checker.

ECB+ topics hold several outlets' reports of the same real-world events, written
independently and not known to contradict each other, so nearly every
discrepancy raised there is a false alarm (a flag on paraphrase). The script
runs the whole pipeline (ingest, annotate, every stage) over the corpus in a
fresh store, then counts the discrepancies per kind and per 100 articles, and
runs in the same script a naive checker on the same entities: any person with
two different role strings, and any two surface variants of a name, are flagged.

    python bench/bench_discrepancies.py --data ../shared/data/ecbplus --out bench/out/discrepancies

Writes ``discrepancies.jsonl`` (every flag with its articles, gold stories and a ``key``) and
``summary.json`` under ``--out``. Flags per gold story are reported beside flags per 100 articles.
``--judged FILE`` reads hand judgments (JSON Lines ``{"key": ..., "real": true|false, "why": ...}``, the
``key`` of a flag in ``discrepancies.jsonl``) and reports how many flags are real, false or not judged,
and the false alarms per gold story. ``--db URL`` of an existing store reuses it: the pipeline re-runs
only the stages whose inputs changed; with ``--rules-only`` only the corroborate stage re-runs on the
stored records, so that two versions of the rules are compared on identical input.

``gold_stories.json`` is optional (without it a flag's stories are unknown, ``?``). The run fails
when no article of the folder was stored (a rate per 100 articles of nothing is not a result) or
when a pipeline stage failed (the summary is still written); articles ingestion refused are counted.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import check_scored, check_stages, data_dir, die, note, read_json, read_jsonl
from newsweave.config import Settings
from newsweave.models import content_id
from newsweave.pipeline import analyze
from newsweave.store import Store
from newsweave.textutil import fold


def flag_key(kind: str, articles: list[str], values: list[str]) -> str:
    """A flag's identity across runs, for hand judgments: kind, articles and values."""
    return content_id("|".join([kind, *sorted(articles), *sorted(fold(v) for v in values)]), prefix="f")


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
    ap.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file under --out); an existing "
                    "store is reused and only stages whose inputs changed re-run")
    ap.add_argument("--rules-only", action="store_true",
                    help="with --db of an analysed store: re-run only the corroborate stage on its stored records "
                         "(ingest and the other stages untouched), to compare discrepancy rules on identical input")
    ap.add_argument("--judged", type=Path, default=None, help="hand judgments of flags (JSON Lines: key, real, why)")
    args = ap.parse_args()
    data = data_dir(args.data, ["articles.jsonl"])
    n_records = len(read_jsonl(data / "articles.jsonl"))
    check_scored(n_records, f"records in {data / 'articles.jsonl'}")
    gold: dict[str, str] = {}
    if (data / "gold_stories.json").is_file():
        gold = {str(k): str(v) for k, v in read_json(data / "gold_stories.json").items()}
    else:
        note(f"no gold_stories.json in {data}: the flags' gold stories are unknown ('?')")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.rules_only and args.db is None:
        die("--rules-only needs --db, a store the pipeline has analysed")
    db = args.db or f"sqlite:///{(args.out / 'bench.db').resolve()}"
    if args.db is None:
        for name in ("bench.db", "bench.db-wal", "bench.db-shm"):  # a fresh store: earlier runs must not add up
            (args.out / name).unlink(missing_ok=True)
    settings = Settings(db_url=db)
    start = time.perf_counter()
    with Store(db) as store:
        if args.rules_only:
            from newsweave.corroborate.stage import run_corroborate

            stages = {"corroborate": run_corroborate(store, settings)}
            ingest: Any = "not run (--rules-only)"
        else:
            report = analyze([data / "articles.jsonl"], store, settings)
            stages, ingest = report.stages, report.counts()
        record_of = {a.id: a.meta.get("record_id", a.id) for a in store.articles()}
        n_articles = store.count_articles()
        found = store.records("discrepancy")
        entities = store.records("entity")
    seconds = time.perf_counter() - start
    check_scored(n_articles, f"articles stored from the {n_records} records of {data / 'articles.jsonl'}")
    if n_articles < n_records:
        note(f"{n_records - n_articles} of {n_records} records were not stored (refused or duplicates; see the "
             "ingest report in summary.json)")
    judged: dict[str, bool] = {}
    if args.judged is not None:
        judged = {str(r["key"]): bool(r["real"]) for r in read_jsonl(args.judged)}
    kinds: Counter[str] = Counter()
    within: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    with (args.out / "discrepancies.jsonl").open("w", encoding="utf-8") as fh:
        for d in found:
            ids = sorted({a for v in d["values"] for a in v["article_ids"]})
            stories = sorted({gold.get(record_of.get(a, a), "?") for a in ids})
            kinds[d["kind"]] += 1
            if len(stories) == 1:
                within[d["kind"]] += 1
            key = flag_key(d["kind"], [record_of.get(a, a) for a in ids], [v["value"] for v in d["values"]])
            verdict = "unjudged" if key not in judged else ("real" if judged[key] else "false")
            verdicts[verdict] += 1
            fh.write(json.dumps({"key": key, "kind": d["kind"], "description": d["description"],
                                 "gold_stories": stories, "articles": [record_of.get(a, a) for a in ids],
                                 "values": [v["value"] for v in d["values"]], "judged": verdict},
                                ensure_ascii=False) + "\n")
    naive = naive_flags(entities)
    n_stories = len(set(gold.values()))
    summary = {
        "data": str(data),
        "records": n_records,
        "articles": n_articles,
        "gold_stories": len(set(gold.values())),
        "seconds": round(seconds, 1),
        "rules_only": args.rules_only,
        "ingest": ingest,
        "stages": stages,
        "newsweave": {"by_kind": dict(kinds), "within_one_gold_story": dict(within), "total": sum(kinds.values()),
                      "per_100_articles": round(100 * sum(kinds.values()) / max(n_articles, 1), 2),
                      "per_gold_story": round(sum(kinds.values()) / n_stories, 3) if n_stories else None},
        "hand_judged": ({**dict(verdicts), "false_per_gold_story": round(verdicts["false"] / n_stories, 3)
                         if n_stories else None, "judgments": str(args.judged)} if args.judged else None),
        "naive_string_checker": {"by_kind": dict(naive), "total": sum(naive.values()),
                                 "per_100_articles": round(100 * sum(naive.values()) / max(n_articles, 1), 2)},
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    check_stages(stages)


if __name__ == "__main__":
    main()
