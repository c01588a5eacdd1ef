"""The story clusterer's learned model and its output records.

:class:`StoryModel` holds the logistic join decisions (fitted by
:mod:`newsweave.stories_fit` on labelled dev data and shipped as
``data/stories_model.json``); :class:`Assignment` says where one article went and
why; :class:`Story` is an event or storyline as the dossier shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

MODEL_RESOURCE = "stories_model.json"

EVENT_FEATURES = (
    "cos_terms",
    "cos_entities",
    "shared_entities",
    "cos_title",
    "log_gap_days",
    "cos_embedding",
    "log_size",
    "year_match",
    "terms_x_entities",
    "terms_x_embedding",
    "year_share",
    "top_year_agree",
    "top_year_conflict",
    "member_terms",
    "member_entities",
    "member_embedding",
    "cos_persons",
    "has_persons",
    "cos_places",
    "has_places",
    "cos_numbers",
    "has_numbers",
)
STORYLINE_FEATURES = (
    "cos_terms",
    "cos_entities",
    "shared_entities",
    "log_gap_days",
    "cos_embedding",
    "log_size",
    "year_match",
    "year_share",
    "top_year_agree",
    "top_year_conflict",
    "member_terms",
    "member_embedding",
)

# ---------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class StoryModel:
    """Logistic join decisions for events and storylines, with tuned thresholds.

    With ``quadratic`` the weights also cover all pairwise feature products (see :func:`expand`).
    The consolidation settings (see :meth:`newsweave.stories.StoryClusterer.consolidate`) are
    tuned on the same labelled stream: an event is split in two when its members' mean
    probability of joining the other half falls below ``split_threshold`` (0: never split) and
    both halves have at least ``split_min_part`` members; a member of a small event moves to
    another event when its join probability there reaches ``reassign_threshold`` (above 1: never).
    """

    event_coef: list[float]
    event_intercept: float
    event_threshold: float
    storyline_coef: list[float]
    storyline_intercept: float
    storyline_threshold: float
    uses_embeddings: bool
    meta: dict[str, Any] = field(default_factory=dict)
    quadratic: bool = False
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
            "storyline_features": list(STORYLINE_FEATURES),
            "storyline_coef": self.storyline_coef,
            "storyline_intercept": self.storyline_intercept,
            "storyline_threshold": self.storyline_threshold,
            "uses_embeddings": self.uses_embeddings,
            "quadratic": self.quadratic,
            "split_threshold": self.split_threshold,
            "split_min_part": self.split_min_part,
            "reassign_threshold": self.reassign_threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StoryModel:
        """Inverse of :meth:`to_dict`."""
        return cls(
            list(d["event_coef"]),
            float(d["event_intercept"]),
            float(d["event_threshold"]),
            list(d["storyline_coef"]),
            float(d["storyline_intercept"]),
            float(d["storyline_threshold"]),
            bool(d["uses_embeddings"]),
            dict(d.get("meta", {})),
            bool(d.get("quadratic", False)),
            float(d.get("split_threshold", 0.0)),
            int(d.get("split_min_part", 4)),
            float(d.get("reassign_threshold", 2.0)),
        )


def load_model(embeddings: bool = True) -> StoryModel:
    """The packaged model fitted on the ECB+ dev topics (see ``bench/bench_stories.py``).

    Args:
        embeddings: load the variant that uses sentence embeddings.
    """
    raw = json.loads(resources.files("newsweave").joinpath("data", MODEL_RESOURCE).read_text("utf-8"))
    return StoryModel.from_dict(raw["with_embeddings" if embeddings else "without_embeddings"])


def expand(x: np.ndarray, quadratic: bool) -> np.ndarray:
    """The model's inputs: the features, plus all pairwise products when ``quadratic``."""
    if not quadratic:
        return x
    i, j = np.triu_indices(x.shape[1], 1)
    return np.hstack([x, x[:, i] * x[:, j]])


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

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (schema section ``stories``)."""
        return {
            "id": self.id,
            "label": self.label,
            "level": self.level,
            "article_ids": self.article_ids,
            "parent_id": self.parent_id,
            "child_ids": self.child_ids,
            "first_date": self.first_date,
            "last_date": self.last_date,
        }
