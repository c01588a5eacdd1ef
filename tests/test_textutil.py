"""The one fold every stage compares surface forms with, and the one caption rule."""

from __future__ import annotations

import pytest

from newsweave.textutil import fold, fold_same_length, is_caption


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


@pytest.mark.parametrize(
    ("line", "caption"),
    [
        ("Opposition leader Juan Guaido waves to supporters. (Ronaldo Schemidt/AFP/Getty Images)", True),
        ("The colonel speaks in a video posted online (Screenshot via YouTube).", True),
        ("Demonstrators march in Caracas (AP Photo/Ariana Cubillos)", True),
        ("FILE PHOTO: Venezuela's President Nicolas Maduro attends a ceremony", True),
        ("Photos: Shocking celebrity splits Kris Jenner filed for divorce on September 22, 2014.", True),
        ("Photographs of the scene were shared widely on Monday.", False),
        ("Colonel Silva is interviewed in Washington, U.S., January 26, 2019.", True),
        ("The colonel said on January 26, 2019 that he no longer recognized Maduro.", False),
        ("The council (which met on Monday) voted 7-2.", False),
        ("Harambe, a gorilla at the Cincinnati Zoo, is pictured in this undated handout photo.", True),
        ("The minister is seen in a file image from 2015.", True),
        ("Police said the suspect was seen in a video leaving the building.", False),
        ("A missile is launched during a long and medium-range ballistic rocket launch drill in this undated photo "
         "released by the Democratic People's Republic of Korea (DPRK)'s Korean Central News Agency (KCNA) in "
         "Pyongyang on August 30, 2017.", True),
        ("Rescuers search the rubble in this aerial image taken by a drone.", True),
        ("In this photo, which he took himself, the reporter shows the damage.", False),
        ("The agency said in this statement that the photos were real.", False),
        ("   ", False),
    ],
)
def test_is_caption(line: str, caption: bool) -> None:
    assert is_caption(line) is caption


def test_a_whole_article_on_one_line_is_not_a_caption() -> None:
    body = "Officials said the talks would resume on Monday. " * 20
    assert not is_caption(body + "The ship is seen in this undated photo released by the agency. " + body)
