"""A learned split judge for story consolidation, tried on ECB+ dev and not kept (session 3).

The shipped consolidation splits an event when its two halves' members would join the other
half with a low mean probability under the join model. This variant learns the judge instead:
every bisection the split check evaluates during each training fold's inner out-of-fold replay
is logged with nine features (mean and smaller per-half cross join probability; cosines between
the halves' terms, entities, persons, places and numbers; whether their latest years agree; the
smaller half's share) and labelled "together" when both halves' majority gold event is the same.
A logistic regression on these replaces the join-model judge when it scores better on the inner
replay's grid (split threshold x minimum part), else the join-model judge is kept.

Usage::

    python bench/experiments/split_judge.py [--orders N]

(ECB+ at ../shared/data/ecbplus, output under /tmp/variants_sm; result in
``bench/results/stories.md``, "Session 3").
"""

import collections
import math
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stories_variants as V

import newsweave.stories.cluster as S
import newsweave.stories.fit as SF
from newsweave.stories.model import sigmoid

SPLIT_MODELS = {}  # id(model) -> (coef, intercept, mean, scale)
LOG = None  # list to collect (features, ids0, ids1) when not None


def _ccos(a, b):
    if a is None or b is None or a.norm2 <= 0 or b.norm2 <= 0:
        return 0.0
    return S._dot(a.vec, b.vec) / math.sqrt(a.norm2 * b.norm2)


def half_features(halves, parts, c0, c1):
    """The split judge's features of one bisection (see the module docstring)."""
    n = sum(len(h) for h in halves)
    ya, yb = parts[0].year_docs, parts[1].year_docs
    years = 0.0
    if parts[0].n_with_years and parts[1].n_with_years:
        years = 1.0 if max(ya, key=ya.__getitem__) == max(yb, key=yb.__getitem__) else -1.0
    return [
        float(np.mean(c0 + c1)),
        float(min(np.mean(c0), np.mean(c1))),
        _ccos(parts[0].terms, parts[1].terms),
        _ccos(parts[0].entities, parts[1].entities),
        _ccos(parts[0].kinds.get("persons"), parts[1].kinds.get("persons")),
        _ccos(parts[0].kinds.get("places"), parts[1].kinds.get("places")),
        _ccos(parts[0].kinds.get("numbers"), parts[1].kinds.get("numbers")),
        years,
        min(len(h) for h in halves) / n,
    ]


def _best_bisection(self, fs, vecs):
    """StoryClusterer._best_bisection with the learned judge (when the model has one) and logging."""
    m = self.model
    sm = SPLIT_MODELS.get(id(m))
    best = None
    for assign in self._bisections(fs, vecs):
        halves = [[(f, v) for f, v, g in zip(fs, vecs, assign, strict=True) if g == k] for k in (0, 1)]
        if min(len(h) for h in halves) < m.split_min_part:
            continue
        parts, (c0, c1) = self._cross_join(halves)
        x = half_features(halves, parts, c0, c1)
        if LOG is not None:
            LOG.append((x, [f.article_id for f, _ in halves[0]], [f.article_id for f, _ in halves[1]]))
        if sm is not None:
            coef, icpt, mu, sc = sm
            p = float(sigmoid(np.asarray([((np.asarray(x) - mu) / sc) @ coef + icpt]))[0])
        else:
            p = x[0]
        if best is None or p < best[0]:
            best = (p, halves)
    return best


S.StoryClusterer._best_bisection = _best_bisection


