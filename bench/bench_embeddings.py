"""CPU seconds of each analysis stage on a first run and on a rerun that adds a few articles.

Made for issue #16's embedding cache (quotes and summary stages), but it times every stage. The store
gets all of ``--data``'s ``articles.jsonl`` but the last ``--add`` records, is analysed (``pipeline.analyze``,
as ``newsweave analyze`` does), then the last ``--add`` records are added and it is analysed again. Each
stage's ``run`` is wrapped in this process (the pipeline's source is not changed) and timed in CPU seconds
of the process (user+system, all threads, plus finished child processes such as spaCy's workers), so the
numbers hold on a shared machine. Records of kinds ``--dump`` (default: quote, summary) are written to
``--out``/records-<phase>.json after each phase, so two runs (e.g. two versions of the code, or with and
without the cache) can be compared byte for byte.

Run it against another checkout of the code with ``PYTHONPATH=OTHER/src``.

``--annotate N`` measures only annotation instead: ``newsweave.annotate.nlp.annotate`` on the first N
records with 1 and with 2 processes (in the order 1, 2, 2, 1, the model loaded before the clock starts),
wall and CPU seconds and articles per wall second, with the load average beside each.

Usage:

    nice python bench/bench_embeddings.py --data ../shared/data/newscluster --add 10 --out /tmp/emb_after
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with articles.jsonl")
    ap.add_argument("--add", type=int, default=10, help="records held back and added in the second run")
    ap.add_argument("--out", type=Path, required=True, help="folder for the store, timings and record dumps")
    ap.add_argument("--dump", default="quote,summary", help="record kinds written after each phase")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a Settings field to set (int/bool/str), e.g. embedding_cache=false")
    ap.add_argument("--annotate", type=int, default=0, metavar="N",
                    help="only time annotation of the first N records with 1 and 2 processes")
    args = ap.parse_args(argv)
    if args.annotate:
        return annotate_speed(args.data, args.annotate, args.out)

    from newsweave import pipeline
    from newsweave.config import Settings
    from newsweave.stages import STAGES
    from newsweave.store import Store

    lines = [ln for ln in (args.data / "articles.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    if len(lines) <= args.add:
        print(f"bench_embeddings: error: {len(lines)} records, not more than --add {args.add}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    first, second = args.out / "first.jsonl", args.out / "added.jsonl"
    first.write_text("\n".join(lines[: len(lines) - args.add]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[len(lines) - args.add :]) + "\n", encoding="utf-8")
    db = args.out / "store.db"
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    settings = Settings(db_url=f"sqlite:///{db}")
    for item in args.set:
        name, _, raw = item.partition("=")
        old = getattr(settings, name)
        value: Any = raw.lower() in {"1", "true", "yes"} if isinstance(old, bool) else type(old)(raw)
        setattr(settings, name, value)

    times: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **kw: Any) -> Any:
            t0 = cpu()
            try:
                return fn(*a, **kw)
            finally:
                times[name] = times.get(name, 0.0) + cpu() - t0
        return run

    for stage in STAGES:
        stage.run = timed(stage.name, stage.run)
    pipeline.annotate_new = timed("annotate", pipeline.annotate_new)

    result: dict[str, Any] = {"data": str(args.data), "records": len(lines), "add": args.add,
                              "settings": args.set, "pythonpath": os.environ.get("PYTHONPATH", ""), "phases": {}}
    store = Store(settings.db_url)
    for phase, path in (("first", first), ("added", second)):
        times.clear()
        t0, w0 = cpu(), time.perf_counter()
        report = pipeline.analyze([path], store, settings)
        total, wall = cpu() - t0, time.perf_counter() - w0
        result["phases"][phase] = {"cpu_s": round(total, 2), "wall_s": round(wall, 2),
                                   "stages_cpu_s": {k: round(v, 2) for k, v in times.items()},
                                   "said": report.stages, "load": os.getloadavg()}
        dump = {kind: store.records(kind) for kind in args.dump.split(",") if kind}
        (args.out / f"records-{phase}.json").write_text(json.dumps(dump, sort_keys=True, indent=0), encoding="utf-8")
        print(phase, json.dumps(result["phases"][phase]), flush=True)
    store.close()
    (args.out / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def annotate_speed(data: Path, n: int, out: Path) -> int:
    """Articles per second of spaCy annotation with 1 and 2 processes on the same articles."""
    from newsweave.annotate.nlp import annotate, load_nlp
    from newsweave.config import Settings
    from newsweave.models import Article

    rows = [json.loads(ln) for ln in (data / "articles.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    arts = [Article(id=str(k), text=r["text"], input=str(k), language="en") for k, r in enumerate(rows[:n])]
    nlp = load_nlp(Settings().spacy_model)
    list(annotate(arts[:2], nlp))  # warm up
    runs = []
    reference = None
    for procs in (1, 2, 2, 1):
        t0, w0 = cpu(), time.perf_counter()
        anns = [a.to_dict() for a in annotate(arts, nlp, batch_size=32, processes=procs)]
        wall, used = time.perf_counter() - w0, cpu() - t0
        reference = reference or anns
        runs.append({"processes": procs, "articles": len(arts), "wall_s": round(wall, 2), "cpu_s": round(used, 2),
                     "articles_per_s": round(len(arts) / wall, 2), "load": os.getloadavg(),
                     "same_as_first": anns == reference})
        print(json.dumps(runs[-1]), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "annotate.json").write_text(json.dumps(runs, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
