"""End-to-end speed of ``newsweave.pipeline.analyze`` against spaCy ``nlp.pipe`` alone, per stage, with peak memory.

For each size N (``--sizes``) a deterministic sample of N articles is drawn from the ``--data`` folders
(``articles.jsonl``; ``--data`` may be given more than once). In the same run, on the same texts:

* **spaCy alone**: ``nlp.pipe`` with the model and batch size of :class:`newsweave.config.Settings`, once with
  ``n_process=1`` and once with ``n_process=--procs`` (default: the cores this process may use); the faster
  of the two is the reference ("both using the cores as well as they can"). Model loading is not timed.
* **end to end**: ``newsweave.pipeline.analyze`` on the sample (a JSON Lines file) into an empty temporary SQLite
  store. If ``Settings`` has an integer field for a process count (a name containing ``process``, ``worker``,
  ``n_jobs`` or ``procs``; read at run time), it is set to ``--procs`` and named in the results. The spaCy model
  is loaded before the clock starts, as for spaCy alone; every other model loads inside the timed run.
* **per stage**: ``ingest`` and ``annotate_new`` of :mod:`newsweave.pipeline` and the ``run`` (and ``inputs``,
  i.e. the fingerprint) of every entry of :data:`newsweave.stages.STAGES` are wrapped in this bench's process
  (the pipeline's source is not changed); wall seconds and CPU seconds (this process's user+system time,
  all threads, plus that of finished child processes such as spaCy's workers). "other" is the rest of
  ``analyze`` (store set-up, commits, fingerprints of what is annotated).
* **peak memory**: every measurement runs in a child process of its own (``python bench_pipeline.py
  --child ...``); its ``ru_maxrss`` (the process's high-water resident set) is reported, and separately that
  of its largest child process (spaCy workers) when there was one.
* ``--incremental``: after analysing N, a second child process adds ``--add`` (20) articles no sample contains
  (the same ones at every size) to that store and analyses again, as a second ``newsweave analyze`` would;
  that run's time, per-stage table and peak memory are reported, with the ratio of adding at the largest
  size to adding at the smallest, and to analysing the largest size from scratch.

* ``--from-store FILE`` (a SQLite store that this bench made at one size N, ``--sizes N``, e.g. with
  ``--keep``): the store is copied; a first child analyses it with no new input (the **catch-up**: what the
  code of this run recomputes in a store made by an earlier version; reported, not a target); a second adds
  ``--add`` articles that neither the size-N sample nor its ``--incremental`` increment contains (the pool's
  articles after the first N; give the ``--data``, ``--seed`` and ``--add`` the store was made with) and
  analyses again, reported as the increment. So adding articles to a large store can be measured with new
  code without analysing the N articles from scratch again; no spaCy-alone or from-scratch numbers then.

Sampling: the usable English records of each folder (in ``--data`` order) are shuffled with ``--seed``
(per folder); texts seen before (whitespace-normalised, across all folders) are dropped, so no text is
stored twice. With ``--incremental`` the first ``--add`` of the first folder are held back as the new
articles. The pool is the first folder's articles, then the second's, and so on; size N is the pool's
first N (so the samples are nested, and a size within the first folder uses only that folder). A size
larger than the pool is skipped and said so. Folders the data README marks as HOLDOUT are refused.

Writes ``pipeline.json`` and ``pipeline.md`` to ``--out``; exits with status 2 when nothing was measured
(every size skipped, no article stored, a stage failed). Reports ratios; the machine's load average is
recorded beside each measurement because the numbers are wall-clock.

Usage:

    nice python bench/bench_pipeline.py --data ../shared/data/ecbplus --data ../shared/data/newscluster \\
        --sizes 250,1000 --incremental --out bench/out/pipeline [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import check_stages, die, note, read_articles, read_json, write_jsonl

#: Folder names of the HOLDOUT parts (../shared/data/README.md); never to be used for development.
HOLDOUT_NAMES = {"aquaint", "timeline", "meantime"}
PROCESS_FIELD = re.compile(r"process|worker|procs|n_jobs", re.I)  # not api_jobs_kept (a count of kept jobs)
PROFILE_TOP = 12


# --- sampling ----------------------------------------------------------------------------------------------------


def check_not_holdout(path: Path) -> None:
    """Refuse a folder that is (or lies in) a HOLDOUT corpus."""
    parts = [p.lower() for p in path.resolve().parts]
    if path.resolve().name.lower() in HOLDOUT_NAMES or any("holdout" in p for p in parts):
        die(f"--data {path}: a HOLDOUT corpus; it must not be used for development")


def text_key(text: str) -> str:
    """What makes two texts the same article text (whitespace runs count as one space)."""
    return re.sub(r"\s+", " ", text).strip()


def build_pool(folders: list[Path], seed: int, add: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                                    dict[str, Any]]:
    """(pool in sampling order, the ``add`` held-back new articles, what was left out and why)."""
    seen: set[str] = set()
    pool: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    info: dict[str, Any] = {"folders": [], "not_english": 0, "duplicate_texts": 0}
    for k, folder in enumerate(folders):
        rows = read_articles(folder)
        english = [r for r in rows if r.get("language") == "en"]
        info["not_english"] += len(rows) - len(english)
        random.Random(f"{seed}:{folder.name}").shuffle(english)
        kept = 0
        for r in english:
            key = text_key(r["text"])
            if not key or key in seen:
                info["duplicate_texts"] += int(bool(key))
                continue
            seen.add(key)
            rec = {f: r.get(f) for f in ("id", "source", "url", "title", "published", "language", "text")}
            if k == 0 and len(held) < add:
                held.append(rec)
            else:
                pool.append(rec)
            kept += 1
        info["folders"].append({"data": str(folder), "records": len(rows), "used": kept})
    return pool, held, info


# --- child processes: one measurement each ----------------------------------------------------------------------


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def _peaks() -> dict[str, float | None]:
    """ru_maxrss of this process and of its largest finished child, in MB (Linux reports KiB).

    A forked child starts with its parent's resident pages, so a child process must not be started here
    for anything else than the measured work (it would report the parent's size as its own).
    """
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ch = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(me, 1), "peak_rss_child_mb": round(ch, 1) if ch else None}


def code_origin() -> dict[str, Any]:
    """Where ``newsweave`` is imported from, and (in a git work tree) its commit and uncommitted files."""
    import newsweave

    src = Path(newsweave.__file__).resolve().parent
    info: dict[str, Any] = {"newsweave_source": str(src)}
    git = ["git", "-C", str(src)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    if head.returncode == 0:
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True, text=True,
                               check=False).stdout.splitlines()
        info.update(commit=head.stdout.strip(), uncommitted_under_source=len(dirty))
    return info


def process_fields() -> list[str]:
    """Integer fields of Settings that set a process count (read at run time)."""
    from newsweave.config import Settings

    return [f.name for f in fields(Settings) if PROCESS_FIELD.search(f.name) and f.type in ("int", int)]


def make_settings(db_url: str, procs: int) -> tuple[Any, dict[str, int]]:
    """Settings for the run, with every process-count field set to ``procs``."""
    from newsweave.config import Settings

    found = {name: procs for name in process_fields()}
    return Settings(db_url=db_url, **found), found  # type: ignore[arg-type]


def child_spacy(spec: dict[str, Any]) -> dict[str, Any]:
    """spaCy ``nlp.pipe`` alone over the texts newsweave reads from the sample (model load not timed)."""
    from newsweave.annotate.nlp import load_nlp
    from newsweave.ingest import read_inputs

    settings, _ = make_settings("sqlite://", spec["procs"])
    texts = [a.text for _, a in read_inputs([spec["sample"]], settings) if not isinstance(a, str)
             and a.language == "en"]
    nlp = load_nlp(settings.spacy_model)
    cpu0, t0 = _cpu(), time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=settings.batch_size, n_process=spec["n_process"]):
        pass
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    return {"articles": len(texts), "chars": sum(map(len, texts)), "wall_s": wall, "cpu_s": cpu,
            "model": settings.spacy_model, "batch_size": settings.batch_size, "n_process": spec["n_process"],
            **_peaks()}


class StageClock:
    """Wall and CPU seconds per wrapped callable (optionally a cProfile per stage)."""

    def __init__(self, profile_dir: Path | None) -> None:
        self.rows: dict[str, dict[str, float]] = {}
        self.profile_dir = profile_dir
        self.profiles: dict[str, Any] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            prof = None
            if self.profile_dir is not None:  # one profile per name, accumulated over its calls
                import cProfile

                # CPU time of the process (all threads), not wall time: the machine may be shared
                prof = self.profiles.setdefault(name, cProfile.Profile(time.process_time))
            cpu0, t0 = _cpu(), time.perf_counter()
            try:
                if prof is not None:
                    return prof.runcall(fn, *args, **kwargs)
                return fn(*args, **kwargs)
            finally:
                row = self.rows.setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0, "calls": 0})
                row["wall_s"] += time.perf_counter() - t0
                row["cpu_s"] += _cpu() - cpu0
                row["calls"] += 1
                if prof is not None and self.profile_dir is not None:
                    self.profile_dir.mkdir(parents=True, exist_ok=True)
                    prof.dump_stats(str(self.profile_dir / f"{name}.prof"))

        return timed


def child_analyze(spec: dict[str, Any]) -> dict[str, Any]:
    """``analyze`` of the sample into the store, every stage timed; the spaCy model is loaded first."""
    import newsweave.pipeline as pipeline
    from newsweave.annotate.nlp import load_nlp
    from newsweave.stages import STAGES
    from newsweave.store import Store

    settings, found = make_settings(spec["db_url"], spec["procs"])
    load_nlp(settings.spacy_model)
    clock = StageClock(Path(spec["profile_dir"]) if spec.get("profile_dir") else None)
    wrapped = []
    for name, attr in (("ingest", "ingest"), ("annotate", "annotate_new")):
        if callable(getattr(pipeline, attr, None)):
            setattr(pipeline, attr, clock.wrap(name, getattr(pipeline, attr)))
            wrapped.append(name)
    for stage in STAGES:
        stage.run = clock.wrap(stage.name, stage.run)
        stage.inputs = clock.wrap("fingerprints", stage.inputs)
        wrapped.append(stage.name)
    with Store(settings.db_url) as store:
        before = store.count_articles()
        cpu0, t0 = _cpu(), time.perf_counter()
        report = pipeline.analyze([spec["sample"]] if spec.get("sample") else [], store, settings)
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
        stored, annotated = store.count_articles(), store.count_annotations()
    return {"wall_s": wall, "cpu_s": cpu, "stored_before": before, "stored_after": stored,
            "annotated_after": annotated, "new_articles": stored - before, "stages_said": report.stages,
            "stage_times": clock.rows, "wrapped": wrapped, "process_settings": found,
            "newsweave_source": str(Path(pipeline.__file__).resolve().parent), **_peaks()}


def run_child(kind: str, spec: dict[str, Any], work: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its result (or one error line) comes back."""
    spec_path = work / f"spec-{kind}-{time.monotonic_ns()}.json"
    result_path = spec_path.with_suffix(".result.json")
    spec_path.write_text(json.dumps({**spec, "kind": kind, "result": str(result_path)}))
    load = os.getloadavg()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not result_path.is_file():
        die(f"{kind} measurement failed (exit {proc.returncode}): {proc.stderr.strip()[-1500:]}")
    res: dict[str, Any] = read_json(result_path)
    res["load_before"] = [round(x, 2) for x in load]
    res["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return res


def child_main(spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text())
    res = child_spacy(spec) if spec["kind"] == "spacy" else child_analyze(spec)
    Path(spec["result"]).write_text(json.dumps(res))


# --- the report --------------------------------------------------------------------------------------------------


def stage_table(rows: dict[str, dict[str, float]], total_wall: float, total_cpu: float) -> dict[str, Any]:
    """Per-stage rows plus 'other' (the rest of analyze), rounded, with each stage's share of the wall time."""
    out = {}
    for name, r in rows.items():
        out[name] = {"wall_s": round(r["wall_s"], 2), "cpu_s": round(r["cpu_s"], 2),
                     "wall_share": round(r["wall_s"] / total_wall, 3) if total_wall else None}
    rest_w = total_wall - sum(r["wall_s"] for r in rows.values())
    rest_c = total_cpu - sum(r["cpu_s"] for r in rows.values())
    out["other"] = {"wall_s": round(rest_w, 2), "cpu_s": round(rest_c, 2),
                    "wall_share": round(rest_w / total_wall, 3) if total_wall else None}
    return out


def summarize_run(res: dict[str, Any], articles: int) -> dict[str, Any]:
    return {
        "articles": articles, "wall_s": round(res["wall_s"], 2), "cpu_s": round(res["cpu_s"], 2),
        "articles_per_s": round(articles / res["wall_s"], 3), "articles_per_cpu_s": round(articles / res["cpu_s"], 3),
        "stored_after": res["stored_after"], "annotated_after": res["annotated_after"],
        "peak_rss_mb": res["peak_rss_mb"], "peak_rss_child_mb": res["peak_rss_child_mb"],
        "stages": stage_table(res["stage_times"], res["wall_s"], res["cpu_s"]),
        "stages_said": res["stages_said"], "load_before": res["load_before"], "load_after": res["load_after"],
    }


def profile_summary(prof_dir: Path, top: int = PROFILE_TOP) -> str:
    """Markdown: per stage, the functions with the most self time and the most cumulative time."""
    import pstats

    lines: list[str] = []
    for prof in sorted(prof_dir.glob("*.prof")):
        st = pstats.Stats(str(prof))
        total = st.total_tt  # type: ignore[attr-defined]
        entries = st.stats  # type: ignore[attr-defined]
        lines.append(f"\n#### {prof.stem} (profiled total {total:.1f} s)\n")
        lines.append("| self s | cum s | calls | function |")
        lines.append("|---:|---:|---:|---|")
        by_self = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
        by_cum = [kv for kv in sorted(entries.items(), key=lambda kv: kv[1][3], reverse=True)
                  if kv not in by_self][:top // 2]
        for (file, line, func), (_cc, nc, tt, ct, _callers) in by_self + by_cum:
            where = re.sub(r"^.*?/(site-packages|src)/", "", file)
            lines.append(f"| {tt:.1f} | {ct:.1f} | {nc} | `{func}` {where}:{line} |")
    return "\n".join(lines) + "\n"


def markdown(result: dict[str, Any]) -> str:
    out = ["# Pipeline speed (bench/bench_pipeline.py)", "",
           f"Command: `{result['command']}`  ", f"newsweave from: {result['newsweave_source']} "
           f"(commit {result.get('commit', 'unknown')}, {result.get('uncommitted_under_source', '?')} uncommitted "
           "changes under it)  ", f"Machine: {result['machine']}; load averages are "
           "(1, 5, 15 min) before each measurement.  ",
           "Process-count settings given to the pipeline: "
           f"{result['process_settings'] or 'none (Settings has no such field)'}",
           "", "| articles | chars/article | spaCy alone art/s (n_process: art/s) | analyze art/s | ratio (wall) | "
           "ratio (CPU) | analyze wall s | analyze CPU s | peak RSS MB (spaCy workers) | load |",
           "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for s in result["sizes"]:
        sp = "; ".join(f"{r['n_process']}: {r['articles_per_s']}" for r in s["spacy"])
        a = s["analyze"]
        child = f" ({a['peak_rss_child_mb']})" if a["peak_rss_child_mb"] else ""
        out.append(f"| {s['articles']} | {s['chars_per_article']} | {sp} | {a['articles_per_s']} | "
                   f"{s['ratio_wall']} | {s['ratio_cpu']} | {a['wall_s']} | {a['cpu_s']} | {a['peak_rss_mb']}{child} | "
                   f"{a['load_before']} |")
    names = list(dict.fromkeys(n for s in result["sizes"] for n in s["analyze"]["stages"]))
    out += ["", "Per stage, analyse from an empty store (wall s / CPU s / share of wall):", "",
            "| stage | " + " | ".join(str(s["articles"]) for s in result["sizes"]) + " |",
            "|---|" + "---:|" * len(result["sizes"])]
    for n in names:
        cells = []
        for s in result["sizes"]:
            r = s["analyze"]["stages"].get(n)
            cells.append(f"{r['wall_s']} / {r['cpu_s']} / {r['wall_share']:.0%}" if r else "")
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    inc = [s for s in result["sizes"] if "incremental" in s]
    if inc:
        out += ["", f"Adding {result['add']} new articles to a store of N (a second analyze; wall s / CPU s):", "",
                "| stage | " + " | ".join(str(s["articles"]) for s in inc) + " |", "|---|" + "---:|" * len(inc)]
        names = list(dict.fromkeys(n for s in inc for n in s["incremental"]["stages"]))
        for n in ["TOTAL", *names]:
            cells = []
            for s in inc:
                r = s["incremental"] if n == "TOTAL" else s["incremental"]["stages"].get(n)
                cells.append(f"{r['wall_s']} / {r['cpu_s']}" if r else "")
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        out.append("| peak RSS MB | " + " | ".join(str(s["incremental"]["peak_rss_mb"]) for s in inc) + " |")
        out.append("| load | " + " | ".join(str(s["incremental"]["load_before"]) for s in inc) + " |")
        out.append("")
        out += [f"- {k}: {v}" for k, v in result.get("incremental_ratios", {}).items()]
    out.append("")
    return "\n".join(out)


def from_store(args: argparse.Namespace, pool: list[dict[str, Any]], sizes: list[int], info: dict[str, Any]) -> None:
    """``--from-store``: a catch-up run on a copy of the store, then ``--add`` articles it does not hold."""
    if len(sizes) != 1 or not args.from_store.is_file():
        die("--from-store FILE needs the SQLite file and the one size it was made with (--sizes N)")
    n = sizes[0]
    new = pool[n : n + args.add]
    if len(new) < args.add:
        die(f"--from-store: the pool holds {len(pool)} articles, not {n} + {args.add}: add a --data folder")
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "data": info,
                              "from_store": str(args.from_store), "size": n, "add": args.add, **code_origin()}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        work = Path(tmp)
        shutil.copy(args.from_store, work / "store.db")
        db = f"sqlite:///{work / 'store.db'}"
        write_jsonl(work / "new.jsonl", new)
        note(f"catch-up run on a copy of {args.from_store} ...")
        up = run_child("analyze", {"sample": None, "procs": args.procs, "db_url": db, "profile_dir": None}, work)
        check_stages(up["stages_said"])
        result["catch_up"] = summarize_run(up, up["stored_after"])
        note(f"adding {args.add} new articles ...")
        inc = run_child("analyze", {"sample": str(work / "new.jsonl"), "procs": args.procs, "db_url": db,
                                    "profile_dir": None}, work)
        check_stages(inc["stages_said"])
        if inc["new_articles"] != args.add:
            die(f"the increment stored {inc['new_articles']} new articles, not {args.add}")
        result["incremental"] = summarize_run(inc, args.add)
    (args.out / "pipeline-from-store.json").write_text(json.dumps(result, indent=2))
    lines = [f"Add {args.add} to a copy of {args.from_store} ({up['stored_after']} articles), code "
             f"{result.get('commit', '?')}:", "", "| stage | catch-up CPU s | add CPU s | add wall s |",
             "|---|---:|---:|---:|"]
    for name, row in result["incremental"]["stages"].items():
        lines.append(f"| {name} | {result['catch_up']['stages'].get(name, {}).get('cpu_s', '')} | "
                     f"{row['cpu_s']} | {row['wall_s']} |")
    lines.append(f"| **total** | {result['catch_up']['cpu_s']} | {result['incremental']['cpu_s']} | "
                 f"{result['incremental']['wall_s']} |")
    lines.append(f"\nPeak RSS: catch-up {result['catch_up']['peak_rss_mb']} MB, "
                 f"add {result['incremental']['peak_rss_mb']} MB.")
    md = "\n".join(lines) + "\n"
    (args.out / "pipeline-from-store.md").write_text(md)
    print(md)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, action="append", help="folder with articles.jsonl (repeatable)")
    ap.add_argument("--sizes", default="250,1000,3000", help="comma-separated article counts")
    ap.add_argument("--incremental", action="store_true", help="also add --add new articles to each store")
    ap.add_argument("--add", type=int, default=20, help="new articles added with --incremental (default 20)")
    ap.add_argument("--out", type=Path, default=Path("bench/out/pipeline"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--procs", type=int, default=len(os.sched_getaffinity(0)),
                    help="processes for spaCy alone (and any process-count setting of the pipeline)")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile (CPU-time timer) each stage of the from-scratch runs (slower: the timings are "
                         "then not comparable)")
    ap.add_argument("--keep", type=Path,
                    help="move each size's store (after --incremental, if given) to this folder as store-N.db "
                         "instead of deleting it (e.g. for the service's load test)")
    ap.add_argument("--from-store", type=Path,
                    help="a SQLite store this bench made at the one size of --sizes: measure a catch-up run and "
                         "adding --add articles to a copy of it (see above)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_main(args.child)
        return
    if not args.data:
        die("--data DIR is required (repeat it to pool several corpora)")
    for d in args.data:
        check_not_holdout(d)
        if not d.is_dir():
            die(f"--data {d}: not a folder")
    try:
        sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    except ValueError:
        die(f"--sizes {args.sizes!r}: expected whole numbers separated by commas")
    if not sizes or sizes[0] < 1 or args.add < 1:
        die("--sizes and --add must be positive")
    pool, held, info = build_pool(args.data, args.seed, args.add if args.incremental or args.from_store else 0)
    if args.incremental and len(held) < args.add:
        die(f"--incremental: {args.data[0]} has only {len(held)} usable articles to hold back, not {args.add}")
    if info["duplicate_texts"] or info["not_english"]:
        note(f"left out {info['duplicate_texts']} duplicate texts and {info['not_english']} non-English records")
    if args.from_store is not None:
        from_store(args, pool, sizes, info)
        return
    todo = [n for n in sizes if n <= len(pool)]
    for n in sizes:
        if n > len(pool):
            note(f"size {n} skipped: the --data folders hold only {len(pool)} distinct English articles "
                 f"({'plus ' + str(len(held)) + ' held back as new' if held else 'none held back'}); "
                 "add another dev corpus with --data")
    if not todo:
        die(f"measured nothing: every size ({args.sizes}) exceeds the {len(pool)} articles available")
    from newsweave.config import Settings

    found = {name: args.procs for name in process_fields()}
    spacy_procs = sorted({1, args.procs})
    origin = code_origin()
    if origin.get("uncommitted_under_source"):
        note(f"newsweave is imported from {origin['newsweave_source']}, which has "
             f"{origin['uncommitted_under_source']} uncommitted changes: say so beside the numbers")
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores "
                   f"({len(os.sched_getaffinity(0))} usable)",
        "data": info, "seed": args.seed, "add": args.add if args.incremental else None,
        "process_settings": found, "spacy_model": Settings().spacy_model, "batch_size": Settings().batch_size,
        "peak_memory": "ru_maxrss of the child process that ran the measurement (and of its largest child)",
        **origin, "profiled": args.profile, "skipped_sizes": [n for n in sizes if n not in todo], "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        work = Path(tmp)
        if held:
            write_jsonl(work / "new.jsonl", held)
        for n in todo:
            sample = work / f"sample-{n}.jsonl"
            write_jsonl(sample, pool[:n])
            note(f"{n} articles: spaCy alone (n_process {spacy_procs}) ...")
            spacy = []
            for k in spacy_procs:
                r = run_child("spacy", {"sample": str(sample), "procs": args.procs, "n_process": k}, work)
                r["articles_per_s"] = round(r["articles"] / r["wall_s"], 3)
                spacy.append({kk: (round(v, 2) if isinstance(v, float) else v) for kk, v in r.items()})
            note(f"{n} articles: analyze from an empty store ...")
            db = f"sqlite:///{work / f'store-{n}.db'}"
            prof = args.out / "profile" / str(n) if args.profile else None
            res = run_child("analyze", {"sample": str(sample), "procs": args.procs, "db_url": db,
                                        "profile_dir": str(prof) if prof else None}, work)
            check_stages(res["stages_said"])
            if res["stored_after"] == 0:
                die(f"measured nothing: newsweave stored no article of the {n}-article sample")
            if res["stored_after"] != n:
                note(f"{n}-article sample: the store holds {res['stored_after']} articles")
            best = min(spacy, key=lambda r: r["wall_s"])
            texts = best["articles"]
            a = summarize_run(res, n)
            entry: dict[str, Any] = {
                "articles": n, "chars_per_article": round(best["chars"] / texts) if texts else None,
                "spacy": spacy, "analyze": a,
                "ratio_wall": round(a["articles_per_s"] / best["articles_per_s"], 4),
                "ratio_wall_vs_spacy_n_process_1": round(a["articles_per_s"] / spacy[0]["articles_per_s"], 4),
                "ratio_cpu": round((n / res["cpu_s"]) / (best["articles"] / best["cpu_s"]), 4),
            }
            if prof is not None and prof.is_dir():
                (prof / "hotspots.md").write_text(profile_summary(prof))
            if args.incremental:
                note(f"{n} articles: adding {len(held)} new ...")
                inc = run_child("analyze", {"sample": str(work / "new.jsonl"), "procs": args.procs,
                                            "db_url": db, "profile_dir": None}, work)
                check_stages(inc["stages_said"])
                if inc["new_articles"] != len(held):
                    die(f"the increment stored {inc['new_articles']} new articles, not {len(held)}")
                entry["incremental"] = summarize_run(inc, len(held))
            result["sizes"].append(entry)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.move(work / f"store-{n}.db", args.keep / f"store-{n}.db")
                note(f"{n} articles: store kept as {args.keep / f'store-{n}.db'}")
            Path(work / f"store-{n}.db").unlink(missing_ok=True)
            (args.out / "pipeline.json").write_text(json.dumps(result, indent=2))  # partial results survive
    inc_sizes = [s for s in result["sizes"] if "incremental" in s]
    if len(inc_sizes) >= 1:
        lo, hi = inc_sizes[0], inc_sizes[-1]
        ratios = {
            f"add {args.add} at {hi['articles']} / from scratch at {hi['articles']} (wall)":
                round(hi["incremental"]["wall_s"] / hi["analyze"]["wall_s"], 4),
            f"add {args.add} at {hi['articles']} / from scratch at {hi['articles']} (CPU)":
                round(hi["incremental"]["cpu_s"] / hi["analyze"]["cpu_s"], 4),
        }
        if hi is not lo:
            ratios[f"add {args.add} at {hi['articles']} / add {args.add} at {lo['articles']} (wall)"] = \
                round(hi["incremental"]["wall_s"] / lo["incremental"]["wall_s"], 4)
            ratios[f"add {args.add} at {hi['articles']} / add {args.add} at {lo['articles']} (CPU)"] = \
                round(hi["incremental"]["cpu_s"] / lo["incremental"]["cpu_s"], 4)
        result["incremental_ratios"] = ratios
    lo_s, hi_s = result["sizes"][0], result["sizes"][-1]
    if hi_s["articles"] - lo_s["articles"] >= 100:  # below that, the growth is noise
        grew = hi_s["analyze"]["peak_rss_mb"] - lo_s["analyze"]["peak_rss_mb"]
        per_k = grew / (hi_s["articles"] - lo_s["articles"])
        result["peak_rss_growth_mb_per_1000_articles"] = round(per_k * 1000, 1)
    (args.out / "pipeline.json").write_text(json.dumps(result, indent=2))
    md = markdown(result)
    if "peak_rss_growth_mb_per_1000_articles" in result:
        md += f"\nPeak RSS growth: {result['peak_rss_growth_mb_per_1000_articles']} MB per 1,000 articles.\n"
    if args.profile:
        for s in result["sizes"]:
            hs = args.out / "profile" / str(s["articles"]) / "hotspots.md"
            if hs.is_file():
                md += (f"\n### Profile at {s['articles']} articles "
                       "(cProfile per stage, CPU seconds, inflated by profiling)\n")
                md += hs.read_text()
    (args.out / "pipeline.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
