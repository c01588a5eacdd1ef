"""Source profiles: loaded vocabulary in place, translation indicators, first reports."""

from __future__ import annotations

import pytest

from newsweave.corroborate.claims import Claim
from newsweave.corroborate.profiles import build_profiles, loaded_terms, mt_indicators
from newsweave.models import Article


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Offsets stay right after characters that fold to several ("…").
        ("Pick a side. … Either way, the Maduro regime fell.", ["regime"]),
        # Inside a quotation the words are the speaker's, not the outlet's.
        ("“The regime is a dictatorship,” he said of the embattled leader.", ["embattled"]),
        ("The dictator-like leader faced a socialist regime and rampant crime.",
         ["dictator-like", "socialist regime", "rampant"]),
        ("The government said talks would continue.", []),
    ],
)
def test_loaded_terms_cited_in_place(text: str, expected: list[str]) -> None:
    hits = loaded_terms(Article(id="x", text=text, input="x"))
    assert [h.text for h in hits] == expected
    assert all(text[h.start:h.end] == h.text for h in hits)


def test_translation_indicators_fire_where_expected(nlp) -> None:  # type: ignore[no-untyped-def]
    from newsweave.annotate.nlp import annotate

    text = ("Maduro spoke in a Video on Saturday and moved his Ultimatum to the diplomats to Leave the "
            "country. meanwhile, the talks went on.")
    art = Article(id="x", text=text, input="x", language="en")
    (ann,) = annotate([art], nlp)
    hits = mt_indicators(art, ann)
    assert {h.text for h in hits["capitalized_common_word"]} >= {"Video", "Leave"}
    assert [h.text for h in hits["lowercase_sentence_start"]] == ["meanwhile"]
    clean = Article(id="y", text="Maduro spoke in a video on Saturday. Meanwhile, talks went on.", input="y",
                    language="en")
    (ann2,) = annotate([clean], nlp)
    assert not any(mt_indicators(clean, ann2).values())


def test_first_report_must_be_strictly_earlier() -> None:
    arts = [Article(id=i, text="x " * 30, input=i, source=s, published=d)
            for i, s, d in (("a", "Wire", "2019-01-26"), ("b", "Daily", "2019-01-27"), ("c", "Weekly", None))]
    claim = Claim("e1", "Silva", "event", "defect Maduro", ["a", "b", "c"], [], 3)
    profs = {p.outlet: p for p in build_profiles(arts, {}, {}, [claim], [])}
    assert [c["value"] for c in profs["Wire"].first_reported] == ["defect Maduro"]
    assert profs["Daily"].first_reported == [] and profs["Weekly"].first_reported == []
    arts[1].published = "2019-01-26"
    profs = {p.outlet: p for p in build_profiles(arts, {}, {}, [claim], [])}
    assert profs["Wire"].first_reported == []  # a tie is nobody's first report
