"""Fitting the story clusterer's join decision and settings on labelled data.

Training examples come from replaying a labelled stream with the gold clusters
("teacher forcing"): for each article, the candidate events the index proposes
within the time window (plus its gold event, if one exists already and is within
reach) become feature rows, labelled 1 for the gold event and 0 otherwise. A
logistic regression with sign constraints (similarities >= 0, conflicts and the
date gap <= 0; see :data:`newsweave.stories.model.EVENT_SIGNS`) is fitted by
L-BFGS-B; then the time window and the join threshold are chosen by running the
real online clusterer over the same training stream and keeping the pair with
the best B-cubed F1, and the consolidation settings on an out-of-fold replay
(:func:`tune_consolidation`). The storyline rule's settings are fixed, not fitted.

The generalization protocol of ``bench/bench_stories.py`` fits on one corpus and
scores on another (leave one corpus out), so every setting here is chosen on the
training corpus only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
from scipy.optimize import minimize

from newsweave.stories.cluster import (
    EVENT_FEATURES,
    StoryClusterer,
    StoryFeatures,
    StoryModel,
    _Cluster,
)
from newsweave.stories.model import EVENT_SIGNS

THRESHOLDS = tuple(round(0.05 + 0.05 * i, 2) for i in range(16))
#: time windows tried (days from the nearest dated member of an event)
WINDOWS = (7, 14, 30)
#: consolidation settings tried (0 / above 1: off); see ``StoryClusterer.consolidate``
SPLIT_THRESHOLDS = (0.0, 0.2, 0.4, 0.6)
SPLIT_MIN_PARTS = (3, 5)
REASSIGN_THRESHOLDS = (2.0, 0.1, 0.2, 0.4)
#: articles between two consolidation passes when a stream is replayed (a pipeline run's batch)
CONSOLIDATE_EVERY = 100
#: wrong candidates kept per training article (the closest by term cosine; see :func:`pair_examples`),
#: fixed a priori, not tuned
HARD_NEGATIVES = 3
#: column of the term cosine in the event features (ranks the hard negatives of :func:`pair_examples`)
_COS_TERMS = EVENT_FEATURES.index("cos_terms")
#: similarities below which a join must stay below the threshold (checked on every fitted model)
NO_EVIDENCE = 0.05


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
    return StoryModel([0.0] * len(EVENT_FEATURES), 0.0, 0.5, uses_embeddings)


def pair_examples(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    uses_embeddings: bool,
    window_days: int = 7,
    hard_negatives: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels from replaying ``stream`` with the gold events.

    Args:
        stream: article features in arrival order.
        gold_event: article id -> gold event label.
        uses_embeddings: compute the embedding features.
        window_days: the time window the candidates come from (as at inference, the gold
            event is a positive example only when it is within reach).
        hard_negatives: keep only this many wrong candidates per article, those closest to it by
            term cosine (the competitors a join decision must tell apart); 0 keeps all.

    Returns:
        ``(X, y)``.
    """
    model = _placeholder(uses_embeddings)
    model.window_days = window_days
    clf = StoryClusterer(model)
    xe: list[np.ndarray] = []
    ye: list[int] = []
    for f in stream:
        clf.observe(f)
        tv, ev, keys, cand = clf.candidates(f)
        g = gold_event[f.article_id]
        ids = list(cand)
        if g in clf.events and g not in ids and clf.window(f, ev, clf.events[g]) is not None:
            ids.append(g)
        if ids:
            rows = clf.pair_features(f, tv, ev, [clf.events[c] for c in ids])
            lab = np.asarray([int(c == g) for c in ids])
            if hard_negatives:
                neg = np.flatnonzero(lab == 0)
                neg = neg[np.argsort(-rows[neg, _COS_TERMS], kind="stable")[:hard_negatives]]
                keep = np.sort(np.concatenate([np.flatnonzero(lab == 1), neg]))
                rows, lab = rows[keep], lab[keep]
            xe.append(rows)
            ye.extend(lab.tolist())
        if g not in clf.events:
            clf.events[g] = _Cluster(g)
        event = clf.events[g]
        clf._join(event, f, tv, ev, 0.0)
        event.article_ids.append(f.article_id)
        clf._index(clf.event_index, keys, g)
        clf.article_event[f.article_id] = g
    x = np.vstack(xe) if xe else np.zeros((0, len(EVENT_FEATURES)))
    return x, np.asarray(ye)


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


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float, signs: Sequence[int]) -> tuple[list[float], float]:
    """L2 logistic regression whose weights have the given signs (+1: >= 0, -1: <= 0).

    Fitted on standardized inputs (a positive scale keeps each weight's sign) by L-BFGS-B with
    bounds, folded back to raw-input weights.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    d = z.shape[1]
    yf = y.astype(np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        t = z @ w[:d] + w[d]
        p = 1.0 / (1.0 + np.exp(-t))
        val = float(np.sum(np.logaddexp(0.0, t) - yf * t) + 0.5 * (w[:d] @ w[:d]) / c)
        r = p - yf
        return val, np.concatenate([z.T @ r + w[:d] / c, [r.sum()]])

    bounds = [(0.0, None) if s > 0 else (None, 0.0) for s in signs] + [(None, None)]
    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
    coef = res.x[:d] / scale
    return coef.tolist(), float(res.x[d] - coef @ mean)


def _fit_join(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    uses_embeddings: bool,
    c: float,
    windows: Sequence[int] = WINDOWS,
    hard_negatives: int = HARD_NEGATIVES,
) -> tuple[StoryModel, dict[str, float]]:
    """The join model for each time window, the window and join threshold tuned on the stream itself."""
    gold = {f.article_id: gold_event[f.article_id] for f in stream}
    best: tuple[float, StoryModel | None, int] = (-1.0, None, 0)
    for w in windows:
        x, y = pair_examples(stream, gold_event, uses_embeddings, w, hard_negatives)
        coef, icpt = fit_logistic(x, y, c, EVENT_SIGNS)
        model = StoryModel(coef, icpt, 0.5, uses_embeddings, window_days=w)
        for t in THRESHOLDS:
            model.event_threshold = t
            f1 = bcubed_f1(gold, run_stream(model, stream)[0])[2]
            if f1 > best[0] + 1e-9:
                best = (f1, StoryModel.from_dict(model.to_dict()), len(y))
    assert best[1] is not None
    model = best[1]
    # no confident join without evidence, whatever the fit says
    model.event_threshold = max(model.event_threshold, round(model.no_evidence_probability(NO_EVIDENCE) + 0.01, 2))
    return model, {"event_pairs": best[2], "train_event_bcubed_f1": round(best[0], 4)}


def tune_consolidation(
    stream: Sequence[StoryFeatures],
    gold_event: Mapping[str, str],
    gold_group: Mapping[str, str],
    uses_embeddings: bool,
    c: float = 1.0,
    folds: int = 3,
    window_days: int = 7,
    hard_negatives: int = HARD_NEGATIVES,
) -> tuple[float, int, float, dict[str, float]]:
    """Consolidation settings chosen on an out-of-fold replay of a labelled stream.

    Consolidation repairs the mistakes the join model makes on stories it has never seen,
    so it is tuned where such mistakes happen: the stream's groups (storylines or topics
    where known, else events) are split into ``folds`` groups, a join model is fitted
    without each, and the stream is replayed with every article decided by the model that
    did not see its group. The split setting is chosen first, then the re-placement
    threshold, by B-cubed F1.

    Returns:
        ``(split_threshold, split_min_part, reassign_threshold, scores)``; ``scores`` holds the
        replay's B-cubed F1 without and with consolidation. With fewer than ``2 * folds``
        groups nothing can be held out and consolidation stays off.
    """
    groups = sorted({gold_group[gold_event[f.article_id]] for f in stream})
    if len(groups) < 2 * folds:  # too few groups to hold some out: consolidation stays off
        return 0.0, SPLIT_MIN_PARTS[0], 2.0, {}
    fold_of_group = {g: k % folds for k, g in enumerate(groups)}
    fold_of = {f.article_id: fold_of_group[gold_group[gold_event[f.article_id]]] for f in stream}
    models = {
        k: _fit_join(
            [f for f in stream if fold_of[f.article_id] != k],
            gold_event,
            uses_embeddings,
            c,
            (window_days,),
            hard_negatives,
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
    gold_group: Mapping[str, str] | None = None,
    uses_embeddings: bool = False,
    c: float = 1.0,
    consolidation_folds: int = 3,
    windows: Sequence[int] = WINDOWS,
    hard_negatives: int = HARD_NEGATIVES,
) -> StoryModel:
    """Fit the join model, tune the time window, the join threshold and the consolidation settings.

    Args:
        stream: training article features in arrival order.
        gold_event: article id -> gold event label.
        gold_group: gold event label -> larger group (storyline, topic) used to hold data out
            when consolidation is tuned; ``None``: each event is its own group.
        uses_embeddings: use the embedding features (articles need embeddings).
        c: inverse L2 regularization strength of the logistic regression (standardized inputs).
        consolidation_folds: folds of the out-of-fold replay that tunes consolidation
            (:func:`tune_consolidation`); 0 leaves consolidation off.
        windows: time windows (days) tried.
        hard_negatives: wrong candidates per training article (:func:`pair_examples`; 0: all).

    Returns:
        The fitted :class:`StoryModel`; ``meta`` records the training size and the
        training-stream B-cubed F1 at the chosen settings.
    """
    model, meta = _fit_join(stream, gold_event, uses_embeddings, c, windows, hard_negatives)
    if consolidation_folds:
        groups = gold_group if gold_group is not None else {g: g for g in set(gold_event.values())}
        split, min_part, reassign, scores = tune_consolidation(
            stream, gold_event, groups, uses_embeddings, c, consolidation_folds, model.window_days, hard_negatives
        )
        model.split_threshold, model.split_min_part, model.reassign_threshold = split, min_part, reassign
        meta.update(scores)
    model.meta = {"train_articles": len(stream), **meta, "C": c, "hard_negatives": hard_negatives}
    return model
