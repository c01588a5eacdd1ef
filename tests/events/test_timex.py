"""Tests for newsweave.timex."""

from __future__ import annotations

import pytest

from newsweave.events.timex import find_timexes
from newsweave.events.timex_values import duration_value, parse_number, value_precision

PUB = "2019-01-27"  # a Sunday


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("He defected on Saturday.", PUB, ("Saturday", "DATE", "2019-01-26")),
        ("In a video published Jan. 23, he spoke.", PUB, ("Jan. 23", "DATE", "2019-01-23")),
        ("Prices rose last month.", PUB, ("last month", "DATE", "2018-12")),
        ("They met last week.", PUB, ("last week", "DATE", "2019-W03")),
        ("Elections must be held in eight days.", PUB, ("in eight days", "DATE", "2019-02-04")),
        ("Offices will open within 30 days.", PUB, ("30 days", "DURATION", "P30D")),
        ("It happened three weeks ago.", PUB, ("three weeks ago", "DATE", "2019-W01")),
        ("Talks end by the end of February.", PUB, ("the end of February", "DATE", "2019-02")),
        ("He defected on Saturday.", None, ("Saturday", "DATE", "XXXX-WXX-6")),
        ("They met last week.", None, ("last week", "DATE", "XXXX-WXX")),
        ("Sales in the third quarter rose.", "1989-10-27", ("the third quarter", "DATE", "1989-Q3")),
        ("Profit fell over the past two months.", "1989-10-27", ("the past two months", "DURATION", "P2M")),
        ("It was founded on May 22, 1995.", "1998-01-01", ("May 22, 1995", "DATE", "1995-05-22")),
        # a day with a year-relative phrase takes that year, not the nearest one
        ("A gunman opened fire on June 12 last year.", "2017-10-02", ("June 12 last year", "DATE", "2016-06-12")),
        ("It happened on 3 March of last year.", "2017-10-02", ("3 March of last year", "DATE", "2016-03-03")),
        ("The vote is on June 12 next year.", "2017-10-02", ("June 12 next year", "DATE", "2018-06-12")),
        ("It was signed on June 12 last year.", None, ("June 12 last year", "DATE", "XXXX-06-12")),
        ("Prices are high now.", PUB, ("now", "DATE", "PRESENT_REF")),
        ("The paper appears daily.", PUB, ("daily", "SET", "XXXX-XX-XX")),
        ("They arrived at 10 p.m. Wednesday.", PUB, ("10 p.m. Wednesday", "TIME", "2019-01-23T22:00")),
        ("He returns next Friday.", PUB, ("next Friday", "DATE", "2019-02-01")),
        # a month without a year: past tense -> the latest one, a prospective reading -> the nearest
        ("He stepped down in March for health reasons.", "1989-11-02", ("March", "DATE", "1989-03")),
        ("It agreed to acquire the bank in January.", "1989-11-02", ("January", "DATE", "1990-01")),
        ("The mission will fly in December.", "1998-03-04", ("December", "DATE", "1998-12")),
        ("Profits dropped for the fourth quarter.", "1998-01-26", ("the fourth quarter", "DATE", "1997-Q4")),
        ("They lived in camps for 2 1/2 years.", PUB, ("2 1/2 years", "DURATION", "P2Y6M")),
        ("But a minute and a half later, a pilot called.", PUB, ("a minute and a half", "DURATION", "PT1M30S")),
        ("Support rose from 35 percent several years ago.", PUB, ("several years ago", "DATE", "PAST_REF")),
        ("Revenue for the year ended March 31 was $7 million.", "1989-11-01", ("the year", "DURATION", "P1Y")),
        ("The quarter ended Sept. 30. It earned $10 million in the year-ago quarter.", "1989-11-01",
         ("the year-ago quarter", "DATE", "1988-Q3")),
        ("Net fell from $2 million for the corresponding period last year.", "1989-11-01",
         ("the corresponding period last year", "DATE", "1988-Q3")),
        ("In March 1989 it got a bid. The following month, it sold.", "1989-10-27",
         ("The following month", "DATE", "1989-04")),
        ("It began in 1988, when imports that year fell.", "1989-11-02", ("that year", "DATE", "1988")),
        ("Earnings will be lower in the last half of 1989.", "1989-10-26",
         ("the last half of 1989", "DATE", "1989-H2")),
        ("The two presidents signed it last May.", "1998-02-27", ("last May", "DATE", "1997-05")),
        ("Over the weekend, McCaw continued to call for a sale.", "1989-10-30",
         ("the weekend", "DATE", "1989-W43-WE")),
        ("Three days later, the index recovered.", "1989-10-30", ("Three days", "DURATION", "P3D")),
        ("Hate groups were dropping through the nineties.", "1998-03-03", ("the nineties", "DATE", "199")),
        ("It cited a recent SEC filing.", "1989-10-30", ("recent", "DATE", "PAST_REF")),
        ("The merger follows months of twists and turns.", "1989-10-27", ("months", "DURATION", "PXM")),
        ("At mid-afternoon yesterday, shares were up.", "1989-11-02",
         ("mid-afternoon yesterday", "TIME", "1989-11-01TAF")),
        ("It won't be profitable until 1994 or later.", "1989-10-30", ("1994 or later", "DATE", "1994")),
        ("On Oct. 12 the market fell. The next day, it rose.", "1989-10-30", ("The next day", "DATE", "1989-10-13")),
        ("It bid on Oct. 12. The following week it won.", "1989-10-30", ("The following week", "DATE", "1989-W42")),
        ("Shares rose on Friday, up 4.5% from the previous Friday.", "1989-10-30",
         ("the previous Friday", "DATE", "1989-10-20")),
        ("1989's third quarter was weak.", "1989-10-30", ("1989's third quarter", "DATE", "1989-Q3")),
        ("Many funds in recent weeks and months have sold.", "1989-10-27",
         ("recent weeks and months", "DATE", "PAST_REF")),
        ("It sold a 10-year note.", "1989-10-30", ("10-year", "DURATION", "P10Y")),
        ("The year-ago results were restated.", "1989-10-30", ("year-ago", "DATE", "1988")),
        ("Earlier this month, it fell.", "1989-10-30", ("Earlier this month", "DATE", "1989-10")),
        ("Two flights leave on Monday and Tuesday nights.", "1998-02-13",
         ("Tuesday nights", "SET", "XXXX-WXX-2TNI")),
        ("Islam will one day be the second largest religion.", "1998-03-03", ("one day", "DATE", "FUTURE_REF")),
        ("It took one day.", "1998-03-03", ("one day", "DURATION", "P1D")),
        ("It earned $3 in the third quarter, up from $2 in the 1988 quarter.", "1989-10-30",
         ("the 1988 quarter", "DATE", "1988-Q3")),
        ("There are over fifty thousand CDs a year sold.", "1998-03-03", ("a year", "SET", "P1Y")),
        ("Room rates will be between $35 and $55 a night.", "1989-10-27", ("a night", "SET", "P1D")),
        ("It took about a year.", "1989-10-27", ("about a year", "DURATION", "P1Y")),
        ("Previously, it offered $13 a share.", "1989-10-30", ("Previously", "DATE", "PAST_REF")),
        ("He said at the time he was willing to go.", "1998-03-01", ("the time", "DATE", "PAST_REF")),
        ("Elections are held every four years.", "1998-03-01", ("every four years", "SET", "P4Y")),
        ("The charge is spread over the next three quarters.", "1989-11-02",
         ("the next three quarters", "DURATION", "P9M")),
        ("Colonel Collins will be named commander for a mission in December.", "1998-03-04",
         ("December", "DATE", "1998-12")),
    ],
)
def test_find_timexes(text: str, published: str | None, expected: tuple[str, str, str]) -> None:
    found = [(t.text, t.type, t.value) for t in find_timexes(text, published)]
    assert expected in found


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # two stacked modifiers before a singular unit are not one duration: "last month" stays a date
        ("Volume doubled the week after last month's sell-off.", "1991-05-17", ("last month", "DATE", "1991-04", None)),
        ("Traffic fell over the past day.", "1991-05-17", ("the past day", "DURATION", "P1D", None)),
        # "the beginning/middle/end of X": TIMEX3 mod START/MID/END
        ("Rents rose at the beginning of June.", "1991-08-02", ("the beginning of June", "DATE", "1991-06", "START")),
        ("The mill shut in the middle of 1986.", "1991-08-02", ("the middle of 1986", "DATE", "1986", "MID")),
        ("Bids close at the end of the month.", "1991-08-02", ("the end of the month", "DATE", "1991-08", "END")),
        ("The dam was finished in mid-1974.", "1991-08-02", ("mid-1974", "DATE", "1974", "MID")),
        ("Demand may peak by the late 1990s.", "1991-08-02", ("the late 1990s", "DATE", "199", "END")),
        # year-end: this year's, unless the clause is past or "since"
        # year-end: the year with mod END (as "the end of the year"); after since/as of/at the closing day
        ("The merger should close by year-end.", "1991-08-02", ("year-end", "DATE", "1991", "END")),
        ("The rules should be in place by year's end.", "1991-08-02", ("year's end", "DATE", "1991", "END")),
        ("Stocks are up 9% since year end.", "1991-08-02", ("year end", "DATE", "1990-12-31", None)),
        ("Debt stood at $3 billion at year-end.", "1991-08-02", ("year-end", "DATE", "1990-12-31", None)),
        ("Debt will be cut to $2 billion as of year-end.", "1991-08-02", ("year-end", "DATE", "1991-12-31", None)),
        # the period closed by "<period> ended <date>" stays the one under discussion
        ("It lost $9 million for the quarter ended Sept. 30. The year-ago results were restated.", "1991-11-01",
         ("year-ago", "DATE", "1990-Q3", None)),
        ("Net fell in the quarter ended June 30 from $4 million a year earlier.", "1991-08-02",
         ("a year earlier", "DATE", "1990-Q2", None)),
        # an appositive renames the date before it; "before <event>" is not part of the expression
        ("Stocks fell after May 3, the day before the vote, and rallied later.", "1991-08-02",
         ("the day", "DATE", "1991-05-03", None)),
        # two-digit decades: the latest one not after publication
        ("Sales were flat in the last half of the '80s.", "1991-08-02", ("the '80s", "DATE", "198", None)),
        ("Rents soared in the mid-'90s.", "2019-01-27", ("the mid-'90s", "DATE", "199", "MID")),
        ("Jazz of the '20s is back.", "2019-01-27", ("the '20s", "DATE", "192", None)),
        # a bare part of day: that part of the day under discussion
        ("The index fell on Friday. Dealers sold in the morning, then bought.", "1991-08-05",
         ("the morning", "TIME", "1991-08-02TMO", None)),
        ("By mid afternoon, the shelling had stopped.", "1991-08-05", ("mid afternoon", "TIME", "1991-08-05TAF", None)),
        ("They will live without power for a while.", "1991-08-05", ("a while", "DURATION", "PXX", None)),
        ("He would not travel at this crucial moment.", "1991-08-05",
         ("this crucial moment", "DATE", "PRESENT_REF", None)),
        # "the latest quarter/period/fiscal year": the last one completed before publication
        ("Margins widened in the latest quarter.", "1991-08-02", ("the latest quarter", "DATE", "1991-Q2", None)),
        ("Costs rose 4% in the latest period.", "1991-02-11", ("the latest period", "DATE", "1990-Q4", None)),
        ("It sold 9,000 boats in the latest fiscal year.", "1991-08-02",
         ("the latest fiscal year", "DATE", "1990", None)),
        # "the quarter/month/week ended <date>": the period ending that day (a quarter: the calendar quarter
        # it mostly covers)
        ("In the quarter ended May 31, the chain lost money.", "1991-08-02", ("the quarter", "DATE", "1991-Q2", None)),
        ("In the quarter ending Jan. 31, 1992, it expects a gain.", "1991-08-02",
         ("the quarter", "DATE", "1991-Q4", None)),
        ("Orders rose in the month ended June 30.", "1991-08-02", ("the month", "DATE", "1991-06", None)),
        ("Claims fell in the week ended July 26.", "1991-08-02", ("the week", "DATE", "1991-W30", None)),
        # frequency adverbs: the recurring calendar unit; a weekday coordinated with a set is a set
        ("The fund pays out annually.", "1991-08-02", ("annually", "SET", "XXXX", None)),
        ("Buses run weekly, or so they say.", "1991-08-02", ("weekly", "SET", "XXXX-WXX", None)),
        ("The club meets on Wednesday and Friday evenings.", "1991-08-02",
         ("Wednesday", "SET", "XXXX-WXX-3TEV", None)),
        ("The shop is closed Sundays and Mondays.", "1991-08-02", ("Sundays", "SET", "XXXX-WXX-7", None)),
        ("They met Wednesday and Friday.", "1991-08-02", ("Wednesday", "DATE", "1991-07-31", None)),
        # "to Paris" is no infinitive: "will fly" decides, the next Friday
        ("The minister will fly to Paris on Friday.", "1991-08-06", ("Friday", "DATE", "1991-08-09", None)),
        # after a superlative, "in N units" is the span covered, not a date N units ahead
        ("It was the first strike in 20 years.", "1991-08-02", ("20 years", "DURATION", "P20Y", None)),
        ("Wheat hit its lowest price in nine months.", "1991-08-02", ("nine months", "DURATION", "P9M", None)),
        ("The vote will be held in ten days.", "1991-08-02", ("in ten days", "DATE", "1991-08-12", None)),
    ],
)
def test_find_timexes_with_mod(text: str, published: str, expected: tuple[str, str, str, str | None]) -> None:
    found = [(t.text, t.type, t.value, t.mod) for t in find_timexes(text, published)]
    assert expected in found


