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
from functools import partial

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
#: consolidation settings tried (0 / above 1: off); see ``StoryClusterer.consolidate``
SPLIT_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
SPLIT_MIN_PARTS = (3, 4, 5)
REASSIGN_THRESHOLDS = (2.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
#: articles between two consolidation passes when a stream is replayed (a pipeline run's batch)
CONSOLIDATE_EVERY = 100
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
            sids = clf._candidates(clf.storyline_index, keys, weights, clf.storylines)
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


def run_stream(
    model: StoryModel, stream: Sequence[StoryFeatures], every: int = CONSOLIDATE_EVERY
) -> tuple[dict[str, str], dict[str, str]]:
    """Cluster a stream with one model, consolidating after every ``every`` articles and at the end.

    Returns:
        ``(article -> event id, article -> storyline id)`` after the last consolidation.
    """
    return run_crossfit({0: model}, dict.fromkeys((f.article_id for f in stream), 0), stream, every)


def _first_in_fold(fold_of: Mapping[str, int], fold: int, event: _Cluster) -> bool:
    """Whether an event's first article belongs to ``fold``."""
    return fold_of[event.article_ids[0]] == fold


def replay_crossfit(
    models: Mapping[int, StoryModel],
    fold_of: Mapping[str, int],
    stream: Sequence[StoryFeatures],
    every: int = CONSOLIDATE_EVERY,
) -> StoryClusterer:
    """One stream where each article's decisions use the model of its own fold.

    Consolidation runs after every ``every`` articles and at the end; each changed event is
    revisited with the model of its first article's fold.

    Args:
        models: fold -> model.
        fold_of: article id -> fold.
        stream: article features in arrival order.
        every: articles between two consolidation passes.

    Returns:
        The clusterer after the last consolidation.
    """
    clf = StoryClusterer(next(iter(models.values())))
    feats = {f.article_id: f for f in stream}
    for n, f in enumerate(stream, 1):
        clf.model = models[fold_of[f.article_id]]
        clf.add(f)
        if n % every == 0 or n == len(stream):
            for k, model in models.items():
                clf.model = model
                clf.consolidate(feats.get, select=partial(_first_in_fold, fold_of, k))
    return clf


def run_crossfit(
    models: Mapping[int, StoryModel],
    fold_of: Mapping[str, int],
    stream: Sequence[StoryFeatures],
    every: int = CONSOLIDATE_EVERY,
) -> tuple[dict[str, str], dict[str, str]]:
    """:func:`replay_crossfit`'s assignments: ``(article -> event id, article -> storyline id)``."""
    clf = replay_crossfit(models, fold_of, stream, every)
    ev = dict(clf.article_event)
    return ev, {a: clf.events[e].parent or "" for a, e in ev.items()}


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float, quadratic: bool) -> tuple[list[float], float]:
    """L2 logistic regression on standardized model inputs, folded back to raw-input weights."""
    z = expand(x, quadratic)
    mean = z.mean(axis=0)
    scale = z.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000).fit((z - mean) / scale, y)
    coef = lr.coef_[0] / scale
    return coef.tolist(), float(lr.intercept_[0] - coef @ mean)


def _fit_join(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    gold_storyline: Mapping[str, str],
    uses_embeddings: bool,
    c: float,
    quadratic: bool,
) -> tuple[StoryModel, dict[str, float]]:
    """Both logistic join models, the event join threshold tuned on the stream itself."""
    xe, ye, xs, ys = pair_examples(stream, gold_event, gold_storyline, uses_embeddings)
    coef_e, icpt_e = _fit_logistic(xe, ye, c, quadratic)
    coef_s, icpt_s = _fit_logistic(xs, ys, c, quadratic)
    model = StoryModel(coef_e, icpt_e, 0.5, coef_s, icpt_s, 0.5, uses_embeddings, quadratic=quadratic)
    gold = {f.article_id: gold_event[f.article_id] for f in stream}
    best = (-1.0, 0.5)
    for t in THRESHOLDS:
        model.event_threshold = t
        f1 = bcubed_f1(gold, run_stream(model, stream)[0])[2]
        if f1 > best[0]:
            best = (f1, t)
    model.event_threshold = best[1]
    return model, {"event_pairs": len(ye), "storyline_pairs": len(ys), "train_event_bcubed_f1": round(best[0], 4)}


