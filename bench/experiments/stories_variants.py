"""Story-clustering variants tried on ECB+ dev and not kept (issue #3, session 3).

Each variant changes one thing in the clusterer for the length of one run, by
replacing a function or constant in this process only (the package is not modified), and
runs the same cross-fitted evaluation as ``bench/bench_stories.py`` (5 topic folds, 3 arrival
orders, no embeddings), scored with ``score.py``:

* ``base``: the clusterer as it is, unchanged (the lead-name features were measured with it
  after ``git apply bench/experiments/lead_features.patch`` onto the session-2 clusterer,
  ``git checkout b82c5c5 -- src/newsweave tests``; the other variants on the session-2
  ``git checkout b82c5c5 -- src/newsweave/stories.py``);
* ``linear``: the join models without the pairwise feature products;
* ``sim_products``: the event join model keeps only the products of two similarity features
  (the date gap, event size, year agreement/conflict and the has-kind flags enter linearly);
* ``recheck125``: a grown event is bisected again after 25 % growth instead of 50 %;
* ``persons_view``: a third bisection view, the person names alone;
* ``on_policy``: the event join model is refitted on the gold-replay pairs plus the pairs
  seen in an out-of-fold replay of its own decisions (each candidate labelled by whether
  its majority gold event is the article's), then its join threshold is re-tuned.

Usage::

    python bench/experiments/stories_variants.py --data ../shared/data/ecbplus \\
        --out /tmp/variants --variant persons_view

Results are in ``bench/results/stories.md`` ("Session 3").
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_stories
import newsweave.stories.cluster as S
import newsweave.stories.fit as SF
from newsweave.models import AnnotatedArticle
from newsweave.stories.cluster import StoryClusterer, StoryFeatures, StoryModel, story_features


def _persons_view() -> None:
    """Add the person names alone as a third bisection view."""
    original = S.StoryClusterer._bisections

    def bisections(self: StoryClusterer, feats: Sequence[StoryFeatures], vecs: Sequence[Any]) -> list[list[int]]:
        out = original(self, feats, vecs)
        view = [S._kind_unit(f.kinds.get("persons") or {"?": 1}) for f in feats]
        out += [a for a in S._two_means(view) if a not in out and [1 - g for g in a] not in out]
        return out

    S.StoryClusterer._bisections = bisections  # type: ignore[method-assign]


#: event features that enter the ``sim_products`` variant's pairwise products
_SIMILARITIES = (
    "cos_terms",
    "cos_entities",
    "shared_entities",
    "cos_title",
    "cos_embedding",
    "terms_x_entities",
    "terms_x_embedding",
    "member_terms",
    "member_entities",
    "member_embedding",
    "cos_persons",
    "cos_places",
    "cos_numbers",
    "year_share",
    "top_year_agree",
)


def _sim_products() -> None:
    """Event model inputs: the features plus the products of two similarity features only."""
    from newsweave.stories.model import EVENT_FEATURES

    full = SF.expand
    keep = [EVENT_FEATURES.index(n) for n in _SIMILARITIES]
    i, j = np.triu_indices(len(keep), 1)
    a, b = np.asarray(keep)[i], np.asarray(keep)[j]

    def expand(x: np.ndarray, quadratic: bool) -> np.ndarray:
        if not quadratic or x.shape[1] != len(EVENT_FEATURES):
            return full(x, quadratic)
        return np.hstack([x, x[:, a] * x[:, b]])

    S.expand = expand  # type: ignore[assignment]
    SF.expand = expand  # type: ignore[assignment]


def _policy_examples(
    models: Mapping[int, StoryModel],
    fold_of: Mapping[str, int],
    stream: Sequence[StoryFeatures],
    gold: Mapping[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Pair features of each article against the candidates of the state an out-of-fold replay reaches."""
    clf = StoryClusterer(next(iter(models.values())))
    feats = {f.article_id: f for f in stream}
    xs: list[np.ndarray] = []
    ys: list[int] = []
    for n, f in enumerate(stream, 1):
        clf.model = models[fold_of[f.article_id]]
        clf.observe(f)
        tv, ev, _, cand = clf.candidates(f)
        if cand:
            clusters = [clf.events[c] for c in cand]
            xs.append(clf.pair_features(f, tv, ev, clusters, "event"))
            for c in clusters:
                majority = collections.Counter(gold[a] for a in c.article_ids).most_common(1)[0][0]
                ys.append(int(majority == gold[f.article_id]))
        clf.add(f)
        if n % SF.CONSOLIDATE_EVERY == 0 or n == len(stream):
            for k, model in models.items():
                clf.model = model
                clf.consolidate(feats.get, select=partial(SF._first_in_fold, fold_of, k))
    return np.vstack(xs), np.asarray(ys)


