"""Benchmark: timeline summarization (TLS) on Timeline17-style data.

One task per (collection, gold timeline), as in the TLS literature: the system sees the collection's
articles and is told the gold timeline's number of dates and sentences per date
(``score_tls.py --lengths``). Systems, in the same run, on the same stored annotations:

* ``baseline``: the T dates with most articles published, each with the lead sentence of that day's
  longest article (fixed; the issue's reference);
* ``newsweave``: :func:`newsweave.events.tls.summarize_timeline` (date mentions + publications, centroid
  sentence per date) — the dossier's timeline;
* ``newsweave-mention`` / ``newsweave-pub``: the same with date selection by mentions alone / by
  publications alone (the two parts of the shipped score, to show what each adds);
* ``newsweave-own``: the timeline exactly as the dossier shows it, *not* told the gold lengths: the number of
  dates fits the story and each date has as many statements as articles name it (at most three);
  ``newsweave-own-1``: the same dates with one statement each (what the dossier showed before).

Nothing is fitted: the shipped settings were fixed before this bench ran (see ``bench/results/tls.md``
for the variants tried). Scored with ``../shared/eval/score_tls.py``, which needs ``tilse`` (a bench
dependency only: ``bench/requirements-tls.txt``, in its own environment; ``--tilse-python``).

Articles are read from ``--data``; they are ingested and annotated into ``--db`` (default: a SQLite store
in ``--out``), so a second run, or a store left by ``newsweave analyze`` on the same file, reuses the
annotations.

Usage:
    python bench/bench_tls.py --data ../shared/data/timeline17 --out /tmp/tls \\
        [--db sqlite:////tmp/t17.db] [--tilse-python /tmp/tilse_venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from _common import add_eval_arg, check_finite, check_scored, data_dir, die, find_scorer, note, read_json, write_jsonl
from newsweave.config import Settings
from newsweave.events.tls import summarize_timeline
from newsweave.models import AnnotatedArticle
from newsweave.pipeline import annotate_new, ingest
from newsweave.steps import load_annotated
from newsweave.store import Store

SYSTEMS = ("baseline", "newsweave", "newsweave-mention", "newsweave-pub", "newsweave-own", "newsweave-own-1")
METRICS = ("concat_r1", "concat_r2", "align_m1_r1", "align_m1_r2", "date_f1")


def collection_of(doc: AnnotatedArticle) -> str | None:
    """``<collection>/<uid>`` record id (kept after ``#`` in the article's input) -> the collection."""
    rec = doc.article.input.rsplit("#", 1)[-1] if "#" in doc.article.input else ""
    return rec.split("/", 1)[0] if "/" in rec else None


def baseline(docs: list[AnnotatedArticle], n_dates: int) -> list[dict[str, str]]:
    """The T dates with most articles published, each with the lead sentence of that day's longest article."""
    by_day: dict[str, list[AnnotatedArticle]] = defaultdict(list)
    for d in docs:
        if d.article.published:
            by_day[d.article.published].append(d)
    days = sorted(by_day, key=lambda k: (-len(by_day[k]), k))[:n_dates]
    out = []
    for day in sorted(days):
        longest = max(by_day[day], key=lambda d: (len(d.article.text), d.article.id))
        ann = longest.annotation
        lead = ann.sentences[0].text_of(longest.article.text) if ann and ann.sentences else \
            longest.article.text.strip().split("\n")[0]
        out.append({"date": day, "text": lead.strip()})
    return out


def ours(docs: list[AnnotatedArticle], n_dates: int | None, per_date: int | None, mode: str) -> list[dict[str, str]]:
    # background dates are labelled history, not developments: the timeline scored is the key dates
    return [{"date": e.date, "text": s.text} for e in summarize_timeline(docs, n_dates, per_date, mode)
            if not e.background for s in e.sentences]


def score(tilse_python: str, scorer: Path, gold: Path, pred: Path, out: Path) -> dict[str, Any]:
    proc = subprocess.run([tilse_python, str(scorer), "--gold", str(gold), "--pred", str(pred), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        die(f"score_tls.py failed (exit {proc.returncode}): {proc.stderr.strip()[-600:]}")
    res: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--db", default=None, help="store URL to ingest/annotate into (default: SQLite in --out)")
    ap.add_argument("--tilse-python", default=sys.executable,
                    help="a Python with tilse installed (bench/requirements-tls.txt), to run score_tls.py")
    add_eval_arg(ap)
    a = ap.parse_args()
    data = data_dir(a.data, ["articles.jsonl", "timelines.json"])
    scorer = find_scorer(a.eval).parent / "score_tls.py"
    if not scorer.is_file():
        die(f"{scorer}: missing (the TLS scorer beside score.py)")
    check = subprocess.run([a.tilse_python, "-c", "import tilse"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        die(f"--tilse-python {a.tilse_python}: cannot import tilse; install bench/requirements-tls.txt "
            "into its own environment and pass its python")
    a.out.mkdir(parents=True, exist_ok=True)
    gold = read_json(data / "timelines.json")
    lengths = json.loads(subprocess.run([a.tilse_python, str(scorer), "--gold", str(data), "--lengths"],
                                        capture_output=True, text=True, check=True).stdout)
    check_scored(len(lengths), "gold timelines")

    settings = Settings()
    store = Store(a.db or f"sqlite:///{(a.out / 'tls.db').resolve()}")
    fates = ingest([data / "articles.jsonl"], store, settings)
    refused = [f for f in fates if f.status == "skipped"]
    if refused:
        note(f"{len(refused)} records not stored (e.g. {refused[0].input}: {refused[0].reason})")
    done = annotate_new(store, settings)
    note(f"{done} articles annotated now; the others were already in the store")
    by_coll: dict[str, list[AnnotatedArticle]] = defaultdict(list)
    for d in load_annotated(store):
        c = collection_of(d)
        if c is not None and d.annotation is not None:
            by_coll[c].append(d)
    store.close()

    preds: dict[str, list[dict[str, Any]]] = {s: [] for s in SYSTEMS}
    for task in lengths:
        c, name = task["collection"], task["timeline"]
        if c not in gold:
            continue
        docs = by_coll.get(c, [])
        if not docs:
            note(f"{c}: no annotated articles in the store; the task scores 0")
            continue
        t, k = int(task["dates"]), max(1, round(float(task["sentences_per_date"])))
        preds["baseline"].append({"collection": c, "timeline": name, "entries": baseline(docs, t)})
        for system, mode in (("newsweave", "both"), ("newsweave-mention", "mention"), ("newsweave-pub", "pub")):
            preds[system].append({"collection": c, "timeline": name, "entries": ours(docs, t, k, mode)})
        for system, per in (("newsweave-own", None), ("newsweave-own-1", 1)):  # not told the gold lengths
            preds[system].append({"collection": c, "timeline": name, "entries": ours(docs, None, per, "both")})
    check_scored(len(preds["newsweave"]), "tasks with articles")

    results: dict[str, Any] = {}
    for system, rows in preds.items():
        pred = a.out / f"pred_{system}.jsonl"
        write_jsonl(pred, rows)
        results[system] = score(a.tilse_python, scorer, data, pred, a.out / f"score_{system}.json")
    check_finite({s: {m: r[m] for m in METRICS} for s, r in results.items()})
    lines = ["| system | tasks | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 2) + "|"]
    for system, r in results.items():
        lines.append(f"| {system} | {r['predicted']}/{r['tasks']} | "
                     + " | ".join(f"{r[m]:.3f}" for m in METRICS) + " |")
    lines += ["", "Per task (newsweave vs baseline, align_m1_r1 / date_f1):", ""]
    base = {(p["collection"], p["timeline"]): p for p in results["baseline"]["per_task"]}
    for p in results["newsweave"]["per_task"]:
        b = base[(p["collection"], p["timeline"])]
        lines.append(f"- {p['collection']} {p['timeline']}: {p['align_m1_r1']:.3f} / {p['date_f1']:.3f} "
                     f"(baseline {b['align_m1_r1']:.3f} / {b['date_f1']:.3f})")
    table = "\n".join(lines) + "\n"
    (a.out / "results.md").write_text(table, encoding="utf-8")
    (a.out / "results.json").write_text(json.dumps({s: {m: r[m] for m in (*METRICS, "tasks", "predicted")}
                                                    for s, r in results.items()}, indent=1), encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
