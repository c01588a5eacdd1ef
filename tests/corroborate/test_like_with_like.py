"""Discrepancies compare like with like (issue 14, item 4): each false kind seen on real news raises
nothing, and the true conflicts next to them are still found.

The sentences are the issue's examples or real dev sentences, shortened: NeuS roundups
``neus-train-0085`` (Jeff Sessions resigns as attorney general) and ``neus-train-1498`` (a suicide
bombing: "Twenty-two people, including an eight-year-old girl, have been killed and 59 were
injured"), ECB+ ``28_*`` (Alexander Haig, "Nixon's chief of staff and later President Reagan's
secretary of State").
"""

from __future__ import annotations

from typing import Any

import pytest

from newsweave.corroborate.claims import (
    claims,
    find_discrepancies,
    is_current,
    same_name_form,
    wording_conflict,
    wording_tokens,
)


def _ev(aid: str, start: int = 0, end: int = 5) -> dict[str, Any]:
    return {"article_id": aid, "start": start, "end": end}


def _sessions(roles: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {"id": "e1", "name": "Jeff Sessions", "kind": "PERSON",
            "variants": [{"text": "Jeff Sessions", "article_ids": ["A", "B"], "evidence": [_ev("A"), _ev("B")]}],
            "roles": [{"text": t, "article_ids": a, "evidence": [_ev(x, 10, 20) for x in a]} for t, a in roles]}


# --- roles: a change over time is a change, not a conflict ---------------------------------------------------


def test_career_change_over_years_is_not_a_conflict() -> None:
    ent = _sessions([("Attorney General", ["A"]), ("Sen.", ["B"]), ("senator", ["B"])])
    dates = {"A": "2018-11-07", "B": "2016-02-28"}
    assert find_discrepancies([ent], [], [], [], dates=dates) == []
    # The role claims carry the date of the article stating them.
    by_value = {c.value: c for c in claims([ent], [], [], [], dates) if c.slot == "role"}
    assert by_value["Attorney General"].dates == ["2018-11-07"]
    assert by_value["Attorney General"].to_dict()["dates"] == ["2018-11-07"]
    assert by_value["senator"].dates == ["2016-02-28"]


def test_same_time_offices_still_conflict() -> None:
    ent = _sessions([("Attorney General", ["A"]), ("senator", ["B"])])
    (d,) = find_discrepancies([ent], [], [], [], dates={"A": "2018-11-07", "B": "2018-11-08"})
    assert d.kind == "role"
    assert {v.value.split(" (")[0]: v.dates for v in d.values} == {"attorney general": ["2018-11-07"],
                                                                    "senator": ["2018-11-08"]}


def test_undated_articles_conflict_only_within_one_story() -> None:
    ent = _sessions([("Attorney General", ["A"]), ("senator", ["B"])])
    dates: dict[str, str | None] = {"A": None, "B": None}
    assert find_discrepancies([ent], [], [], [], dates=dates, stories={"A": "s1", "B": "s2"}) == []
    assert find_discrepancies([ent], [], [], [], dates=dates, stories={"A": "s1"}) == []
    (d,) = find_discrepancies([ent], [], [], [], dates=dates, stories={"A": "s1", "B": "s1"})
    assert d.kind == "role"


@pytest.mark.parametrize(
    ("role", "current"),
    [
        ("former Alabama senator", False), ("then-Sen.", False), ("ex-senator", False),
        ("senator-elect", False), ("attorney general nominee", False), ("former secretary of state", False),
        ("who was Nixon's chief of staff", False), ("chief of staff and later secretary of state", False),
        ("Attorney General", True), ("U.S. Secretary of State", True), ("Venezuela’s military attaché", True),
    ],
)
def test_past_and_future_offices_are_not_current(role: str, current: bool) -> None:
    assert is_current(role) is current


def test_past_offices_and_neighbours_roles_are_not_conflicts() -> None:
    # ECB+ 28_*: the roles attached to Alexander Haig by the entity stage, as stored: two offices held
    # at different times, and a neighbouring list item's office ("George H.W. Bush, the U.S. ambassador").
    def person(eid: str, name: str, roles: list[tuple[str, str]]) -> dict[str, Any]:
        return {"id": eid, "name": name, "kind": "PERSON",
                "variants": [{"text": name, "article_ids": ["A"], "evidence": [_ev("A")]}],
                "roles": [{"text": t, "article_ids": [a], "evidence": [_ev(a, 10, 20)]} for t, a in roles]}

    haig = person("e2", "Alexander Haig", [
        ("former National Security Adviser Henry Kissinger", "A"),
        ("Fred Fielding, assistant to White House Counsel John Dean; and George H.W. Bush, the U.S. ambassador "
         "to the United Nations at the time", "A"),
        ("Nixon's chief of staff and later President Reagan's secretary of State", "B"),
        ("Nixon's White House chief of staff", "C")])
    others = [person("e3", "Henry Kissinger", []), person("e4", "George H.W. Bush", [])]
    dates = {"A": "2004-07-28", "B": "2004-07-29", "C": None}
    assert find_discrepancies([haig, *others], [], [], [], dates=dates) == []
    # Without the other people known, the list item's "ambassador" is still read as Haig's office.
    (d,) = find_discrepancies([haig], [], [], [], dates=dates)
    assert d.kind == "role" and "ambassador" in d.description


# --- quotes: only aligned, overlapping content; a different value in the same slot ----------------------------


def _quote(a: str, b: str) -> dict[str, Any]:
    return {"id": "q1", "text": a, "speaker_entity_id": None, "speaker_text": "Sessions", "article_ids": ["A", "B"],
            "variants": [{"article_id": "A", "text": a, "start": 0, "end": len(a)},
                         {"article_id": "B", "text": b, "start": 0, "end": len(b)}]}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # two different sentences of one speaker
        ("Sessions said he was submitting his resignation at your request",
         "Thank you for the honor of serving as attorney general"),
        ("We don’t have the votes to pass this bill right now", "We will try again after the recess"),
        # a quote cut at a ’ (the extractor took the apostrophe for a closing quotation mark)
        ("We don’", "We don’t want to see this happen again"),
        ("I can’", "I can’t say what the president will do"),
        # number formatting
        ("Twenty-two people, including an eight-year-old girl, have been killed",
         "22 people, including an 8-year-old girl, have been killed"),
        ("The deal is worth $140 million over seven years", "The deal is worth $140m over 7 years"),
        ("unemployment fell to 3.7 per cent", "unemployment fell to 3.7%"),
        ("four-by-four vehicles were used in the attack", "4x4 vehicles were used in the attack"),
        # one outlet adds figures the other omits
        ("Twenty-two people have been killed and 59 were injured in a suicide bombing",
         "Twenty-two people have been killed in a suicide bombing"),
        ("people have been killed in a suicide bombing on Monday", "22 people have been killed in a suicide bombing"),
        # a relative day and a weekday may be the same day (ECB+ 24_*: "in central Paris today" / "on Monday")
        ("Four men rammed their car into an up-market jewellery store in central Paris today",
         "Four men rammed their car into an upmarket jewelry store in central Paris on Monday"),
        ("the men drove a large 4×4 car into the store in the early hours of the morning",
         "the men drove a large four-by-four car into the store at around 4.30am"),
        # units converted (ECB+ 18_*: "30 miles" / "48km", "120 mph" / "193km/h")
        ("Sheriff's deputies and state police chased him for 30 miles, including through a construction zone, at "
         "speeds up to 120 mph before he finally pulled over",
         "Sheriff's deputies and state police chased him for 48km, including through a construction zone, at "
         "speeds up to 193km/h before he finally pulled over"),
        # the same sum in two currencies (ECB+ 8_*: "euro30 billion" / "$40 billion")
        ("the austerity measures, which aim to save euro30 billion the country's current budget deficit through 2012",
         "the measures, which aim to save $40 billion - - the country's current budget deficit - - through 2012"),
        # two statements that share three words (ECB+ 20_*)
        ("four villages had been destroyed and three people killed", "five villages had been badly hit"),
        # negated on both sides, in different places (newscluster e070, the US Pacific Command)
        ("it posed no threat to Guam or to the American mainland",
         "the missile didn't posed a threat to North America or Guam"),
        # a clause with a negation that one outlet adds (ECB+ 28_*)
        ("the source for Washington Post reporters Bob Woodward and Carl Bernstein was not one person, but probably "
         "a combination", "the source for Washington Post reporters Bob Woodward and Carl Bernstein was probably a "
         "combination"),
        # one outlet quotes more of the statement, with a negation outside the part both quote
        ("Nothing less than a full inquiry will satisfy the families", "a full inquiry will satisfy the families"),
    ],
)
def test_false_quote_conflicts_raise_nothing(a: str, b: str) -> None:
    assert wording_conflict(a, b) is None
    assert find_discrepancies([], [_quote(a, b)], [], []) == []