def test_offsets_point_into_text() -> None:
    text = "On Saturday, and again on Jan. 23, 2019, things happened."
    for t in find_timexes(text, PUB):
        assert text[t.start : t.end] == t.text


@pytest.mark.parametrize(
    "text",
    ["He shares 1990 shares.", "The May meeting may be held.", "Nothing here.",
     "The sale could still fall through.", "Iraq imports about three-quarters of its food.",
     "A second group of directors resigned.", "Magna cut its quarterly dividend.",
     "They could leave as soon as the threats end.", "He scored in the 80s on tests.",
     "Prices rose in the morning session."],
)
def test_no_false_timexes(text: str) -> None:
    found = find_timexes(text, PUB)
    values = [t.value for t in found]
    assert "1990" not in values
    assert sum(v.endswith("-05") for v in values) <= 1
    assert not any(t.text.lower() in ("fall", "three-quarters", "a second", "quarterly", "soon", "the 80s", "80s",
                                      "the morning") for t in found)


@pytest.mark.parametrize(
    ("value", "precision"),
    [("2019-01-26", "day"), ("2019-W04", "week"), ("2019-01", "month"), ("2019-Q1", "quarter"),
     ("2019", "year"), ("XXXX-WXX-6", "unknown"), ("2019-SU", "season")],
)
def test_value_precision(value: str, precision: str) -> None:
    assert value_precision(value) == precision


