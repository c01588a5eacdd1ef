"""Story clustering: articles into events and events into storylines, online.

:mod:`.cluster` (the clusterer and its features), :mod:`.model` (the join model and its
decisions), :mod:`.fit` (fitting the join model on labelled corpora). Stage: :mod:`.stage`.
"""

from __future__ import annotations

from newsweave.stories.cluster import StoryClusterer, StoryFeatures, load_model, story_features

__all__ = ["StoryClusterer", "StoryFeatures", "load_model", "story_features"]
