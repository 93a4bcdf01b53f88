"""The refusal rule: evidence measured on an answer, and the threshold that decides."""

from __future__ import annotations

import datetime as dt

from rag.answering import predates_window
from rag.citations import check
from rag.config import Settings
from rag.refusal import (
    DEFAULT_THRESHOLD,
    STALE_FACTOR,
    answer_type_ok,
    best_read,
    confidence,
    content_words,
    corroboration,
    cross_check,
    decide_refusal,
    features,
    gather_evidence,
    sentence_checks,
    support,
    token_confidence,
)
from rag.timescope import TimeScope
from rag.types import Passage


def passage(text: str, title: str = "Storm closes coastal highway") -> Passage:
    return Passage(
        chunk_id="a:0", article_id="a", text=text, score=1.0, title=title, url=None,
        source="coast.example", published="2023-01-09", similarity=0.6,
    )  # fmt: skip


ROAD = passage(
    "Heavy rain washed out part of Route 9 on Monday. The state transport department said "
    "repairs would take about three weeks and cost $4.2 million."
)


def evidence(
    question: str,
    raw: str,
    p: Passage = ROAD,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
) -> dict:
    return gather_evidence(question, raw, check(raw, [p]), [p], [p.text], as_of=as_of, since=since)


def test_a_grounded_on_topic_answer_has_high_support():
    e = evidence("How much will the Route 9 repairs cost?", "They will cost $4.2 million [1].")
    assert not e["model_refused"] and e["type_ok"]
    assert e["topic"] >= 0.6 and e["grounded"] == 1.0
    assert e["support"] >= 0.7 and not decide_refusal(e, DEFAULT_THRESHOLD)


def test_the_default_threshold_is_the_settings_default():
    assert Settings.__dataclass_fields__["refusal_threshold"].default == DEFAULT_THRESHOLD


def test_gather_evidence_measures_the_cited_sources_age_and_the_answers_length():
    raw = "They will cost $4.2 million [1]."
    q = "How much will the Route 9 repairs cost?"
    e = evidence(q, raw, as_of=dt.date(2023, 1, 16))
    assert e["age_days"] == 7 and e["cited_similarity"] == 0.6 and e["answer_chars"] == len(raw)
    assert evidence(q, raw)["age_days"] is None  # no question date, no age
    undated = Passage(**{**ROAD.__dict__, "published": None})
    assert evidence(q, raw, undated, dt.date(2023, 1, 16))["age_days"] is None
    # The same answer from a source eight years older is less likely right.
    old = evidence(q, raw, as_of=dt.date(2031, 1, 16))
    assert old["age_days"] > 2900 and old["confidence"] < e["confidence"]


def test_an_answer_told_in_a_sentence_of_a_year_before_the_period_asked_about_is_that_old():
    almanac = Passage(
        **{
            **ROAD.__dict__,
            "title": "This Date in Baseball",
            "published": "2023-10-26",
            "text": "1996 - After two losses at home, the New York Yankees won their first World "
            "Series title since 1978. The Texas Rangers won the World Series on Wednesday. "
            "In 2023 the Arizona Diamondbacks won the pennant. Tickets cost $1999.",
        }
    )
    q, as_of = "Which team won the World Series this week?", dt.date(2023, 11, 2)
    week = dt.date(2023, 10, 26)  # "this week": the period the question names starts here
    fresh = evidence(q, "The Texas Rangers [1].", almanac, as_of, week)
    old = evidence(q, "The New York Yankees [1].", almanac, as_of, week)
    assert fresh["age_days"] == 7  # the source's own age: its sentence names no year
    assert old["age_days"] == (as_of - dt.date(1996, 12, 31)).days  # the year its sentence names
    assert old["confidence"] < fresh["confidence"]
    # a year of the period's own, or a price, dates nothing
    assert evidence(q, "The Arizona Diamondbacks [1].", almanac, as_of, week)["age_days"] == 7
    assert evidence("What do tickets cost?", "$1999 [1].", almanac, as_of, week)["age_days"] == 7
    # without a named period the year is the story's, not the answer's age ("Which company
    # bought Wicked Weed?" answered by "Anheuser-Busch acquired Wicked Weed in 2017")
    assert evidence(q, "The New York Yankees [1].", almanac, as_of)["age_days"] == 7


