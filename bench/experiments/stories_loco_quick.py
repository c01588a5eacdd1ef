"""Quick leave-one-corpus-out check of the story join model, without consolidation (issue 13 variants).

Fits the join model (time window from ``--windows``, join threshold on the training stream) on ECB+ and
scores it on newscluster, then the other way round, arrival order 0 only; prints the fixed baseline of
``bench_stories.py`` too. Used to compare the variants listed in ``bench/results/stories.md`` (session 4);
the reported numbers come from ``bench_stories.py``.
Since session 6 the fit keeps 3 hard negatives per article (``HARD_NEGATIVES`` in
``newsweave.stories.fit``); the session-4 numbers quoted for this script were fitted on every candidate.

Usage: python bench/experiments/stories_loco_quick.py --out /tmp/nws13 [--windows 7,14,30] [--orders 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_stories import DEV_DATA, Corpus, fixed_baseline
from newsweave.stories.fit import _fit_join, bcubed_f1, run_stream
from newsweave.stories.model import EVENT_FEATURES


def main() -> None:
    """Run the check."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_stories"))
    ap.add_argument("--windows", default="7,14,30")
    ap.add_argument("--orders", type=int, default=1)
    args = ap.parse_args()
    nc, ecb = Corpus(DEV_DATA / "newscluster", args.out), Corpus(DEV_DATA / "ecbplus", args.out)
    for c in (nc, ecb):
        print(c.name, "fixed baseline (P, R, F1)", bcubed_f1(c.gold, fixed_baseline(c)), flush=True)
    windows = tuple(int(w) for w in args.windows.split(","))
    for train, test in ((ecb, nc), (nc, ecb)):
        t = time.time()
        model, meta = _fit_join(train.stream(0), train.gold, False, 1.0, windows)
        print(f"fitted on {train.name} ({time.time() - t:.0f}s): {meta}, window {model.window_days}, "
              f"join >= {model.event_threshold}", flush=True)
        print({n: round(w, 2) for n, w in zip(EVENT_FEATURES, model.event_coef, strict=True)}, flush=True)
        for seed in range(args.orders):
            ev, _ = run_stream(model, test.stream(seed))
            prf = bcubed_f1(test.gold, ev)
            print(f"  on {test.name} order {seed}: (P, R, F1) {prf}, {len(set(ev.values()))} events", flush=True)


if __name__ == "__main__":
    main()
