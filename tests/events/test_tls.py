"""Tests for newsweave.events.tls (a story's key dates, cited)."""

from __future__ import annotations

from typing import Any

import pytest

from newsweave.annotate.nlp import annotate
from newsweave.events.tls import date_scores, dated_sentences, summarize_timeline
from newsweave.models import AnnotatedArticle, Article

ARTICLES = [
    ("a1", "2011-01-26",
     "Tens of thousands of protesters filled Tahrir Square in Cairo on Tuesday, January 25, demanding that "
     "President Hosni Mubarak step down. Police fired tear gas at the crowds. Officials said the "
     "protests would be contained."),
    ("a2", "2011-01-26",
     "Protesters clashed with police across Egypt on January 25 in the largest demonstrations in decades. "
     "The interior ministry said three people had died. A vote on the new constitution is planned "
     "for March 3."),
    ("a3", "2011-01-29",
     "Mubarak dismissed his cabinet on January 28 after a day of rage across Egyptian cities. "
     "The protests that began on January 25 showed no sign of ending. Army tanks were deployed in Cairo."),
    ("a4", "2011-01-29",
     "President Mubarak sacked the government on Friday, January 28, and named a vice president. "
     "Crowds stayed in the streets of Cairo and Alexandria."),
]


@pytest.fixture(scope="module")
def docs(nlp: Any) -> list[AnnotatedArticle]:
    arts = [Article(id=i, text=t, input=f"{i}.txt", published=p, language="en") for i, p, t in ARTICLES]
    return [AnnotatedArticle(a, ann) for a, ann in zip(arts, annotate(arts, nlp), strict=True)]


def test_sentences_know_the_days_they_name(docs: list[AnnotatedArticle]) -> None:
    sents = dated_sentences(docs)
    first = next(s for s in sents if s.article_id == "a1" and s.start == 0)
    assert first.days == ("2011-01-25",)
    assert first.lead
    police = next(s for s in sents if s.text.startswith("Police fired"))
    assert police.days == () and not police.lead
    for s in sents:  # every sentence is a real span of its article
        text = next(d.article.text for d in docs if d.article.id == s.article_id)
        assert text[s.start:s.end] == s.text


def test_dates_named_by_several_articles_win_and_the_future_is_left_out(docs: list[AnnotatedArticle]) -> None:
    scores = date_scores(dated_sentences(docs))
    assert scores["2011-01-25"] > scores["2011-01-28"] > 0  # named by three articles vs two
    assert scores["2011-01-26"] > 0  # two articles published that day
    assert "2011-03-03" not in scores  # after the last publication day: planned, not happened
    mention_only = date_scores(dated_sentences(docs), "mention")
    assert "2011-01-26" not in mention_only  # nobody names it: publication alone does not count here


def test_key_dates_are_cited_in_date_order(docs: list[AnnotatedArticle]) -> None:
    entries = summarize_timeline(docs, n_dates=2, mode="mention")
    assert [e.date for e in entries] == ["2011-01-25", "2011-01-28"]
    jan25 = entries[0]
    assert set(jan25.mentioned_by) == {"a1", "a2", "a3"}
    assert len(jan25.sentences) == 1 and "2011-01-25" in jan25.sentences[0].days
    row = entries[1].to_dict()
    st = row["statements"][0]
    assert st["dated_by"] == "mention" and "Mubarak" in st["text"]
    text = next(d.article.text for d in docs if d.article.id == st["evidence"]["article_id"])
    assert text[st["evidence"]["start"]:st["evidence"]["end"]] == st["text"]


def test_default_length_fits_the_story(docs: list[AnnotatedArticle]) -> None:
    entries = summarize_timeline(docs)
    # days with two or more supporting articles: the 25th, 26th and 28th named or published on by >= 2
    assert 1 <= len(entries) <= 4
    assert all(e.sentences for e in entries)


def test_a_wire_photo_caption_dates_nothing(nlp: Any) -> None:
    caption = ("Venezuelan Colonel Jose Luis Silva is interviewed by Reuters after announcing that he is defecting "
               "from the government of President Nicolas Maduro in Washington, US, January 26, 2019.")
    body = "The colonel said on January 26, 2019 that he no longer recognized Maduro."
    arts = [Article(id="c1", text=caption + "\n\n" + body, input="c1.txt", published="2019-01-28", language="en")]
    docs = [AnnotatedArticle(arts[0], next(annotate(arts, nlp)))]
    sents = dated_sentences(docs)
    # the caption is no candidate at all (one caption rule for summaries and timelines), so it dates nothing
    assert not [s for s in sents if s.text.startswith("Venezuelan Colonel")]
    assert next(s for s in sents if s.text.startswith("The colonel")).days == ("2019-01-26",)