def _base(**changes: object) -> dict:
    e = {"model_refused": False, "unsupported": False, "topic": 0.6, "grounded": 1.0,
         "type_ok": True, "top_similarity": 0.6, "stale": False, "age_days": 3,
         "cited_similarity": 0.6, "answer_chars": 40, "sure": 0.8, "weakest": 0.6,
         "sent_support": 0.5, "one_sentence": 1.0}  # fmt: skip
    return {**e, **changes}


def test_confidence_weighs_topic_sureness_age_and_length():
    base = confidence(_base())
    base_old = confidence(_base(age_days=4000))
    assert 0.0 < base < 1.0
    assert confidence(_base(topic=0.2)) < base  # the best source shares fewer question words
    assert confidence(_base(weakest=0.1, sure=0.3)) < base  # the model hesitated
    assert confidence(_base(age_days=4000)) < base  # a source years older than the question
    assert confidence(_base(stale=True)) < base  # older than the question's window
    assert confidence(_base(answer_chars=250)) < base  # a long answer restating the question
    # A name asked for and none given halves it; a number or a date asked for and none given
    # is refused whatever the threshold.
    assert confidence(_base(type_ok=False, kind="name")) == round(base * 0.5, 4)
    assert not decide_refusal(_base(type_ok=False, kind="name"), 0.0)
    assert decide_refusal(_base(type_ok=False, kind="number"), 0.0)
    assert decide_refusal(_base(type_ok=False, kind="date"), 0.0)
    assert not decide_refusal(_base(kind="number"), 0.0)
    # Undated: the dev set's mean age, neither fresh nor stale.
    assert confidence(_base(age_days=None)) == confidence(_base(age_days=80))
    assert confidence(_base(age_days=3)) > confidence(_base(age_days=None)) > base_old
    # Without token probabilities the other model weighs the rest the same way.
    plain = {k: v for k, v in _base().items() if k not in ("sure", "weakest")}
    assert 0.0 < confidence(plain) < 1.0
    assert confidence({**plain, "age_days": 4000}) < confidence(plain)
    # The model saying no, or every claim missing from its sources, is no chance at all.
    assert confidence(_base(model_refused=True)) == 0.0
    assert confidence(_base(unsupported=True)) == 0.0


def test_an_answer_read_alone_is_likelier_right_when_one_sentence_backs_it():
    alone = _base(alone=True, agree=0.0)
    # The sentence holding the answer shares more of the question's words.
    assert confidence({**alone, "sent_support": 0.8}) > confidence(alone)
    # The answer's words come from several sentences, not one.
    assert confidence({**alone, "one_sentence": 0.5}) < confidence(alone)
    plain = {k: v for k, v in alone.items() if k not in ("sure", "weakest")}
    assert confidence({**plain, "sent_support": 0.8}) > confidence(plain)
    # The streamed path (all sources in one prompt) keeps its weights without them.
    together = _base()
    assert confidence({**together, "sent_support": 0.0}) == confidence(together)


def test_the_threshold_decides_on_confidence():
    fresh = _base()
    weak = _base(topic=0.2, weakest=0.1, sure=0.2, age_days=3000, answer_chars=200)
    assert confidence(weak) < DEFAULT_THRESHOLD < confidence(fresh)
    assert decide_refusal(weak, DEFAULT_THRESHOLD) and not decide_refusal(fresh, DEFAULT_THRESHOLD)
    assert not decide_refusal(weak, 0.0)  # threshold 0 keeps every answer the sources back


