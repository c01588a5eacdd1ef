"""The story clusterer's learned model and its output records.

:class:`StoryModel` holds the monotone logistic join decision and the clusterer's
settings (time window, storyline rule, consolidation), fitted and tuned by
:mod:`newsweave.stories.fit` on labelled dev data and shipped as
``data/stories_model.json``; :class:`Assignment` says where one article went and
why; :class:`Story` is an event or storyline as the dossier shows it, an event with
the reason of its storyline link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

MODEL_RESOURCE = "stories_model.json"

#: Event-level pair features, in model order. The first ``len(EVIDENCE)`` are similarities
#: (0 when nothing is shared) whose weights are fitted non-negative; the rest are conflicts or
#: distances whose weights are fitted non-positive. So the model is monotone by construction:
#: more similarity never lowers a join probability, a longer date gap never raises it, and with
#: every similarity at 0 no join is more likely than ``sigmoid(event_intercept)``.
EVIDENCE = (
    "cos_terms",
    "cos_entities",
    "specific_shared",
    "cos_title",
    "member_terms",
    "member_entities",
    "cos_persons",
    "cos_places",
    "cos_numbers",
    "year_share",
    "cos_embedding",
    "member_embedding",
)
AGAINST = (
    "has_persons",
    "has_places",
    "has_numbers",
    "top_year_conflict",
    "log_gap_days",
)
EVENT_FEATURES = EVIDENCE + AGAINST
#: sign constraint of each event feature's weight (+1: >= 0, -1: <= 0)
EVENT_SIGNS = tuple([1] * len(EVIDENCE) + [-1] * len(AGAINST))

# ---------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class StoryModel:
    """A monotone logistic join decision for events, its tuned settings, and the storyline rule.

    ``event_coef`` weighs :data:`EVENT_FEATURES` (signs as in :data:`EVENT_SIGNS`). Candidate
    events come from a time window: an event is a candidate for a dated article only when the
    article is at most ``window_days`` from its nearest dated member and the event would then
    span at most ``max_span_days`` (undated on either side: text alone decides); an explicit
    follow-up (a reference back such as "last month's attack" plus a shared specific entity)
    widens the window to the reference's horizon.

    A new event joins an existing storyline only with stated evidence: a shared entity at
    least ``storyline_min_rarity`` specific, term cosine at least ``storyline_min_terms`` and at
    most ``storyline_horizon_days`` from the storyline's dated articles.

    The consolidation settings (see :meth:`newsweave.stories.StoryClusterer.consolidate`) are
    tuned on the same labelled stream: an event is split in two when its members' mean
    probability of joining the other half falls below ``split_threshold`` (0: never split) and
    both halves have at least ``split_min_part`` members; a member of a small event moves to
    another event when its join probability there reaches ``reassign_threshold`` (above 1: never).
    """

    event_coef: list[float]
    event_intercept: float
    event_threshold: float
    uses_embeddings: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    window_days: int = 7
    max_span_days: int = 60
    storyline_min_rarity: float = 0.3
    storyline_min_terms: float = 0.1
    storyline_horizon_days: int = 365
    split_threshold: float = 0.0
    split_min_part: int = 4
    reassign_threshold: float = 2.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "event_features": list(EVENT_FEATURES),
            "event_coef": self.event_coef,
            "event_intercept": self.event_intercept,
            "event_threshold": self.event_threshold,
            "uses_embeddings": self.uses_embeddings,
            "window_days": self.window_days,
            "max_span_days": self.max_span_days,
            "storyline_min_rarity": self.storyline_min_rarity,
            "storyline_min_terms": self.storyline_min_terms,
            "storyline_horizon_days": self.storyline_horizon_days,
            "split_threshold": self.split_threshold,
            "split_min_part": self.split_min_part,
            "reassign_threshold": self.reassign_threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StoryModel:
        """Inverse of :meth:`to_dict` (a model saved with other features is refused)."""
        if list(d.get("event_features", [])) != list(EVENT_FEATURES):
            raise ValueError("story model was saved with other event features; refit it (bench/bench_stories.py)")
        return cls(
            list(d["event_coef"]),
            float(d["event_intercept"]),
            float(d["event_threshold"]),
            bool(d.get("uses_embeddings", False)),
            dict(d.get("meta", {})),
            int(d.get("window_days", 7)),
            int(d.get("max_span_days", 60)),
            float(d.get("storyline_min_rarity", 0.3)),
            float(d.get("storyline_min_terms", 0.1)),
            int(d.get("storyline_horizon_days", 365)),
            float(d.get("split_threshold", 0.0)),
            int(d.get("split_min_part", 4)),
            float(d.get("reassign_threshold", 2.0)),
        )

    def no_evidence_probability(self, eps: float = 0.0) -> float:
        """Upper bound of the join probability when every similarity is at most ``eps``.

        Conflict and gap weights are non-positive, so they can only lower it.
        """
        n = len(EVIDENCE)
        logit = self.event_intercept + eps * sum(max(0.0, w) for w in self.event_coef[:n])
        logit += sum(max(0.0, w) for w in self.event_coef[n:])  # 0 for a sign-constrained model
        return float(sigmoid(np.asarray(logit)))


def load_model() -> StoryModel:
    """The packaged model (see ``bench/bench_stories.py --write-model``; no sentence embeddings)."""
    raw = json.loads(resources.files("newsweave").joinpath("data", MODEL_RESOURCE).read_text("utf-8"))
    return StoryModel.from_dict(raw["model"])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(slots=True)
class Assignment:
    """Where one article went and why."""

    article_id: str
    event_id: str
    storyline_id: str
    new_event: bool
    new_storyline: bool
    probability: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "article_id": self.article_id,
            "event_id": self.event_id,
            "storyline_id": self.storyline_id,
            "new_event": self.new_event,
            "new_storyline": self.new_storyline,
            "probability": round(self.probability, 4),
            "reason": self.reason,
        }


@dataclass(slots=True)
class Move:
    """An article moved from one event to another by consolidation, and why.

    ``probability`` is the evidence for the move: the join probability to the new event for a
    re-placement, one minus the halves' mean join probability to each other for a split.
    """

    article_id: str
    from_event: str
    to_event: str
    storyline_id: str
    probability: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "article_id": self.article_id,
            "from_event": self.from_event,
            "to_event": self.to_event,
            "storyline_id": self.storyline_id,
            "probability": round(self.probability, 4),
            "reason": self.reason,
        }


@dataclass(slots=True)
class Story:
    """An event or storyline as the dossier shows it."""

    id: str
    label: str
    level: str
    article_ids: list[str]
    first_date: str | None
    last_date: str | None
    parent_id: str | None = None
    child_ids: list[str] = field(default_factory=list)
    #: an event's reason for being in its storyline (the evidence of the link, or "new storyline")
    link_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (schema section ``stories``)."""
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "level": self.level,
            "article_ids": self.article_ids,
            "parent_id": self.parent_id,
            "child_ids": self.child_ids,
            "first_date": self.first_date,
            "last_date": self.last_date,
        }
        if self.link_reason is not None:
            out["link_reason"] = self.link_reason
        return out
