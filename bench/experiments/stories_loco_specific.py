"""Issue 13 variants for specific evidence (leave one corpus out, quick; session 6).

Fits the join model on ECB+ and scores it on newscluster, then the other way round (arrival order 0,
the join threshold tuned on the training stream as in :func:`newsweave.stories.fit._fit_join`, time
window 30 days only, which both leave-one-corpus-out models of ``bench_stories.py`` choose; no
consolidation). Fitted models are cached under ``--out/models`` by variant name. Variants:

* ``--hard K``: the join model is fitted on each article's gold candidate plus its ``K`` wrong
  candidates closest by term cosine (hard negatives), not on every candidate the index proposes;
* ``--title-terms``: the headline's words count among the article's terms (under the body's lemma
  where the body uses the same word form), so that a report whose extracted body is only page
  furniture still has content (:func:`with_title_terms`; not in the package: not kept);
* ``--oracle``: also prints the scores at fixed thresholds on the *scored* corpus (a diagnosis of
  whether the threshold or the ranking limits a model; never a reported number).

Every variant scored is listed in ``bench/results/stories.md`` (session 6).

Usage: python bench/experiments/stories_loco_specific.py --out /tmp/h13 --name NAME [--hard 3] [--title-terms]
    [--oracle]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_stories
from bench_stories import DEV_DATA, Corpus
from newsweave.models import AnnotatedArticle
from newsweave.reuse.detect import words
from newsweave.stories.cluster import _STOP, StoryFeatures, story_features
from newsweave.stories.fit import _fit_join, bcubed_f1, run_stream
from newsweave.stories.model import EVENT_FEATURES, StoryModel


def with_title_terms(item: AnnotatedArticle) -> StoryFeatures:
    """:func:`story_features` with the headline's words added to the terms."""
    f = story_features(item)
    text = item.article.text
    lemma_of: dict[str, str] = {}
    if item.annotation is not None:
        for tok in item.annotation.tokens:
            form, lem = words(text[tok.start : tok.end]), words(tok.lemma)
            if len(form) == 1 and lem:
                lemma_of.setdefault(form[0][0], " ".join(w for w, _, _ in lem))
    for w in f.title_terms:
        term = lemma_of.get(w, w)
        if term not in _STOP and (len(term) > 1 or term.isdigit()):
            f.terms[term] = f.terms.get(term, 0) + 1
    return f


def main() -> None:
    """Run the check."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_stories"))
    ap.add_argument("--name", required=True, help="variant name (cache key of the fitted models)")
    ap.add_argument("--hard", type=int, default=0)
    ap.add_argument("--windows", default="30")
    ap.add_argument("--title-terms", action="store_true")
    ap.add_argument("--oracle", action="store_true")
    ap.add_argument("--only", default="", help="score only this corpus (ecbplus or newscluster)")
    args = ap.parse_args()
    if args.title_terms:
        bench_stories.story_features = with_title_terms
    nc, ecb = Corpus(DEV_DATA / "newscluster", args.out), Corpus(DEV_DATA / "ecbplus", args.out)
    windows = tuple(int(w) for w in args.windows.split(","))
    (args.out / "models").mkdir(parents=True, exist_ok=True)
    for train, test in ((ecb, nc), (nc, ecb)):
        if args.only and test.name != args.only:
            continue
        cache = args.out / "models" / f"{args.name}_{train.name}.json"
        t = time.time()
        if cache.exists():
            model = StoryModel.from_dict(json.loads(cache.read_text("utf-8")))
        else:
            model, meta = _fit_join(train.stream(0), train.gold, False, 1.0, windows, args.hard)
            model.meta = meta
            cache.write_text(json.dumps(model.to_dict()), encoding="utf-8")
        print(f"[{args.name}] fitted on {train.name} ({time.time() - t:.0f}s): {model.meta}, window "
              f"{model.window_days}, join >= {model.event_threshold}, intercept {model.event_intercept:.2f}",
              flush=True)
        print({n: round(w, 2) for n, w in zip(EVENT_FEATURES, model.event_coef, strict=True)}, flush=True)
        ev, _ = run_stream(model, test.stream(0))
        prf = tuple(round(x, 4) for x in bcubed_f1(test.gold, ev))
        print(f"[{args.name}]   on {test.name} order 0: (P, R, F1) {prf}, {len(set(ev.values()))} events", flush=True)
        if args.oracle:
            for thr in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
                model.event_threshold = thr
                ev, _ = run_stream(model, test.stream(0))
                prf = tuple(round(x, 3) for x in bcubed_f1(test.gold, ev))
                print(f"    (diagnosis only) threshold {thr}: {prf}, {len(set(ev.values()))} events", flush=True)


if __name__ == "__main__":
    main()