def test_an_answer_with_words_no_source_has_is_a_guess():
    e = evidence("Which company will repair Route 9?", "Acme Construction will repair it [1].")
    assert e["grounded"] == 0.0
    assert e["support"] < evidence("How long will Route 9 repairs take?",
                                   "About three weeks [1].")["support"]  # fmt: skip


def test_an_answer_from_a_source_about_something_else_has_low_support():
    off = evidence("Who won the Nobel Prize in literature?", "Heavy rain [1].")
    on = evidence("How much will the Route 9 repairs cost?", "They will cost $4.2 million [1].")
    assert off["topic"] == 0.0 and off["support"] < on["support"]
    assert off["confidence"] < on["confidence"]


def test_the_model_saying_no_is_always_a_refusal_whatever_the_threshold():
    e = evidence("How much will repairs cost?", "The sources do not say.")
    assert e["model_refused"] and e["support"] == 0.0
    assert decide_refusal(e, 0.0)


def test_threshold_zero_keeps_every_answer_the_sources_back():
    e = evidence("Who will repair Route 9?", "the state transport department [1].")
    assert not e["unsupported"] and not e["model_refused"]
    assert not decide_refusal(e, 0.0)
    # A made-up name is refused whatever the threshold: the citation check finds it nowhere.
    made_up = evidence("Who will repair Route 9?", "Acme Construction will repair it [1].")
    assert made_up["unsupported"] and decide_refusal(made_up, 0.0)


def test_answer_types():
    assert answer_type_ok("How many people died?", "At least 23 people died [1].")
    assert not answer_type_ok("How many people died?", "Many people died [1].")
    assert answer_type_ok("Which country did Biden visit?", "Biden visited Israel [1].")
    assert answer_type_ok("Which country did Biden visit?", "Israel [1].")
    assert not answer_type_ok("Which country did Biden visit?", "a country in the region [1].")
    assert answer_type_ok("When did it open?", "It opened in May 2019 [1].")
    assert not answer_type_ok("When did it open?", "It opened after the vote [1].")
    # A sum or a share is no date; a day of the month is.
    assert not answer_type_ok(
        "When did Larch buy Pebble?", "Larch bought Pebble for $4 billion [1]."
    )
    assert not answer_type_ok("What year did it open?", "Sales rose 40% [1].")
    assert answer_type_ok("When does it end?", "It ends Nov. 5 at 2 a.m. [1].")
    assert answer_type_ok("Why did she resign?", "because she moved [1].")  # no type to check


def test_an_answer_of_the_wrong_kind_is_asked_again_with_what_the_question_wants():
    from rag.refusal import retry_hint

    title = "Alibaba reportedly to lead MiniMax's latest funding round [1]."
    assert "number" in (retry_hint("How much did Moonshot AI raise?", title) or "")
    assert "date" in (retry_hint("When was MiniMax founded?", "MiniMax was founded [1].") or "")
    assert "name" in (retry_hint("Which company leads it?", "a large one does [1].") or "")
    # An answer of the right kind, a question of no known kind, a refusal: not asked again.
    assert retry_hint("How much did Moonshot AI raise?", "Over $1 billion [1].") is None
    assert retry_hint("Why did Alibaba invest?", title) is None
    assert retry_hint("How much did Moonshot AI raise?", "The sources do not say.") is None
    # A stake asked for is its size: "owns a stake" without one is asked again.
    owns = "Ann Lee owns a stake in Quintel [1]."
    assert "number" in (retry_hint("What stake does Ann Lee own in Quintel?", owns) or "")
    assert retry_hint("What stake does Ann Lee own in Quintel?", "A 50% stake [1].") is None


def test_a_wrong_type_halves_support():
    good = {"model_refused": False, "unsupported": False, "topic": 0.8, "grounded": 1.0,
            "type_ok": True}  # fmt: skip
    assert support(good) == 0.9
    assert support({**good, "type_ok": False}) == 0.45
    assert support({**good, "unsupported": True}) == 0.0


