"""Every eval metric against values computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

from typing import Any

import pytest

from eval.metrics import (
    CATEGORIES,
    Mean,
    Rate,
    aggregate,
    answer_correct,
    answer_names_gold,
    citation_counts,
    cited_numbers,
    cited_sentence_counts,
    first_hit,
    first_url_hit,
    gold_in_citations,
    normalise,
    percentile,
    reciprocal_rank,
    score,
    wilson,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S.-China  talks!", "us china talks"),  # "." deleted, "-" and "!" become spaces
        ("Alibaba’s cloud", "alibaba cloud"),  # possessive dropped
        ("$1,000 a year", "1000 year"),  # symbol and comma gone, article dropped
        ("“An apple”, Then THE end.", "apple then end"),
        ("Shanghai-based", "shanghai based"),
        ("   ", ""),
    ],
)
def test_normalise(text: str, expected: str):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("answer", "golds", "choices", "expected"),
    [
        ("Alibaba is leading the round [1].", ["Alibaba"], ["Tencent"], True),
        ("Either Alibaba or Tencent [1].", ["Alibaba"], ["Tencent", "Baidu"], False),  # hedge
        ("It raised $500 million.", ["5"], [], False),  # whole words: "5" is not in "500"
        ("She stepped down after 5 years.", ["5"], ["14", "11", "8", "5"], True),  # gold in choices
        ("See source [5].", ["5"], [], False),  # a citation marker is not an answer
        ("It was New York City.", ["New York City"], ["New York"], True),  # choice inside gold
        ("It was New York.", ["York"], ["New York"], False),  # gold inside a choice
        ("Alibaba’s cloud unit [2].", ["Alibaba"], [], True),
        ("MiniMax is Shanghai-based.", ["Shanghai"], ["Beijing"], True),
        ("Bedbugs.", ["bedbugs"], [], True),
        ("", ["x"], [], False),
        ("Anything at all.", [], [], False),  # no gold: never correct
        ("The answer is the.", ["The"], [], False),  # a gold that normalises to nothing
    ],
)
def test_answer_correct(answer: str, golds: list[str], choices: list[str], expected: bool):
    assert answer_correct(answer, golds, choices) is expected


_NOMINEE = [
    "Former President Donald Trump",
    "Former South Carolina Gov. Nikki Haley",
    "Florida Gov. Ron DeSantis",
    "Entrepreneur Vivek Ramaswamy",
]
_SEAT = ["Stockton North", "Birmingham Hodge Hill", "Blackpool South", "Bishop Auckland"]


@pytest.mark.parametrize(
    ("answer", "gold", "choices", "question", "expected"),
    [
        # a tail of the gold that no other choice holds names it
        (
            "Trump appears to be the likeliest nominee [2].",
            "Former President Donald Trump",
            _NOMINEE,
            "Who is the likeliest Republican nominee?",
            True,
        ),
        (
            "The Athletics [2].",
            "Oakland Athletics",
            ["Los Angeles Dodgers", "Minnesota Twins", "Oakland Athletics"],
            "",
            True,
        ),
        ("Twitter got a deadline [1].", "X (formerly Twitter)", ["Instagram", "TikTok"], "", True),
        (
            "Rep. Steve Scalise was picked [2].",
            "Majority Leader Steve Scalise",
            ["Rep. Jim Jordan", "Majority Whip Tom Emmer"],
            "",
            True,
        ),
        # a plural, and the "No." of a number
        ("A portal to report UFO sightings [1].", "UFOs", ["Retail theft", "UFOs"], "", True),
        ("Red Dye 3 [2].", "Red dye No. 3", ["Enriched wheat", "Sodium nitrate"], "", True),
        # a tail another choice shares, or one without a capitalised word, names nothing
        ("Florida Gov. Ron DeSantis leads.", "Former President Donald Trump", _NOMINEE, "", False),
        ("Former leaders lead.", "Former President Donald Trump", _NOMINEE, "", False),
        ("It removed the drops [1].", "Eye drops", ["Toothpaste", "Eye drops"], "", False),
        ("Aged 65 and older.", "6 months and older", ["65 years and older"], "", False),
        # the tail must keep the gold's numbers
        ("The dye was banned.", "Red dye No. 3", ["Enriched wheat"], "", False),
        # a word that goes on as a longer name is not the gold
        ("It was North West England [1].", "Stockton North", _SEAT, "", False),
        # a tail the question holds is the question's, not the answer's
        (
            "Donald Trump said so.",
            "Former President Donald Trump",
            _NOMINEE,
            "What did Donald Trump say?",
            False,
        ),
        # a hedge stays wrong; a gold of two things needs both
        ("Trump or Haley [1].", "Former President Donald Trump", _NOMINEE, "", False),
        (
            "The Eagles [1].",
            "Chiefs and Eagles",
            ["Bengals and 49ers", "Chiefs and Eagles"],
            "",
            False,
        ),
        # without other choices only the strict grading holds
        ("Trump [1].", "Former President Donald Trump", [], "", False),
        # every strictly correct answer stays correct
        ("Former President Donald Trump [1].", "Former President Donald Trump", _NOMINEE, "", True),
    ],
)
def test_answer_names_gold(
    answer: str, gold: str, choices: list[str], question: str, expected: bool
):
    assert answer_names_gold(answer, [gold], choices, question) is expected


def test_first_hit_and_reciprocal_rank():
    texts = ["nothing here", "the Alibaba-led deal", "Alibaba"]
    assert first_hit(texts, ["Alibaba"]) == 2
    assert first_hit(texts, ["Tencent"]) is None
    assert first_hit([], ["Alibaba"]) is None
    assert [reciprocal_rank(r) for r in (1, 2, None, 4)] == [1.0, 0.5, 0.0, 0.25]
    urls = [None, "https://a.example/x", "https://b.example/y/"]
    assert first_url_hit(urls, ["https://b.example/y"]) == 3  # trailing slash ignored
    assert first_url_hit(urls, ["https://c.example/"]) is None


def test_wilson_interval():
    # 0/10: centre = (0 + 1.96²/20) / (1 + 1.96²/10) = 0.13877, half-width the same.
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    # 53/250: p = 0.212, centre = (0.212 + 0.0076830) / 1.015366 = 0.216359,
    # half = 1.96 * sqrt(0.212 * 0.788 / 250 + 3.8415 / 250000) / 1.015366 = 0.050470.
    assert wilson(53, 250) == pytest.approx((0.16589, 0.26683), abs=1e-4)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 1.0)


def test_rate_and_mean():
    r = Rate(53, 250)
    assert r.value == pytest.approx(0.212)
    assert str(r) == "53/250 = 0.212 [0.166, 0.267]"
    assert r.to_dict()["k"] == 53 and r.to_dict()["n"] == 250
    assert Rate(0, 0).value is None and str(Rate(0, 0)) == "0/0"
    # mean of 1, .5, 0, .25 = 0.4375; sample variance = 0.546875 / 3 = 0.182292;
    # half-width = 1.96 * sqrt(0.182292 / 4) = 0.418411.
    m = Mean.of([1.0, 0.5, 0.0, 0.25])
    assert m.value == pytest.approx(0.4375)
    assert m.interval == pytest.approx((0.0191, 0.8559), abs=1e-4)


def test_percentile_interpolates_linearly():
    assert percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    # p95 of 1..4: position 3 * 0.95 = 2.85, so 3 + 0.85 * (4 - 3).
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) is None


def test_cited_numbers_expands_lists_and_ranges():
    assert cited_numbers("A [1][3]. B [2, 4-6]. C [7 and 8]. D [9; 1].") == [
        1, 3, 2, 4, 5, 6, 7, 8, 9, 1,
    ]  # fmt: skip


PASSAGE = {"chunk_id": "a:0", "title": "Title A", "text": "Alpha beta. Gamma delta.", "start": 100}
OTHER = {"chunk_id": "b:0", "title": "Title B", "text": "Alibaba leads the round.", "start": 0}


def _citation(number: int, chunk_id: str, quote: str, start: int) -> dict[str, Any]:
    return {
        "number": number,
        "chunk_id": chunk_id,
        "quote": quote,
        "quote_start": start,
        "quote_end": start + len(quote),
    }


def test_citation_counts():
    # "Gamma delta." is at offset 12 of the passage, which starts at 100 in its article.
    good = _citation(1, "a:0", "Gamma delta.", 112)
    passages = [PASSAGE, OTHER]
    assert citation_counts("Gamma delta [1].", [good], passages) == (1, 1)
    # [2] marked in the text but with no citation record: counted, not real.
    assert citation_counts("Gamma delta [1]. More [2].", [good], passages) == (1, 2)
    # wrong chunk, wrong offsets, a number beyond the sources: none are real.
    wrong_chunk = _citation(1, "zz:0", "Gamma delta.", 112)
    wrong_offsets = _citation(1, "a:0", "Gamma delta.", 100)
    beyond = _citation(3, "a:0", "Gamma delta.", 112)
    assert citation_counts("X [1].", [wrong_chunk], passages) == (0, 1)
    assert citation_counts("X [1].", [wrong_offsets], passages) == (0, 1)
    assert citation_counts("X [3].", [beyond], passages) == (0, 1)
    assert citation_counts("No markers.", [], passages) == (0, 0)


def test_gold_in_citations():
    cites = [_citation(2, "b:0", "Alibaba leads the round.", 0)]
    assert gold_in_citations(cites, [PASSAGE, OTHER], ["Alibaba"]) is True
    assert gold_in_citations(cites, [PASSAGE, OTHER], ["Tencent"]) is False
    assert gold_in_citations([_citation(1, "a:0", "x", 0)], [PASSAGE, OTHER], ["Alibaba"]) is False
    assert gold_in_citations(cites, [PASSAGE], ["Alibaba"]) is False  # [2] points nowhere


def test_cited_sentence_counts():
    text = "Alibaba leads it [1]. It seeks $600 million [2]. Nothing is cited here."
    # two sentences carry a marker; the checker flagged the second (stored without markers)
    assert cited_sentence_counts(text, ["It seeks $600 million."]) == (1, 2)
    assert cited_sentence_counts(text, []) == (0, 2)
    assert cited_sentence_counts("No citation at all.", ["No citation at all."]) == (0, 0)


def _gold(answers: list[str], answerable: bool | None = None, **more: Any) -> dict[str, Any]:
    return {
        "answers": answers,
        "choices": more.get("choices", []),
        "gold_urls": more.get("gold_urls", []),
        "answerable": bool(answers) if answerable is None else answerable,
    }


def _record(
    text: str = "",
    refused: bool = False,
    passages: list[dict[str, Any]] | None = None,
    retrieved: list[dict[str, Any]] | None = None,
    citations: list[dict[str, Any]] | None = None,
    first_token: float | None = None,
    total: float = 1.0,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "answer": None if error else {"text": text, "refused": refused, "unsupported": []},
        "passages": passages or [],
        "retrieved": retrieved or [],
        "citations": citations or [],
        "timings": None if error else {"first_token": first_token, "total": total},
        "error": error,
    }


def _doc(text: str, url: str | None = None) -> dict[str, Any]:
    return {"chunk_id": text[:8], "title": "", "text": text, "start": 0, "url": url}


def test_score_and_aggregate_by_hand():
    filler = _doc("Nothing relevant is said here.")
    gold_doc = _doc("Alibaba leads the round.", url="https://x.example/a")
    scored = [
        # q1: answerable, correct, gold at rank 1, one real citation
        score(
            _gold(["Alibaba"], gold_urls=["https://x.example/a"]),
            _record(
                "Alibaba leads it [1].",
                passages=[gold_doc],
                retrieved=[gold_doc, filler],
                citations=[_citation(1, gold_doc["chunk_id"], "Alibaba leads the round.", 0)],
                first_token=0.4,
                total=1.0,
            ),
        ),
        # q2: answerable, refused after the model saw the gold: a wrong refusal; gold rank 3
        score(
            _gold(["Alibaba"]),
            _record(
                "The articles don't say.",
                refused=True,
                passages=[filler, gold_doc],
                retrieved=[filler, filler, gold_doc],
                first_token=0.6,
                total=2.0,
            ),
        ),
        # q3: unanswerable, refused without calling the model
        score(_gold([]), _record("The articles don't say.", refused=True, total=0.5)),
        # q4: answerable, failed
        score(_gold(["Alibaba"]), _record(error="LLMError: boom")),
        # q5: not in the corpus (gold known), answered anyway
        score(
            _gold(["Tencent"], answerable=False),
            _record("Baidu, probably.", passages=[filler], first_token=0.8, total=4.0),
        ),
    ]
    assert [s["category"] for s in scored] == [
        "correct", "wrong_refusal", "correct_refusal", "error", "answered_unanswerable",
    ]  # fmt: skip
    assert scored[0]["gold_rank"] == 1 and scored[1]["gold_rank"] == 3
    assert scored[0]["url_rank"] == 1 and scored[0]["gold_cited"] is True
    assert scored[4]["gold_cited"] is None  # only answerable questions are judged on it

    agg = aggregate(scored)
    m = agg["metrics"]
    assert (m["accuracy"].k, m["accuracy"].n) == (1, 4)  # q1 of q1,q2,q4,q5 (the error counts)
    assert (m["accuracy_answerable"].k, m["accuracy_answerable"].n) == (1, 3)  # q1,q2,q4
    assert (m["refused_unanswerable"].k, m["refused_unanswerable"].n) == (1, 2)  # q3 of q3,q5
    assert (m["refused_answerable"].k, m["refused_answerable"].n) == (1, 2)  # q2 of q1,q2
    assert (m["retrieval@1"].k, m["retrieval@1"].n) == (1, 2)
    assert (m["retrieval@5"].k, m["retrieval@5"].n) == (2, 2)
    assert m["mrr"].value == pytest.approx((1 + 1 / 3) / 2)
    assert (m["gold_url@10"].k, m["gold_url@10"].n) == (1, 1)
    assert (m["citations_gold"].k, m["citations_gold"].n) == (1, 1)  # q1: the only one answered
    assert (m["citations_real"].k, m["citations_real"].n) == (1, 1)
    assert (m["cited_unsupported"].k, m["cited_unsupported"].n) == (0, 1)
    assert (m["errors"].k, m["errors"].n) == (1, 5)
    # totals 1, 2, 0.5, 4 -> median 1.5; p95 at position 2.85 of [0.5, 1, 2, 4] = 2 + 0.85 * 2.
    assert agg["latency"]["total"] == {"n": 4, "median": 1.5, "p95": pytest.approx(3.7)}
    # first tokens 0.4, 0.6, 0.8 (q3 never called the model) -> p95 = 0.6 + 0.9 * 0.2.
    assert agg["latency"]["first_token"] == {"n": 3, "median": 0.6, "p95": pytest.approx(0.78)}
    assert sum(agg["categories"].values()) == 5 and set(agg["categories"]) == set(CATEGORIES)


def test_retrieval_miss_and_not_shown():
    filler = _doc("Nothing relevant is said here.")
    gold_doc = _doc("Alibaba leads the round.")
    miss = score(_gold(["Alibaba"]), _record("Tencent.", passages=[filler], retrieved=[filler]))
    not_shown = score(
        _gold(["Alibaba"]), _record("Tencent.", passages=[filler], retrieved=[filler, gold_doc])
    )
    assert miss["category"] == "retrieval_miss" and miss["gold_rank"] is None
    assert not_shown["category"] == "not_shown" and not_shown["gold_rank"] == 2


def test_a_passage_shown_but_not_read_alone_is_not_shown():
    """When the model read each source alone, a passage beyond those it read was not shown."""
    filler = _doc("Nothing relevant is said here.")
    gold_doc = _doc("Alibaba leads the round.")
    record = _record("Tencent.", passages=[filler, filler, gold_doc], retrieved=[filler, gold_doc])
    assert score(_gold(["Alibaba"]), record)["gold_shown"] is True  # all read together
    record["answer"]["evidence"] = {"reads": [{"number": 1}, {"number": 2}]}
    unread = score(_gold(["Alibaba"]), record)
    assert unread["gold_shown"] is False and unread["category"] == "not_shown"
    record["answer"]["evidence"] = {"reads": [{"number": 1}, {"number": 3}]}
    assert score(_gold(["Alibaba"]), record)["gold_shown"] is True
