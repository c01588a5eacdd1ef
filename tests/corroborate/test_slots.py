"""Tests for newsweave.corroborate.slots: a misspelt name or another title in two renderings of one statement."""

from __future__ import annotations

import pytest

from newsweave.corroborate.claims import wording_tokens
from newsweave.corroborate.slots import name_or_title


def _slot(a: str, b: str) -> tuple[str, str, str] | None:
    c = name_or_title(a, wording_tokens(a), b, wording_tokens(b))
    return None if c is None else (c.kind, c.a, c.b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("County Executive Kathy Dahlkemper said roads would be clear by Monday.",
         "County Executive Kathy Dahlekmper said roads would be clear by Monday.",
         ("name", "Dahlkemper", "Dahlekmper")),
        ("Guaidó said the army should let the aid into the country.",
         "Guiadó said the army should let the aid into the country.", ("name", "Guaidó", "Guiadó")),
        ("Chancellor Angela Merkel said the safe zone would be set up again.",
         "Minister Angela Merkel said the safe zone would be set up again.", ("title", "Chancellor", "Minister")),
        ("Admiral Sureesh Mehta said the navy would patrol the gulf.",
         "Ambassador Sureesh Mehta said the navy would patrol the gulf.", ("title", "Admiral", "Ambassador")),
    ],
)
def test_one_word_different_in_a_name_or_title_slot(a: str, b: str, expected: tuple[str, str, str]) -> None:
    assert _slot(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the same statement, word for word
        ("The colonel said he would report to Guaido from now on.",
         "The colonel said he would report to Guaido from now on."),
        # a plural, a familiar form of a given name, two real places
        ("The Clinton family said it would give the money away.",
         "The Clintons family said it would give the money away."),
        ("Steve Jobs unveiled the new phone in San Francisco on Tuesday.",
         "Steven Jobs unveiled the new phone in San Francisco on Tuesday."),
        ("Troops crossed from Iran into the disputed border region overnight.",
         "Troops crossed from Iraq into the disputed border region overnight."),
        # generic descriptions are not offices; a title not before a name is no title slot
        ("Today the leader Juan Guaido met the press in Caracas.",
         "Today the chief Juan Guaido met the press in Caracas."),
        ("The president said he would sign the bill.", "The senator said he would sign the bill."),
        # two edits apart: another name, not a misspelling
        ("General Motors said its sales rose in March.", "Generous Motors said its sales rose in March."),
        # British and American spellings of one word (ECB+: "Technicolour" / "Technicolor" musicals)
        ("She starred in glittering and aquatic Technicolour musicals of the 1940s and 1950s.",
         "She starred in glittering and aquatic Technicolor musicals of the 1940s and 1950s."),
        ("Travellers arriving from Mexico were checked at the airport on Monday.",
         "Travelers arriving from Mexico were checked at the airport on Monday."),
        # lower case: a word, not a name
        ("North Korea will launch a satellite next week.", "North Korea will lanuch a satellite next week."),
    ],
)
def test_no_slot_where_nothing_conflicts(a: str, b: str) -> None:
    assert _slot(a, b) is None


def test_statements_flag_a_misspelt_name_and_another_title_with_support() -> None:
    import re

    from newsweave.corroborate.statements import statement_discrepancies
    from newsweave.reuse.independence import Independence

    base = ("Rescue teams worked through the night in the flooded valley of Ardmore.\n"
            "Mayor Kathy Dahlkemper said the county would reopen every road by Monday evening.\n"
            "Residents were moved to a school gymnasium near the river.")

    def run(texts: dict[str, str]) -> list:
        spans = {a: [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", t)] for a, t in texts.items()}
        return statement_discrepancies(texts, spans, Independence([]), {a: "2026-03-03" for a in texts})

    (d,) = run({"A": base, "B": base, "C": base.replace("Dahlkemper", "Dahlekmper")})
    assert d.kind == "statement_spelling" and '"Dahlkemper" vs "Dahlekmper"' in d.description
    assert d.supported_value is not None and "Dahlkemper" in d.supported_value  # two independent sources
    copy = next(v for v in d.values if v.article_ids == ["C"])
    text = base.replace("Dahlkemper", "Dahlekmper")
    assert text[copy.evidence[0].start:copy.evidence[0].end].startswith("Mayor Kathy Dahlekmper said")
    (d,) = run({"A": base, "B": base.replace("Mayor Kathy", "Governor Kathy")})
    assert d.kind == "statement_role"
    assert run({"A": base, "B": base.replace("Mayor Kathy", "Now Kathy")}) == []  # not a title


def test_a_name_spelled_two_ways_in_several_sentences_is_one_discrepancy() -> None:
    import re

    from newsweave.corroborate.statements import statement_discrepancies
    from newsweave.reuse.independence import Independence

    # ECB+ topic 23: three outlets, two spellings of the climber's name in two different sentences
    a = ("On Friday, 36-year-old Duncan Rait died after slipping and falling about 200ft from a ridge.\n"
         "Gaskin said that other climbers attempted to rescue Rait by taking him down the glacier.")
    b = a.replace("Rait", "Raite")
    texts = {"A": a, "B": a, "C": b}
    spans = {k: [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", t)] for k, t in texts.items()}
    (d,) = statement_discrepancies(texts, spans, Independence([]), {k: "2013-06-08" for k in texts})
    assert d.kind == "statement_spelling"
    values = {v.value: v for v in d.values}
    assert set(values) == {"Rait", "Raite"} and d.supported_value == "Rait"
    assert len(values["Raite"].evidence) == 2 and values["Raite"].article_ids == ["C"]  # both sentences cited
    assert len(values["Rait"].evidence) == 4 and values["Rait"].article_ids == ["A", "B"]


def test_page_chrome_and_live_blog_entry_times_are_not_statements() -> None:
    import re

    from newsweave.corroborate.statements import statement_discrepancies
    from newsweave.reuse.independence import Independence

    def run(a: str, b: str) -> list:
        texts = {"A": a, "B": b}
        spans = {k: [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", t)] for k, t in texts.items()}
        return statement_discrepancies(texts, spans, Independence([]), {"A": "2009-04-27", "B": "2009-04-27"})

    # Timeline17 (H1N1, Haiti, Egypt): a dateline cut by pipes, a blog header, a live blog's entry times
    assert run("MEXICO CITY | Mon Apr 27, 2009 3:10 am BST MEXICO CITY -LRB- Reuters -RRB- officials said",
               "MEXICO CITY | Tue Apr 28, 2009 12:49 am BST MEXICO CITY -LRB- Reuters -RRB- officials said") == []
    assert run("0908 International aid charities are appealing for help for the victims of the quake.",
               "0919 International aid charities are appealing for help for the victims of the quake.") == []
    # the entry itself is still compared
    (d,) = run("0908 International aid charities are appealing for help for 3,000 victims of the quake.",
               "0919 International aid charities are appealing for help for 5,000 victims of the quake.")
    assert d.kind == "statement_number"