def test_an_answer_only_from_sources_before_the_window_needs_more_support():
    good = {"model_refused": False, "unsupported": False, "topic": 0.6, "grounded": 1.0,
            "type_ok": True}  # fmt: skip
    assert support(good) == 0.8
    assert support({**good, "stale": True}) == round(0.8 * STALE_FACTOR, 3)
    assert confidence(_base(stale=True)) < confidence(_base())


def test_predates_window_needs_every_cited_source_dated_and_before_it():
    week = TimeScope("this week", dt.date(2023, 10, 18), dt.date(2023, 10, 26))
    assert predates_window(["2014-05-23", "2022-11-01"], week) == dt.date(2022, 11, 1)
    assert predates_window(["2014-05-23", "2023-10-20"], week) is None  # one is from the week
    assert predates_window(["2014-05-23", None], week) is None  # an undated one may be
    assert predates_window(["2014-05-23"], None) is None  # no window, nothing is stale
    assert predates_window([], week) is None


def test_content_words_drop_stop_words():
    assert content_words("Which company announced this week a deal?") == {"company", "deal"}


def test_token_confidence_reads_the_answers_new_words_not_its_markers():
    tokens = [("Rep", 0.9), ("airs", 0.99), (" take", 0.8), (" about", 0.7), (" three", 0.4),
              (" weeks", 0.9), (" [", 0.05), ("1", 0.01), ("]", 0.02), (".", 0.95)]  # fmt: skip
    new = content_words("about three weeks") - content_words("How long do repairs take?")
    c = token_confidence(tokens, new)
    assert new == {"three", "weeks"}
    assert c["weakest"] == 0.4  # " three"; the marker's tokens do not count
    assert c["sure"] == round((0.4 * 0.9) ** 0.5, 3)


def test_token_confidence_without_new_words_reads_every_word():
    c = token_confidence([("Route", 0.5), (" 9", 0.5)], set())
    assert c["sure"] == 0.5 and c["weakest"] == 0.5


def test_no_token_probabilities_is_no_evidence_either_way():
    assert token_confidence(None, {"x"}) == {"sure": None, "weakest": None}
    e = evidence("How much will the Route 9 repairs cost?", "They will cost $4.2 million [1].")
    assert e["sure"] is None
    assert support(e) == support({k: v for k, v in e.items() if k not in ("sure", "weakest")})


def test_gather_evidence_takes_the_models_probabilities():
    raw = "They will cost $4.2 million [1]."
    sure = [("They", 0.9), (" will", 0.9), (" cost", 0.9), (" $", 0.9), ("4", 0.9), (".", 0.9),
            ("2", 0.9), (" million", 0.9), (" [", 0.9), ("1", 0.9), ("].", 0.9)]  # fmt: skip
    unsure = [(t, 0.9 if t in ("They", " will", " cost") else 0.2) for t, _ in sure]
    q = "How much will the Route 9 repairs cost?"
    high = gather_evidence(q, raw, check(raw, [ROAD]), [ROAD], [ROAD.text], sure)
    low = gather_evidence(q, raw, check(raw, [ROAD]), [ROAD], [ROAD.text], unsure)
    assert high["sure"] == 0.9 and low["sure"] == 0.2 and low["weakest"] == 0.2
    # A model unsure of the words it answers with lowers the support: the same answer, the
    # same sources, refused at a threshold that keeps the sure one.
    assert low["support"] < high["support"]
    assert low["confidence"] < high["confidence"]
    between = (low["confidence"] + high["confidence"]) / 2
    assert decide_refusal(low, between) and not decide_refusal(high, between)
    assert high["tokens"][0] == ["They", 0.9]  # kept in the evidence, to refit the rule on


