"""Speed: `newsweave analyze` over a JSON Lines corpus against spaCy's own nlp.pipe, in one run.

Reports articles per second for both and their ratio (ours / spaCy's), so that
machine noise cancels out. Records without an id or text are counted and left out of
the spaCy side; the run fails when the folder has no article, newsweave stored none, or
(``--full``) a stage failed.
Usage:

    python bench/bench_speed.py --data ../shared/data/ecbplus [--out bench/out/speed] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from _common import check_scored, check_stages, data_dir, read_articles
from newsweave.annotate.nlp import load_nlp
from newsweave.config import Settings
from newsweave.pipeline import analyze, annotate_new, ingest
from newsweave.store import Store


def spacy_pipe(texts: list[str], batch_size: int) -> float:
    """Seconds for spaCy's nlp.pipe over the texts (the reference)."""
    nlp = load_nlp()
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    return time.perf_counter() - start


def ours(path: Path, batch_size: int, full: bool) -> tuple[float, dict[str, float], int]:
    """Seconds for newsweave (ingest + annotate [+ every stage]) into a fresh SQLite store."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=f"sqlite:///{tmp}/bench.db", batch_size=batch_size)
        with Store(settings.db_url) as store:
            start = time.perf_counter()
            if full:
                check_stages(analyze([path], store, settings).stages)
                parts = {}
            else:
                ingest([path], store, settings)
                t_ingest = time.perf_counter() - start
                annotate_new(store, settings)
                parts = {"ingest_s": t_ingest, "annotate_s": time.perf_counter() - start - t_ingest}
            seconds = time.perf_counter() - start
            return seconds, parts, store.count_articles()


def main() -> None:
    """Run the benchmark and print/write the results."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="dataset folder holding articles.jsonl")
    ap.add_argument("--out", type=Path, default=Path("bench/out/speed"))
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--full", action="store_true", help="time every analysis stage, not only ingest+annotate")
    args = ap.parse_args()
    path = data_dir(args.data, ["articles.jsonl"]) / "articles.jsonl"
    texts = [r["text"] for r in read_articles(path.parent)]
    load_nlp()  # model load time is excluded from both sides
    t_spacy = spacy_pipe(texts, args.batch_size)
    t_ours, parts, stored = ours(path, args.batch_size, args.full)
    check_scored(stored, f"articles stored by newsweave from {path}")
    n = len(texts)
    result = {
        "data": str(path.parent),
        "articles": n,
        "articles_stored_by_newsweave": stored,
        "chars": sum(map(len, texts)),
        "spacy_pipe_articles_per_s": round(n / t_spacy, 1),
        "newsweave_articles_per_s": round(n / t_ours, 1),
        "ratio_newsweave_over_spacy": round(t_spacy / t_ours, 3),
        "mode": "analyze (all stages)" if args.full else "ingest + annotate + store",
        **{k: round(v, 2) for k, v in parts.items()},
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
