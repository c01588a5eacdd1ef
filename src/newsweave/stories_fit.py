"""Fitting the story clusterer's join decisions on labelled data.

Training examples come from replaying a labelled stream with the gold clusters
("teacher forcing"): for each article, the candidate events the index proposes
(plus its gold event, if one exists already) become feature rows, labelled 1 for
the gold event and 0 otherwise; a new gold event gives the same kind of rows
against storylines. Two logistic regressions (scikit-learn) are fitted; then the
join thresholds are chosen by running the real online clusterer over the same
training stream and keeping the threshold with the best B-cubed F1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from newsweave.stories import (
    EVENT_FEATURES,
    STORYLINE_FEATURES,
    StoryClusterer,
    StoryFeatures,
    StoryModel,
    _Cluster,
)
from newsweave.stories_model import expand

QUADRATIC = True

THRESHOLDS = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))
STORYLINE_THRESHOLDS = tuple(round(0.2 + 0.1 * i, 1) for i in range(7))


def bcubed_f1(gold: Mapping[str, str], pred: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of ``pred`` against ``gold`` over gold's items.

    Args:
        gold: item -> gold cluster.
        pred: item -> predicted cluster (missing items are singletons).

    Returns:
        ``(precision, recall, f1)``.
    """
    items = list(gold)
    pc: dict[str, set[str]] = defaultdict(set)
    gc: dict[str, set[str]] = defaultdict(set)
    for i in items:
        pc[pred.get(i, "_single_" + i)].add(i)
        gc[gold[i]].add(i)
    p = r = 0.0
    for i in items:
        pm = pc[pred.get(i, "_single_" + i)]
        gm = gc[gold[i]]
        inter = len(pm & gm)
        p += inter / len(pm)
        r += inter / len(gm)
    p, r = p / len(items), r / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _placeholder(uses_embeddings: bool) -> StoryModel:
    """A model whose weights are unused (teacher forcing only reads features)."""
    return StoryModel([0.0] * len(EVENT_FEATURES), 0.0, 0.5, [0.0] * len(STORYLINE_FEATURES), 0.0, 0.5, uses_embeddings)


def pair_examples(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    gold_storyline: Mapping[str, str],
    uses_embeddings: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows and labels from replaying ``stream`` with the gold clusters.

    Args:
        stream: article features in arrival order.
        gold_event: article id -> gold event label.
        gold_storyline: gold event label -> gold storyline label.
        uses_embeddings: compute the embedding features.

    Returns:
        ``(X_event, y_event, X_storyline, y_storyline)``.
    """
    clf = StoryClusterer(_placeholder(uses_embeddings))
    xe: list[np.ndarray] = []
    ye: list[int] = []
    xs: list[np.ndarray] = []
    ys: list[int] = []
    for f in stream:
        clf.observe(f)
        tv, ev, keys, cand = clf.candidates(f)
        g = gold_event[f.article_id]
        gs = gold_storyline[g]
        ids = list(cand)
        if g in clf.events and g not in ids:
            ids.append(g)
        if ids:
            xe.append(clf.pair_features(f, tv, ev, [clf.events[c] for c in ids], "event"))
            ye.extend(int(c == g) for c in ids)
        weights = {**tv, **{"@" + e: w for e, w in ev.items()}}
        if g not in clf.events:
            sids = clf._candidates(clf.storyline_index, keys, weights)
            if gs in clf.storylines and gs not in sids:
                sids.append(gs)
            if sids:
                xs.append(clf.pair_features(f, tv, ev, [clf.storylines[s] for s in sids], "storyline"))
                ys.extend(int(s == gs) for s in sids)
            event = _Cluster(g, parent=gs)
            clf.events[g] = event
            if gs not in clf.storylines:
                clf.storylines[gs] = _Cluster(gs)
            clf.storylines[gs].children.append(g)
        event = clf.events[g]
        sl = clf.storylines[gs]
        for c in (event, sl):
            clf._join(c, f, tv, ev, 0.0)
            c.article_ids.append(f.article_id)
        clf._index(clf.event_index, keys, g)
        clf._index(clf.storyline_index, keys, gs)
        clf.article_event[f.article_id] = g

    def stack(rows: list[np.ndarray], n: int) -> np.ndarray:
        return np.vstack(rows) if rows else np.zeros((0, n))

    return (
        stack(xe, len(EVENT_FEATURES)),
        np.asarray(ye),
        stack(xs, len(STORYLINE_FEATURES)),
        np.asarray(ys),
    )


def run_stream(model: StoryModel, stream: Sequence[StoryFeatures]) -> tuple[dict[str, str], dict[str, str]]:
    """Cluster a stream; returns article -> event id and article -> storyline id."""
    clf = StoryClusterer(model)
    ev: dict[str, str] = {}
    sl: dict[str, str] = {}
    for a in clf.add_many(stream):
        ev[a.article_id] = a.event_id
        sl[a.article_id] = a.storyline_id
    return ev, sl


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float, quadratic: bool) -> tuple[list[float], float]:
    """L2 logistic regression on standardized model inputs, folded back to raw-input weights."""
    z = expand(x, quadratic)
    mean = z.mean(axis=0)
    scale = z.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000).fit((z - mean) / scale, y)
    coef = lr.coef_[0] / scale
    return coef.tolist(), float(lr.intercept_[0] - coef @ mean)


def fit_model(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    gold_storyline: Mapping[str, str],
    uses_embeddings: bool,
    c: float = 0.1,
    quadratic: bool = QUADRATIC,
) -> StoryModel:
    """Fit both join models and tune both thresholds on one labelled stream.

    Args:
        stream: training article features in arrival order.
        gold_event: article id -> gold event label.
        gold_storyline: gold event label -> gold storyline label.
        uses_embeddings: use the embedding features (articles need embeddings).
        c: inverse L2 regularization strength of the logistic regressions.
        quadratic: also weigh all pairwise products of the features.

    Returns:
        The fitted :class:`StoryModel`; ``meta`` records the training size and the
        training-stream B-cubed F1 at the chosen thresholds.
    """
    xe, ye, xs, ys = pair_examples(stream, gold_event, gold_storyline, uses_embeddings)
    coef_e, icpt_e = _fit_logistic(xe, ye, c, quadratic)
    coef_s, icpt_s = _fit_logistic(xs, ys, c, quadratic)
    model = StoryModel(coef_e, icpt_e, 0.5, coef_s, icpt_s, 0.5, uses_embeddings, quadratic=quadratic)
    gold = {f.article_id: gold_event[f.article_id] for f in stream}
    gold_sl = {a: gold_storyline[g] for a, g in gold.items()}
    best = (-1.0, 0.5)
    for t in THRESHOLDS:
        model.event_threshold = t
        ev, _ = run_stream(model, stream)
        f1 = bcubed_f1(gold, ev)[2]
        if f1 > best[0]:
            best = (f1, t)
    model.event_threshold = best[1]
    best_s = (-1.0, 0.5)
    for t in STORYLINE_THRESHOLDS:
        model.storyline_threshold = t
        _, sl = run_stream(model, stream)
        f1 = bcubed_f1(gold_sl, sl)[2]
        if f1 > best_s[0]:
            best_s = (f1, t)
    model.storyline_threshold = best_s[1]
    model.meta = {
        "train_articles": len(stream),
        "event_pairs": len(ye),
        "storyline_pairs": len(ys),
        "train_event_bcubed_f1": round(best[0], 4),
        "train_storyline_bcubed_f1": round(best_s[0], 4),
        "C": c,
        "quadratic": quadratic,
    }
    return model