def test_best_read_keeps_the_likeliest_answer_the_rule_would_not_refuse_outright():
    def ev(conf: float, **kw) -> dict:
        return {"model_refused": False, "unsupported": False, "confidence": conf, **kw}

    assert best_read([ev(0.2), ev(0.6), ev(0.4)]) == 1
    assert best_read([ev(0.5), ev(0.5)]) == 0  # a tie goes to the better-ranked source
    # A refusal or an answer whose every claim is missing is never kept over an answer.
    assert best_read([ev(0.9, model_refused=True), ev(0.1)]) == 1
    assert best_read([ev(0.9, unsupported=True), ev(0.1)]) == 1
    # A number asked for and none given is refused outright, whatever its confidence.
    assert best_read([ev(0.9, type_ok=False, kind="number"), ev(0.2)]) == 1
    assert best_read([ev(0.3, model_refused=True), ev(0.4, unsupported=True)]) == 0


def test_answers_read_from_different_articles_back_each_other():
    question = "Which two high schools are playing their last Thanksgiving Day game?"
    answers = [
        "The Packers and Lions are playing their last Thanksgiving Day game [1].",
        "Clifton and Passaic are playing their last Thanksgiving Day game [2].",
        "Clifton and Passaic high schools are playing their last game [3].",
        "The sources do not say.",
    ]
    evidences = [_base(alone=True) for _ in answers]
    evidences[3]["model_refused"] = True
    alone = confidence(evidences[0])  # weighed before any other answer is known: no agreement
    cross_check(question, answers, ["nfl", "clifton", "paper", "other"], evidences)
    packers, clifton, paper, refused = evidences
    # No other article gives the Packers; two give Clifton and Passaic.
    assert packers["agree"] == 0.0 and packers["confidence"] == alone
    assert clifton["agree"] == 1.0 and paper["agree"] == 1.0
    assert clifton["confidence"] > packers["confidence"]
    assert best_read(evidences) == 1
    assert refused["confidence"] == 0.0
    # Two chunks of one article are one witness: the same answer from both does not count.
    twice = [_base(alone=True), _base(alone=True)]
    cross_check(question, answers[1:3], ["clifton", "clifton"], twice)
    assert [e["agree"] for e in twice] == [0.0, 0.0]
    # An answer the model refused lends no support to the one that agrees with it.
    lone = [_base(alone=True), _base(alone=True, model_refused=True)]
    cross_check(question, answers[1:3], ["clifton", "paper"], lone)
    assert lone[0]["agree"] == 0.0
    # The streamed path (all sources in one prompt) has no `agree` and its own weights.
    assert "agree" not in features(_base())


def test_sentence_checks_find_the_answer_in_a_sentence_about_the_question():
    source = (
        "Heavy rain washed out part of Route 9 on Monday. The state transport department said "
        "repairs would take about three weeks. Governor Ellis visited the site."
    )
    q = "Who visited the washed-out Route 9 site?"
    # The name sits in the one sentence that shares "visited" and "site" with the question.
    right = sentence_checks(q, "Governor Ellis visited the site [1].", [source])
    assert right == {"sent_support": 0.4, "one_sentence": 1.0}  # 2 of 5 question words
    # A guess from a sentence about something else, and one gathered from two sentences.
    elsewhere = sentence_checks(q, "The state transport department [1].", [source])
    assert elsewhere == {"sent_support": 0.0, "one_sentence": 1.0}
    gathered = sentence_checks(q, "Governor Ellis and the transport department [1].", [source])
    assert gathered["one_sentence"] == 0.5
    # Words of the answer no sentence has, or no new words at all, give nothing.
    assert sentence_checks(q, "Mayor Brown [1].", [source]) == {
        "sent_support": 0.0, "one_sentence": 0.0,
    }  # fmt: skip
    assert sentence_checks(q, "Route 9 site [1].", [source])["one_sentence"] == 0.0


