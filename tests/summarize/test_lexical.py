"""Tests for newsweave.summarize.lexical (TF-IDF + LSA sentence vectors fitted per story)."""

from __future__ import annotations

import numpy as np

from newsweave.summarize.lexical import LexicalEncoder

STORY = [
    "The river burst its banks in Riverton on Monday, flooding hundreds of homes.",
    "Hundreds of homes in Riverton were flooded when the river burst its banks.",
    "The city council approved a new budget for the library.",
    "Rescue teams evacuated families from flooded homes near the river.",
    "The library budget passed the council by a narrow vote.",
]


def test_vectors_are_unit_and_reproducible() -> None:
    a = LexicalEncoder().for_story(STORY).encode(STORY)
    b = LexicalEncoder().for_story(STORY).encode(STORY)
    assert a.shape[0] == len(STORY)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, b)


def test_same_statement_is_closer_than_another_topic() -> None:
    v = LexicalEncoder().for_story(STORY).encode(STORY)
    sim = v @ v.T
    assert sim[0, 1] > 0.6  # the flood, reworded
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[0, 4]
    assert sim[2, 4] > sim[2, 0]  # the budget, reworded, beats the flood


def test_texts_outside_the_fitted_space_and_degenerate_input() -> None:
    space = LexicalEncoder().for_story(STORY)
    out = space.encode(["Riverton flooding", "zyzzyva quokka"])
    assert np.isclose(np.linalg.norm(out[0]), 1.0, atol=1e-5)
    assert not out[1].any()  # no word of the story: a zero vector, never NaN
    empty = LexicalEncoder().for_story(["the and of", "it is"]).encode(["the and of"])
    assert empty.shape[0] == 1 and not empty.any() and np.isfinite(empty).all()
    assert LexicalEncoder().encode(["One sentence only about floods."]).shape[0] == 1