def _on_policy() -> None:
    """Refit the event join model with on-policy pairs from the inner out-of-fold replay."""
    fit = SF.fit_model

    def fit_model(
        stream: Sequence[StoryFeatures], gold_event: Mapping[str, str], gold_storyline: Mapping[str, str], emb: bool
    ) -> StoryModel:
        """``fit_model`` with its defaults, then the event model refitted with on-policy pairs."""
        model = fit(stream, gold_event, gold_storyline, emb)
        c, quadratic, consolidation_folds, uses_embeddings = model.meta["C"], model.meta["quadratic"], 3, emb
        groups = sorted({gold_storyline[gold_event[f.article_id]] for f in stream})
        fold_of_group = {g: k % consolidation_folds for k, g in enumerate(groups)}
        fold_of = {f.article_id: fold_of_group[gold_storyline[gold_event[f.article_id]]] for f in stream}
        inner = {}
        for k in range(consolidation_folds):
            train = [f for f in stream if fold_of[f.article_id] != k]
            inner[k] = SF._fit_join(train, gold_event, gold_storyline, uses_embeddings, c, quadratic)[0]
            inner[k].split_threshold = model.split_threshold
            inner[k].split_min_part = model.split_min_part
            inner[k].reassign_threshold = model.reassign_threshold
        xp, yp = _policy_examples(inner, fold_of, stream, gold_event)
        xe, ye, _, _ = SF.pair_examples(stream, gold_event, gold_storyline, uses_embeddings)
        model.event_coef, model.event_intercept = SF._fit_logistic(
            np.vstack([xe, xp]), np.concatenate([ye, yp]), c, quadratic
        )
        gold = {f.article_id: gold_event[f.article_id] for f in stream}
        kept = (model.split_threshold, model.reassign_threshold)
        model.split_threshold, model.reassign_threshold = 0.0, 2.0  # as in _fit_join: joins alone
        best = (-1.0, 0.5)
        for t in SF.THRESHOLDS:
            model.event_threshold = t
            f1 = SF.bcubed_f1(gold, SF.run_stream(model, stream)[0])[2]
            if f1 > best[0]:
                best = (f1, t)
        model.event_threshold = best[1]
        model.split_threshold, model.reassign_threshold = kept
        model.meta["policy_pairs"] = len(yp)
        return model

    bench_stories.fit_model = fit_model  # type: ignore[assignment]


def main() -> None:
    """Run one variant and print its B-cubed scores per arrival order."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    variants = ("base", "linear", "sim_products", "recheck125", "persons_view", "on_policy")
    ap.add_argument("--variant", choices=variants, default="base")
    ap.add_argument("--orders", type=int, default=3)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.variant == "sim_products":
        _sim_products()
    elif args.variant == "linear":
        bench_stories.fit_model = partial(SF.fit_model, quadratic=False)
    elif args.variant == "recheck125":
        S.SPLIT_RECHECK_GROWTH = 1.25
    elif args.variant == "persons_view":
        _persons_view()
    elif args.variant == "on_policy":
        _on_policy()
    arts, gold, topic_of = bench_stories.load(args.data)
    ann = bench_stories.annotations(arts, args.out / "annotations.jsonl")
    feats = {a.id: story_features(AnnotatedArticle(a, ann.get(a.id))) for a in arts}
    orders = [bench_stories.arrival_order(arts, s) for s in range(args.orders)]
    runs, metas = bench_stories.crossfit(feats, arts, gold, topic_of, 5, orders, False)
    # selection criterion that never sees the held-out topics: each training fold's inner out-of-fold replay
    inner = [m.get("oof_event_bcubed_f1_consolidated", 0.0) for m in metas]
    print(args.variant, "inner out-of-fold B-cubed F1 per fold", inner, "mean", round(float(np.mean(inner)), 4))
    f1s = []
    for n, (ev, _sl) in enumerate(runs):
        s = bench_stories.score(args.data, ev, args.out / f"pred_{args.variant}_{n}.jsonl")
        f1s.append(s["bcubed"]["f1"])
    print(args.variant, "B-cubed F1 per order", [round(x, 4) for x in f1s], "mean", round(float(np.mean(f1s)), 4))


if __name__ == "__main__":
    main()
