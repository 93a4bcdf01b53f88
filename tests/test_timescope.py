"""The time-scope parser: which window of dates a question's words ask about."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.timescope import age_words, month_year, time_scope

AS_OF = dt.date(2023, 12, 1)  # a Friday


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("question", "start", "end", "soft"),
    [
        ("Which company announced this week that it is laying off 16,000 employees?",
         "2023-11-23", "2023-12-01", False),
        ("Rev. Jesse Jackson died this week. Which office did he seek?",
         "2023-11-23", "2023-12-01", False),
        ("What happened this past weekend in Ohio?", "2023-11-23", "2023-12-01", False),
        ("Who won the election on Tuesday?", "2023-11-23", "2023-12-01", False),
        ("What did the Fed say yesterday?", "2023-11-28", "2023-12-01", False),
        ("Who resigned last week?", "2023-11-16", "2023-12-01", False),
        ("What did the company report last month?", "2023-11-01", "2023-12-01", False),
        ("Which film topped the box office this month?", "2023-10-31", "2023-12-01", False),
        ("What was the best-selling car this year?", "2023-01-01", "2023-12-01", False),
        ("Who won the World Series last year?", "2022-01-01", "2023-12-01", False),
        ("Which team won the title in 2019?", "2019-01-01", "2019-12-31", False),
        ("How many jobs were added since 2020?", "2020-01-01", "2023-12-01", False),
        ("What did Apple launch in March?", "2023-03-01", "2023-03-31", False),
        ("What did Apple launch in March 2021?", "2021-03-01", "2021-03-31", False),
        ("What happened in October?", "2023-10-01", "2023-10-31", False),
        ("Which deals closed in Sept.?", "2023-09-01", "2023-09-30", False),
        ("What happened in Oct. 2022?", "2022-10-01", "2022-10-31", False),
        ("Which city was hit by a storm last night?", "2023-11-28", "2023-12-01", False),
        ("Which team won Tuesday night?", "2023-11-23", "2023-12-01", False),
        ("Which company said late Wednesday it would merge?", "2023-11-23", "2023-12-01", False),
        # A season is its months, not the last three months.
        ("Which film topped the box office this summer?", "2023-06-01", "2023-08-31", False),
        ("Which city hosted the festival over the summer?", "2023-06-01", "2023-08-31", False),
        ("Which state passed the law last spring?", "2023-03-01", "2023-05-31", False),
        ("Which country saw floods this fall?", "2023-09-01", "2023-11-30", False),
        ("Who won the league this season?", "2023-08-31", "2023-12-01", False),  # 92 days
        ("Who recently became CEO of OpenAI?", "2023-10-31", "2023-12-01", True),
        ("Which is the latest country to join NATO?", "2023-10-31", "2023-12-01", True),
        ("A new study names which country as the worst for housing?",
         "2023-10-31", "2023-12-01", True),
    ],
)  # fmt: skip
def test_time_words_map_to_a_window_before_the_as_of_date(question, start, end, soft):
    scope = time_scope(question, AS_OF)
    assert scope is not None, question
    assert (scope.start, scope.end, scope.soft) == (d(start), d(end), soft)
    assert scope.phrase.lower() in question.lower()


@pytest.mark.parametrize(
    "question",
    [
        "Who founded MiniMax?",
        "Which New York team signed the pitcher?",  # "New" is a name here, not "new"
        "Billie Eilish accused which publication of outing her?",
        "What may happen to interest rates?",  # "may" the verb, not the month
        "What is the 2024 election about?",  # a year not introduced as a period
        "What caused the last fall in bitcoin prices?",  # a fall, not the season
    ],
)
def test_questions_without_time_words_have_no_scope(question):
    assert time_scope(question, AS_OF) is None


def test_the_narrowest_named_period_wins_over_soft_words():
    scope = time_scope("Which company recently announced this week that it will merge?", AS_OF)
    assert scope is not None and not scope.soft and scope.phrase == "this week"


def test_a_month_later_in_the_year_than_the_as_of_date_means_last_year():
    scope = time_scope("What did the council decide in November?", dt.date(2023, 3, 5))
    assert scope is not None and (scope.start, scope.end) == (d("2022-11-01"), d("2022-11-30"))


def test_a_window_never_ends_after_the_as_of_date():
    scope = time_scope("What happened in 2023?", dt.date(2023, 6, 30))
    assert scope is not None and scope.end == dt.date(2023, 6, 30)


def test_window_membership_and_days_before():
    scope = time_scope("What happened this week?", AS_OF)
    assert scope is not None
    assert scope.contains(d("2023-11-28")) and not scope.contains(d("2023-11-01"))
    assert scope.days_before(d("2023-11-13")) == 10 and scope.days_before(d("2023-11-30")) == 0


@pytest.mark.parametrize(
    ("published", "words"),
    [
        ("2023-12-01", "the same day"),
        ("2023-11-28", "3 days before"),
        ("2023-11-30", "1 day before"),
        ("2023-11-03", "4 weeks before"),
        ("2023-06-01", "6 months before"),
        ("2014-05-23", "9 years before"),
        ("2023-12-03", "2 days after"),
    ],
)
def test_age_words(published, words):
    assert age_words(d(published), AS_OF) == words


def test_month_year():
    assert month_year(d("2014-05-23")) == "May 2014"


def test_dated_label():
    from rag.timescope import dated_label

    assert dated_label("2014-05-23", AS_OF) == "2014-05-23, 9 years before"
    assert dated_label("2023-11-28T10:00", "2023-12-01", " the question") == (
        "2023-11-28, 3 days before the question"
    )
    assert dated_label(None, AS_OF) == "date unknown"
    assert dated_label("last spring", AS_OF) == "last spring"


@pytest.mark.parametrize(
    ("question", "as_of", "start", "end"),
    [
        # Not begun yet: the season to come, of which only recent news can tell.
        ("Which band will headline this summer?", "2024-03-10", "2023-12-09", "2024-03-10"),
        ("How cold will it be this winter?", "2023-11-20", "2023-08-20", "2023-11-20"),
        # Begun: up to the as-of date; a winter begun last year is this winter.
        ("Which team leads this summer?", "2023-07-15", "2023-06-01", "2023-07-15"),
        ("Which city had the most snow this winter?", "2024-01-20", "2023-12-01", "2024-01-20"),
        # "Last": the last one ended; during a summer, the summer before.
        ("Which film won last summer?", "2023-07-15", "2022-06-01", "2022-08-31"),
        ("Which resort was busiest last winter?", "2024-03-10", "2023-12-01", "2024-02-29"),
    ],
)  # fmt: skip
def test_a_season_is_its_last_occurrence_as_of_the_date(question, as_of, start, end):
    scope = time_scope(question, d(as_of))
    assert scope is not None and not scope.soft, question
    assert (scope.start, scope.end) == (d(start), d(end))