@pytest.mark.parametrize(
    ("a", "b", "kind", "values"),
    [
        ("The 5.9-magnitude quake struck Qeshm island", "The 6.1-magnitude quake struck Qeshm island",
         "number", ("5.9", "6.1")),
        ("Twenty-two people have been killed in a suicide bombing", "24 people have been killed in a suicide bombing",
         "number", ("22", "24")),
        ("We will leave the country within 72 hours", "We will leave the country within 30 hours", "number",
         ("72", "30")),
        ("police chased him for 30 miles before he pulled over", "police chased him for 30km before he pulled over",
         "number", ("48280.32|m", "30000|m")),
        ("I recognize President Guaido as the only legitimate president",
         "I do not recognize President Guaido as the only legitimate president", "negation", ("", "do not")),
        ("He recognizes Maduro as president", "He no longer recognizes Maduro as president", "negation",
         ("", "no longer")),
        ("We will accept the result of the vote", "We won't accept the result of the vote", "negation",
         ("", "not")),
        ("The talks will resume on Monday in Geneva", "The talks will resume on Tuesday in Geneva", "date",
         ("mon", "tue")),
    ],
)
def test_true_quote_conflicts_are_found(a: str, b: str, kind: str, values: tuple[str, str]) -> None:
    c = wording_conflict(a, b)
    assert c is not None and (c.kind, c.a, c.b) == (kind, *values)
    (d,) = find_discrepancies([], [_quote(a, b)], [], [])
    assert d.kind == "quote_wording" and kind in d.description
    assert sorted(v.article_ids[0] for v in d.values) == ["A", "B"]