def test_direct_speech_and_first_person_are_not_developments(nlp: Any) -> None:
    text = ("“Today I speak to the people of Venezuela,” the colonel said on January 26. "
            "We revised our booking policy on January 26. "
            "The army chief pledged loyalty to Maduro on January 26.")
    arts = [Article(id="q1", text=text, input="q1.txt", published="2019-01-27", language="en")]
    docs = [AnnotatedArticle(arts[0], next(annotate(arts, nlp)))]
    entries = summarize_timeline(docs)
    assert [s.text for e in entries for s in e.sentences] == ["The army chief pledged loyalty to Maduro on January 26."]


def test_empty_story_has_no_timeline() -> None:
    assert summarize_timeline([]) == []


@pytest.mark.parametrize(
    ("sentence", "dated"),
    [
        ("The council voted on March 3, 2019 to close the plant.", True),
        ("The vote did not take place on March 3, 2019 as planned.", False),
        ("The council would have voted on March 3, 2019 if the mayor had agreed.", False),
        ("Officials hope to reopen the bridge on March 3, 2019 after repairs.", False),
        ("He wished the election had been held on March 3, 2019 instead.", False),
        ("If the strike goes ahead on March 3, 2019, flights will be cancelled.", False),
    ],
)
def test_only_stated_facts_date_a_sentence(nlp: Any, sentence: str, dated: bool) -> None:
    """A day in a negated, hypothetical or conditional clause or a wish is no development of that day."""
    art = Article(id="f1", text=sentence, input="f1.txt", published="2019-03-10", language="en")
    sents = dated_sentences([AnnotatedArticle(art, next(annotate([art], nlp)))])
    assert [s.days for s in sents] == [("2019-03-03",) if dated else ()]


def test_history_is_labelled_background(nlp: Any) -> None:
    """A day long before the story's first article is recalled history: labelled, never a key development."""
    history = "The regime came to power on October 14, 1981, after the assassination of the president."
    texts = [
        ("h1", "2011-01-26", "Protesters filled Tahrir Square on January 25, 2011 to demand change. " + history),
        ("h2", "2011-01-27", "Crowds gathered in Cairo on January 25, 2011 against the government. " + history),
    ]
    arts = [Article(id=i, text=t, input=f"{i}.txt", published=p, language="en") for i, p, t in texts]
    docs = [AnnotatedArticle(a, ann) for a, ann in zip(arts, annotate(arts, nlp), strict=True)]
    entries = {e.date: e for e in summarize_timeline(docs)}
    assert entries["1981-10-14"].background is True
    assert entries["1981-10-14"].to_dict()["background"] is True
    assert entries["2011-01-25"].background is False
    # with room for one date only, the development wins over the history
    only = summarize_timeline(docs, n_dates=1)
    assert [e.date for e in only if not e.background] == ["2011-01-25"]


def test_dossier_count_of_statements_follows_the_witnesses(docs: list[AnnotatedArticle]) -> None:
    entries = {e.date: e for e in summarize_timeline(docs, n_dates=2, per_date=None, mode="mention")}
    jan25, jan28 = entries["2011-01-25"], entries["2011-01-28"]
    # three articles name the 25th: up to three statements, none repeating another (cosine < REDUNDANT)
    assert 2 <= len(jan25.sentences) <= 3
    assert len({(s.article_id, s.start) for s in jan25.sentences}) == len(jan25.sentences)
    assert all("2011-01-25" in s.days for s in jan25.sentences)
    # two name the 28th: at most two, and a sentence already shown for the 25th is not a further statement
    assert 1 <= len(jan28.sentences) <= 2
    shown_25 = {(s.article_id, s.start) for s in jan25.sentences}
    assert not any((s.article_id, s.start) in shown_25 for s in jan28.sentences[1:])
    fixed = summarize_timeline(docs, n_dates=2, per_date=1, mode="mention")
    assert all(len(e.sentences) == 1 for e in fixed)
