"""The one fold every stage compares surface forms with."""

from __future__ import annotations

import pytest

from newsweave.textutil import fold, fold_same_length


@pytest.mark.parametrize(("a", "b"), [
    ("Guaidó", "guaido"),
    ("Park \u00adGeun-hye", "Park Geun-hye"),  # soft hyphen left in by a web page
    ("Mo\u200bhammed", "Mohammed"),  # zero-width space
    ("Ｂｏｅｈｎｅｒ", "boehner"),  # full-width letters (NFKD)
])
def test_fold_makes_these_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize(("a", "b"), [("Manuel Valls", "Manual Valls"), ("Iran", "Iraq")])
def test_fold_keeps_these_apart(a: str, b: str) -> None:
    assert fold(a) != fold(b)


@pytest.mark.parametrize("text", ["Park \u00adGeun-hye", "Guaidó … “quoted”", "Ｂｏｅｈｎｅｒ", "ﬁle"])
def test_fold_same_length_keeps_offsets(text: str) -> None:
    assert len(fold_same_length(text)) == len(text)