@pytest.mark.parametrize(("text", "n"), [("eight", 8), ("twenty-four", 24), ("a", 1), ("30", 30), ("few", None)])
def test_parse_number(text: str, n: float | None) -> None:
    assert parse_number(text) == n


def test_duration_value() -> None:
    assert duration_value(3, "hours") == "PT3H"
    assert duration_value(2, "quarters") == "P6M"
    assert duration_value(None, "years") == "PXY"
    assert duration_value(2.5, "years") == "P2Y6M"
    assert duration_value(1.5, "days") == "P1DT12H"
    assert duration_value(0.5, "hours") == "PT30M"


# --- issue 15, item 4: direction and granularity ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # a month-day without a year in a past-tense clause is not after publication: last year's
        ("The vote was held on March 3.", "1998-02-14", ("March 3", "DATE", "1997-03-03")),
        ("He was arrested on Sept. 12 in Rome.", "1998-02-14", ("Sept. 12", "DATE", "1997-09-12")),
        ("The man, 45, died on Nov. 3 after a long illness.", "1998-02-14", ("Nov. 3", "DATE", "1997-11-03")),
        # ... unless a deadline or schedule word lets the date come after publication
        ("The offer was extended until March 3.", "1998-02-14", ("March 3", "DATE", "1998-03-03")),
        ("Directors declared a dividend payable March 3.", "1998-02-14", ("March 3", "DATE", "1998-03-03")),
        ("The offer had been set to expire March 3.", "1998-02-14", ("March 3", "DATE", "1998-03-03")),
        ("The board said it would vote on March 3.", "1998-02-14", ("March 3", "DATE", "1998-03-03")),
        # the same for a month without a year, even the month right after publication
        ("The vote was held in March.", "1998-02-14", ("March", "DATE", "1997-03")),
        ("The deal was expected to close in March.", "1998-02-14", ("March", "DATE", "1998-03")),
        # irregular past forms are past-tense cues: the weekday is the last one, not the next
        ("The team began inspecting sites Wednesday and is to finish next week.", "1998-02-14",
         ("Wednesday", "DATE", "1998-02-11")),
        ("Troops withdrew Tuesday, but they will return.", "1998-02-14", ("Tuesday", "DATE", "1998-02-10")),
        ("The plan will cut costs, the spokesman told reporters Friday.", "1998-02-14",
         ("Friday", "DATE", "1998-02-13")),
        # "the week" without last/this/next: the week is left open, the year known (TimeBank's YYYY-WXX)
        ("For the week, the index fell 3%.", "1989-10-30", ("the week", "DATE", "1989-WXX")),
        # TE3 part of day: a weekday with a part of day is a TIME at that part of that day
        ("Rebels attacked the town Thursday night.", "1998-02-14", ("Thursday night", "TIME", "1998-02-12TNI")),
    ],
)
def test_direction_and_granularity(text: str, published: str, expected: tuple[str, str, str]) -> None:
    found = [(t.text, t.type, t.value) for t in find_timexes(text, published)]
    assert expected in found, found