def test_quote_readings_group_agreeing_outlets() -> None:
    texts = {"A": "The 5.9-magnitude quake struck Qeshm island", "B": "the 5.9 magnitude quake struck Qeshm island",
             "C": "The 6.1-magnitude quake struck Qeshm island", "D": "Officials said the island was evacuated"}
    q = {"id": "q1", "text": texts["A"], "speaker_entity_id": None, "speaker_text": None, "article_ids": list(texts),
         "variants": [{"article_id": k, "text": t, "start": 0, "end": len(t)} for k, t in texts.items()]}
    (d,) = find_discrepancies([], [q], [], [])
    assert sorted(v.article_ids for v in d.values) == [["A", "B"], ["C"]]  # D aligns with neither: left out
    assert d.supported_value == texts["A"]


def test_wording_tokens_normalize_numbers() -> None:
    assert wording_tokens("an eight-year-old") == wording_tokens("an 8-year-old") == ["an", "#8", "year", "old"]
    assert wording_tokens("$1.5 billion") == wording_tokens("$1.5bn") == ["$", "#1500000000|usd"]
    assert wording_tokens("5,000 euros") == wording_tokens("euro5,000")[1:] == ["#5000|eur"]
    assert wording_tokens("for 30 miles") == ["for", "#48280.32|m"]
    assert wording_tokens("at 193km/h") == ["at", "#53.611111|m/s"]
    assert wording_tokens("two hundred and fifty") == wording_tokens("250") == ["#250"]
    assert wording_tokens("1,000 people") == ["#1000", "people"]
    assert wording_tokens("They won't") == ["they", "will", "not"]
    assert wording_tokens("5,000 euros (about $5,600) on 6:00 p.m. Friday") == ["#5000|eur", "on", "@t1800", "@fri"]


# --- names: short forms and plurals are not misspellings -------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "other", "same"),
    [
        ("Steve Jobs", "Steven Jobs", True), ("Steve", "Steven", True), ("Bill Clinton", "William Clinton", True),
        ("Clintons", "Clinton", True), ("the Clintons", "Bill Clinton", True), ("Clinton's", "Hillary Clinton", True),
        ("Salva", "Silva", False), ("Jose Luis Salva", "Jose Luis Silva", False), ("Guadio", "Guaido", False),
        ("Hilary Clinton", "Hillary Clinton", False), ("Ilene Wolff", "Ilene Wolfe", False),
    ],
)
def test_same_name_form(variant: str, other: str, same: bool) -> None:
    assert same_name_form(variant, other) is same