def test_gather_evidence_checks_sentences_of_the_cited_sources_only():
    flood = passage("Governor Ellis visited the site of the flood.", title="Flood visit")
    road = passage("Governor Ellis visited the Route 9 site on Monday.", title="Road visit")
    q = "Who visited the Route 9 site?"  # route, 9, visited, site
    shown = [flood.text, road.text]

    def checks(raw: str) -> tuple[float, float]:
        e = gather_evidence(q, raw, check(raw, [flood, road], q), [flood, road], shown)
        assert {"sent_support", "one_sentence"} <= features(e).keys()
        return e["sent_support"], e["one_sentence"]

    assert checks("Governor Ellis visited it [1].") == (0.5, 1.0)  # visited, site
    assert checks("Governor Ellis visited it [2].") == (1.0, 1.0)


def test_corroboration_counts_the_other_articles_that_hold_every_new_word_of_the_answer():
    def chunk(article: str, n: int, text: str) -> Passage:
        return Passage(
            chunk_id=f"{article}:{n}", article_id=article, text=text, score=1.0,
            title="Route 9", url=None, source=None, published=None,
        )  # fmt: skip

    q = "Who visited the washed-out Route 9 site?"
    pool = [
        chunk("a", 0, "Governor Ellis visited the site on Monday."),  # the cited article
        chunk("b", 0, "The road reopens in May."),
        chunk("c", 0, "Ellis, the governor, promised money."),
        chunk("c", 1, "Governor Ellis spoke again."),  # a second chunk of c: c counts once
        chunk("d", 0, "Ellis toured the road."),  # "governor" missing
    ]
    answer = "Governor Ellis visited the site [1]."
    assert corroboration(q, answer, {"a"}, pool) == 1  # c only
    assert corroboration(q, answer, set(), pool) == 2  # a and c
    assert corroboration(q, "Mayor Brown [1].", {"a"}, pool) == 0
    assert corroboration(q, "The Route 9 site [1].", set(), pool) == 0  # no new words


def test_the_source_read_alone_is_never_its_answers_other_witness():
    # Read from the second source alone, the model cites nothing; the citation check gives
    # the claim to the first source that states it. Only articles other than both back it.
    q = "How much will the Route 9 repairs cost?"
    raw = "The repairs will cost $4.2 million."
    other = passage("The Route 9 repairs, $4.2 million, start today.", title="Repairs")
    other = Passage(**{**other.__dict__, "article_id": "b", "chunk_id": "b:0"})
    third = Passage(**{**other.__dict__, "article_id": "c", "chunk_id": "c:0"})
    both = [ROAD, other]
    checked = check(raw, both)
    assert [c.article_id for c in checked.citations] == ["a"]

    def others(read: int | None, pool: list[Passage]) -> int:
        texts = [p.text for p in both]
        ev = gather_evidence(q, raw, checked, both, texts, alone=True, pool=pool, read=read)
        return ev["others"]

    assert others(None, both) == 1  # not told which source was read: b looks like a witness
    assert others(2, both) == 0
    assert others(2, [*both, third]) == 1  # c is one


def test_other_articles_that_give_the_answer_raise_the_confidence_of_a_read():
    raw = "They will cost $4.2 million [1]."
    q = "How much will the Route 9 repairs cost?"
    other = passage("The Route 9 repairs, $4.2 million, start today.", title="Repairs")
    other = Passage(**{**other.__dict__, "article_id": "b", "chunk_id": "b:0"})
    alone = gather_evidence(q, raw, check(raw, [ROAD]), [ROAD], [ROAD.text], alone=True,
                            pool=[ROAD, other])  # fmt: skip
    lonely = gather_evidence(q, raw, check(raw, [ROAD]), [ROAD], [ROAD.text], alone=True,
                             pool=[ROAD])  # fmt: skip
    assert alone["others"] == 1 and lonely["others"] == 0
    assert features(alone)["others"] == 1 / 3 and features(lonely)["others"] == 0.0
    assert confidence(alone) > confidence(lonely)
    # Without a pool nothing is counted, and evidence stored before it was measured still
    # weighs (as no other article).
    plain = gather_evidence(q, raw, check(raw, [ROAD]), [ROAD], [ROAD.text], alone=True)
    assert "others" not in plain and features(plain)["others"] == 0.0
    assert confidence(plain) == confidence(lonely)