@pytest.mark.parametrize(
    "text",
    ["The 45-year-old man was killed.", "A 12-year-old boy and his five-year-old sister died.",
     "He was 45 years old.", "The girl, 12 years old, was hurt.", "She is three months older than him.",
     "A two-month-old baby was found."],
)
def test_ages_are_not_durations(text: str) -> None:
    assert find_timexes(text, "1998-02-14") == []


def test_caption_dates_are_flagged() -> None:
    text = ("The colonel defected on Saturday.\n"
            "Guards clash with protesters in Caracas on June 8, 2016. (Ronaldo Schemidt/AFP/Getty Images)\n"
            "Maduro speaks in Caracas on March 12, 2015.(Federico Parra/AFP/Getty Images)\n"
            "Talks resumed on Jan. 23 (the second round).\n"
            "Sales rose 5% on Jan. 24 (year/year).")
    flags = {t.text: t.caption for t in find_timexes(text, PUB)}
    assert flags == {"Saturday": False, "June 8, 2016": True, "March 12, 2015": True, "Jan. 23": False,
                     "Jan. 24": False}


def test_caption_and_now_never_date_an_event() -> None:
    from newsweave.annotate.nlp import annotate, load_nlp
    from newsweave.events.extract import events_for_article
    from newsweave.models import AnnotatedArticle, Article

    text = ("Venezuela's army colonel defected on Saturday and recognized Guaido.\n"
            "Police arrested protesters in Caracas on June 8, 2016. (Ronaldo Schemidt/AFP/Getty Images)\n"
            "The army now threatens the protesters.")
    art = Article(id="a", text=text, input="a", published=PUB, language="en")
    ann = next(iter(annotate([art], load_nlp())))
    events = events_for_article(AnnotatedArticle(art, ann), typed_only=False)
    assert events, "the article has events"
    assert not any(e.date and e.date.startswith("2016") for e in events)
    assert not any(e.date and e.date.endswith("_REF") for e in events)
    assert any(e.date == "2019-01-26" for e in events)