def tune(stream, gold_event, gold_storyline, uses_embeddings, c=0.1, quadratic=SF.QUADRATIC, folds=3):
    global LOG
    groups = sorted({gold_storyline[gold_event[f.article_id]] for f in stream})
    if len(groups) < 2 * folds:
        return 0.0, SF.SPLIT_MIN_PARTS[0], 2.0, {}
    fold_of_group = {g: k % folds for k, g in enumerate(groups)}
    fold_of = {f.article_id: fold_of_group[gold_storyline[gold_event[f.article_id]]] for f in stream}
    models = {
        k: SF._fit_join(
            [f for f in stream if fold_of[f.article_id] != k], gold_event, gold_storyline, uses_embeddings, c, quadratic
        )[0]
        for k in range(folds)
    }
    gold = {f.article_id: gold_event[f.article_id] for f in stream}

    def f1_with(split, min_part, reassign):
        for m in models.values():
            m.split_threshold, m.split_min_part, m.reassign_threshold = split, min_part, reassign
        return SF.bcubed_f1(gold, SF.run_crossfit(models, fold_of, stream)[0])[2]

    def grid():
        base = f1_with(0.0, SF.SPLIT_MIN_PARTS[0], 2.0)
        best = (base, 0.0, SF.SPLIT_MIN_PARTS[0])
        for t in SF.SPLIT_THRESHOLDS[1:]:
            for mp in SF.SPLIT_MIN_PARTS:
                f1 = f1_with(t, mp, 2.0)
                if f1 > best[0] + 1e-9:
                    best = (f1, t, mp)
        return base, best

    # collect bisections judged by the join model (all thresholds' checks see the same candidates early on)
    LOG = []
    f1_with(0.5, SF.SPLIT_MIN_PARTS[0], 2.0)
    log, LOG = LOG, None
    X = np.asarray([x for x, _, _ in log])

    def maj(ids):
        return collections.Counter(gold[a] for a in ids).most_common(1)[0][0]

    y = np.asarray([int(maj(a) == maj(b)) for _, a, b in log])
    split_model = None
    if len(set(y)) == 2:
        mu = X.mean(0)
        sc = X.std(0)
        sc[sc == 0] = 1
        lr = LogisticRegression(C=1.0, max_iter=2000).fit((X - mu) / sc, y)
        split_model = (lr.coef_[0], float(lr.intercept_[0]), mu, sc)
    print("split examples", len(y), "together", int(y.sum()), flush=True)
    base, best_join = grid()
    best_model = None
    if split_model is not None:
        for m in models.values():
            SPLIT_MODELS[id(m)] = split_model
        _, best_model = grid()
        for m in models.values():
            SPLIT_MODELS.pop(id(m), None)
    use_model = best_model is not None and best_model[0] > best_join[0] + 1e-9
    best = best_model if use_model else best_join
    if use_model:
        for m in models.values():
            SPLIT_MODELS[id(m)] = split_model
    best_re = (best[0], 2.0)
    for t in SF.REASSIGN_THRESHOLDS[1:]:
        f1 = f1_with(best[1], best[2], t)
        if f1 > best_re[0] + 1e-9:
            best_re = (f1, t)
    for m in models.values():
        SPLIT_MODELS.pop(id(m), None)
    print(
        "join-judge",
        round(best_join[0], 4),
        "model-judge",
        None if best_model is None else round(best_model[0], 4),
        "use",
        use_model,
        flush=True,
    )
    CHOSEN["split_model"] = split_model if use_model else None
    return (
        best[1],
        best[2],
        best_re[1],
        {"oof_event_bcubed_f1": round(base, 4), "oof_event_bcubed_f1_consolidated": round(best_re[0], 4)},
    )


CHOSEN = {}
SF.tune_consolidation = tune
_fit = SF.fit_model


def fit_model(stream, gold_event, gold_storyline, emb):
    model = _fit(stream, gold_event, gold_storyline, emb)
    if CHOSEN.get("split_model") is not None:
        SPLIT_MODELS[id(model)] = CHOSEN["split_model"]
    return model


V.bench_stories.fit_model = fit_model

if __name__ == "__main__":
    sys.argv = [
        sys.argv[0],
        "--data",
        "../shared/data/ecbplus",
        "--out",
        "/tmp/variants_sm",
        "--variant",
        "base",
        *sys.argv[1:],
    ]
    V.main()