def test_short_forms_and_plurals_are_not_misspellings_but_misspellings_stay() -> None:
    ent: dict[str, Any] = {"id": "e3", "name": "Steven Mnuchin", "kind": "PERSON", "roles": [],
           "variants": [{"text": "Steven Mnuchin", "article_ids": ["A", "B"], "evidence": [_ev("A"), _ev("B")]},
                        {"text": "Steve Mnuchin", "article_ids": ["C"], "flags": ["likely_misspelling"],
                         "evidence": [_ev("C")]},
                        {"text": "Mnuchins", "article_ids": ["D"], "flags": ["likely_misspelling"],
                         "evidence": [_ev("D")]}]}
    assert find_discrepancies([ent], [], [], []) == []
    ent["variants"].append({"text": "Steven Mnuchen", "article_ids": ["E"], "flags": ["likely_misspelling"],
                            "evidence": [_ev("E")]})
    (d,) = find_discrepancies([ent], [], [], [])
    assert d.kind == "spelling" and [v.value for v in d.values] == ["Steven Mnuchin", "Steven Mnuchen"]


# --- event dates: a page's date line is not the date of the event ----------------------------------------------


def _arrest(aid: str, date: str, text: str, date_text: str) -> dict[str, Any]:
    start = text.index(date_text)
    return {"id": f"ev-{aid}", "type": "COERCE", "mode": "arrest", "actor_entity_id": "e1",
            "target_entity_id": "e2", "polarity": "asserted", "modality": "actual", "date": date,
            "date_precision": "day", "date_source": "governing",
            "date_evidence": {"start": 500 + start, "end": 500 + start + len(date_text)},
            "article_ids": [aid], "evidence": [{"article_id": aid, "start": 500, "end": 500 + len(text), "text": text}]}


def test_date_line_of_a_page_is_not_the_event_date() -> None:
    # ECB+ 35_1ecbplus / 35_4ecbplus: each page's date line was glued to the first sentence.
    ents = [{"id": "e1", "name": "police", "kind": "ORG", "variants": [], "roles": []},
            {"id": "e2", "name": "Jamal Williams", "kind": "PERSON", "variants": [], "roles": []}]
    a = "Chargers' Jamal Williams arrested on DUI suspicion\nPosted 2/3/2009 11:11 PM\nChargers defensive tackle " \
        "Jamal Williams was arrested on suspicion of drunken driving"
    b = "Charger Jamal Williams arrested on suspicion of DUI\nFebruary 5, 2009\nFor the second time in less than a " \
        "month, a member of the San Diego Chargers was arrested"
    events = [_arrest("A", "2009-02-03", a, "2/3/2009"), _arrest("B", "2009-02-05", b, "February 5, 2009")]
    assert find_discrepancies(ents, [], events, []) == []
    # A date the sentence itself states still conflicts with another.
    c = "Police said Jamal Williams was arrested on February 1, 2009 after being pulled over for speeding"
    events.append(_arrest("C", "2009-02-01", c, "February 1, 2009"))
    d = "Police said Jamal Williams was arrested on February 2, 2009 after being pulled over for speeding"
    events.append(_arrest("D", "2009-02-02", d, "February 2, 2009"))
    (found,) = find_discrepancies(ents, [], events, [])
    assert found.kind == "date" and sorted(v.value for v in found.values) == ["2009-02-01", "2009-02-02"]


def test_similar_words_weeks_apart_are_two_statements() -> None:
    # newscluster e070: Yoshihide Suga on the 28 August and the 14 September 2017 missile launches.
    a = "the latest missile fell into the sea 1,180 km (735 miles) east of Cape Erimo"
    b = "fell into the ocean 2,000 kilometers (about 1,200 miles) east of Cape Erimo"
    assert wording_conflict(a, b) is not None
    assert find_discrepancies([], [_quote(a, b)], [], [], dates={"A": "2017-09-14", "B": "2017-08-28"}) == []
    (d,) = find_discrepancies([], [_quote(a, b)], [], [], dates={"A": "2017-09-14", "B": "2017-09-15"})
    assert d.kind == "quote_wording"
