"""Tests for newsweave.events.extract (spaCy loaded once per module)."""

from __future__ import annotations

import pytest

from newsweave.annotate.nlp import annotate, load_nlp
from newsweave.events.extract import Event, events_for_article, extract_events
from newsweave.models import AnnotatedArticle, Article
from tests.conftest import RESOURCES

TEXT = (RESOURCES / "events" / "ultimatum.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc() -> AnnotatedArticle:
    art = Article(id="a1", text=TEXT, input="ultimatum.txt", published="2019-01-27", language="en")
    return AnnotatedArticle(art, next(annotate([art], load_nlp())))


@pytest.fixture(scope="module")
def events(doc: AnnotatedArticle) -> list[Event]:
    return events_for_article(doc)


def _find(events: list[Event], trigger: str) -> Event:
    return next(e for e in events if e.trigger_text == trigger)


@pytest.mark.parametrize(
    ("trigger", "etype", "mode", "date"),
    [
        ("ultimatum", "THREATEN", "ultimatum", "2019-01-26"),
        ("cut", "SANCTION", "break-relations", "2019-01-23"),
        ("declaration", "SUPPORT", "recognize", "2019-01-23"),
        ("defected", "REJECT", "defect", "2019-01-26"),
    ],
)
def test_types_modes_dates(events: list[Event], trigger: str, etype: str, mode: str, date: str) -> None:
    ev = _find(events, trigger)
    assert (ev.type, ev.mode, ev.date, ev.date_precision) == (etype, mode, date, "day")


def test_conditional_and_negated(events: list[Event]) -> None:
    assert _find(events, "recognize").modality == "conditional"
    assert _find(events, "recognized").polarity == "negated"  # "no longer recognized"
    assert _find(events, "arrest").polarity == "negated"  # "refused to arrest"


def test_actor_target_and_entity_callback(doc: AnnotatedArticle) -> None:
    def entity_of(article_id: str, start: int, end: int) -> str | None:
        return "ent_maduro" if "Maduro" in TEXT[start:end] else None

    ev = _find(extract_events([doc], entity_of), "cut")
    assert ev.actor_text == "Maduro" and ev.actor_entity_id == "ent_maduro"
    assert ev.target_text is not None and "diplomatic relations" in ev.target_text
    recog = _find(extract_events([doc]), "recognize")
    assert recog.actor_text is not None and "Britain" in recog.actor_text  # pronoun "they" resolved


def test_ids_stable_and_dict_form(doc: AnnotatedArticle, events: list[Event]) -> None:
    again = events_for_article(doc)
    assert [e.id for e in events] == [e.id for e in again]
    d = _find(events, "cut").to_dict(TEXT)
    for key in ("id", "type", "actor_entity_id", "target_entity_id", "date", "date_precision", "article_ids",
                "evidence"):
        assert key in d
    ev0 = d["evidence"][0]
    assert TEXT[ev0["start"] : ev0["end"]] == ev0["text"]


def test_unknown_publication_date_keeps_placeholder() -> None:
    art = Article(id="a2", text="The colonel defected on Saturday.", input="x", published=None, language="en")
    ev = events_for_article(AnnotatedArticle(art, next(annotate([art], load_nlp()))))[0]
    assert ev.date == "XXXX-WXX-6" and ev.date_precision == "unknown"


@pytest.mark.parametrize(
    ("sentence", "trigger", "actor"),
    [
        ("Police arrested twenty protesters in the capital.", "arrested", "Police"),
        ("The colonel denounced the government in a video.", "denounced", "The colonel"),
        ("Protesters attacked the ministry building.", "attacked", "Protesters"),
        ("He denounced the decision on Monday.", "denounced", "He"),
        ("You attacked the ministry building.", "attacked", None),
        ("It denounced the decision on Monday.", "denounced", None),
        ("A letter denounced the decision on Monday.", "denounced", None),
    ],
)
def test_an_actor_is_someone_who_acts(sentence: str, trigger: str, actor: str | None) -> None:
    """'you', 'it', 'a letter' act in no news event: the actor stays unknown rather than wrong."""
    art = Article(id="r1", text=sentence, input="r1.txt", published="2019-01-28", language="en")
    doc = AnnotatedArticle(art, next(annotate([art], load_nlp())))
    assert _find(events_for_article(doc), trigger).actor_text == actor


@pytest.mark.parametrize(
    ("sentence", "trigger", "modality"),
    [
        ("The Red Sox are making progress in their quest to sign Teixeira.", "sign", "hypothetical"),
        ("Rebels launched a bid to topple the government.", "topple", "hypothetical"),
        ("The Yankees signed Teixeira on Tuesday.", "signed", "actual"),
    ],
)
def test_an_infinitive_after_a_noun_asserts_nothing(sentence: str, trigger: str, modality: str) -> None:
    """'their quest to sign him' is no signing: a polarity conflict with 'will not sign' would be false."""
    art = Article(id="m1", text=sentence, input="m1.txt", published="2008-12-20", language="en")
    doc = AnnotatedArticle(art, next(annotate([art], load_nlp())))
    found = [e for e in events_for_article(doc, typed_only=False) if e.trigger_text == trigger]
    assert found and found[0].modality == modality