def tune_consolidation(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    gold_storyline: Mapping[str, str],
    uses_embeddings: bool,
    c: float = 0.1,
    quadratic: bool = QUADRATIC,
    folds: int = 3,
) -> tuple[float, int, float, dict[str, float]]:
    """Consolidation settings chosen on an out-of-fold replay of a labelled stream.

    Consolidation repairs the mistakes the join model makes on stories it has never seen,
    so it is tuned where such mistakes happen: the stream's storylines (topics) are split
    into ``folds`` groups, a join model is fitted without each group, and the stream is
    replayed with every article decided by the model that did not see its storyline. The
    split setting is chosen first, then the re-placement threshold, by B-cubed F1.

    Returns:
        ``(split_threshold, split_min_part, reassign_threshold, scores)``; ``scores`` holds the
        replay's B-cubed F1 without and with consolidation. With fewer than ``2 * folds``
        storylines nothing can be held out and consolidation stays off.
    """
    groups = sorted({gold_storyline[gold_event[f.article_id]] for f in stream})
    if len(groups) < 2 * folds:  # too few storylines to hold some out: consolidation stays off
        return 0.0, SPLIT_MIN_PARTS[0], 2.0, {}
    fold_of_group = {g: k % folds for k, g in enumerate(groups)}
    fold_of = {f.article_id: fold_of_group[gold_storyline[gold_event[f.article_id]]] for f in stream}
    models = {
        k: _fit_join(
            [f for f in stream if fold_of[f.article_id] != k], gold_event, gold_storyline, uses_embeddings, c, quadratic
        )[0]
        for k in range(folds)
    }
    gold = {f.article_id: gold_event[f.article_id] for f in stream}

    def f1_with(split: float, min_part: int, reassign: float) -> float:
        for m in models.values():
            m.split_threshold, m.split_min_part, m.reassign_threshold = split, min_part, reassign
        return bcubed_f1(gold, run_crossfit(models, fold_of, stream)[0])[2]

    base = f1_with(0.0, SPLIT_MIN_PARTS[0], 2.0)
    best = (base, 0.0, SPLIT_MIN_PARTS[0])
    for t in SPLIT_THRESHOLDS[1:]:
        for mp in SPLIT_MIN_PARTS:
            f1 = f1_with(t, mp, 2.0)
            if f1 > best[0] + 1e-9:
                best = (f1, t, mp)
    best_re = (best[0], 2.0)
    for t in REASSIGN_THRESHOLDS[1:]:
        f1 = f1_with(best[1], best[2], t)
        if f1 > best_re[0] + 1e-9:
            best_re = (f1, t)
    scores = {"oof_event_bcubed_f1": round(base, 4), "oof_event_bcubed_f1_consolidated": round(best_re[0], 4)}
    return best[1], best[2], best_re[1], scores


def fit_model(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    gold_storyline: Mapping[str, str],
    uses_embeddings: bool,
    c: float = 0.1,
    quadratic: bool = QUADRATIC,
    consolidation_folds: int = 3,
) -> StoryModel:
    """Fit both join models, tune the join thresholds and the consolidation settings.

    Args:
        stream: training article features in arrival order.
        gold_event: article id -> gold event label.
        gold_storyline: gold event label -> gold storyline label.
        uses_embeddings: use the embedding features (articles need embeddings).
        c: inverse L2 regularization strength of the logistic regressions.
        quadratic: also weigh all pairwise products of the features.
        consolidation_folds: storyline folds of the out-of-fold replay that tunes consolidation
            (:func:`tune_consolidation`); 0 leaves consolidation off.

    Returns:
        The fitted :class:`StoryModel`; ``meta`` records the training size and the
        training-stream B-cubed F1 at the chosen thresholds.
    """
    model, meta = _fit_join(stream, gold_event, gold_storyline, uses_embeddings, c, quadratic)
    if consolidation_folds:
        split, min_part, reassign, scores = tune_consolidation(
            stream, gold_event, gold_storyline, uses_embeddings, c, quadratic, consolidation_folds
        )
        model.split_threshold, model.split_min_part, model.reassign_threshold = split, min_part, reassign
        meta.update(scores)
    gold = {f.article_id: gold_event[f.article_id] for f in stream}
    gold_sl = {a: gold_storyline[g] for a, g in gold.items()}
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
        **meta,
        "train_storyline_bcubed_f1": round(best_s[0], 4),
        "C": c,
        "quadratic": quadratic,
    }
    return model
