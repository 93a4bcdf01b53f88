"""Citation parsing and checking: pure functions, hand-made passages."""

from __future__ import annotations

from rag.citations import check, claims, format_sources, is_refusal
from rag.types import Passage

TEXT_A = (
    "Alibaba is joining as a lead investor in MiniMax's funding round. "
    "Bloomberg said that Shanghai-based MiniMax is seeking at least $600 million."
)
TEXT_B = "MiniMax was founded by Yan Junjie in December 2021. It serves 1,200 customers."


def passage(n: int, text: str, start: int = 100, **kw) -> Passage:
    return Passage(
        chunk_id=f"art{n}:0",
        article_id=f"art{n}",
        text=text,
        score=1.0,
        title=kw.get("title", f"Story {n}"),
        url=kw.get("url", f"https://example.com/{n}"),
        source=kw.get("source", "example.com"),
        published=kw.get("published", "2024-03-05"),
        start=start,
        end=start + len(text),
    )


PASSAGES = [passage(1, TEXT_A), passage(2, TEXT_B, start=0)]


def test_valid_marker_gives_citation_with_quote_and_article_offsets():
    out = check("MiniMax is seeking at least $600 million [1].", PASSAGES)
    assert out.text == "MiniMax is seeking at least $600 million [1]."
    assert out.unsupported == []
    (c,) = out.citations
    assert c.number == 1 and c.article_id == "art1" and c.supported
    assert c.quote == "Bloomberg said that Shanghai-based MiniMax is seeking at least $600 million."
    # Offsets point into the article text: the passage starts at 100 in its article.
    assert TEXT_A[c.quote_start - 100 : c.quote_end - 100] == c.quote


def test_marker_pointing_at_no_passage_is_removed():
    out = check("MiniMax is seeking at least $600 million [7].", PASSAGES)
    # [7] is gone; the claim is then attributed to the source that states it.
    assert "[7]" not in out.text
    assert [c.number for c in out.citations] == [1]


def test_a_bracket_of_words_in_a_citations_place_is_dropped():
    """The model named its source instead of numbering it: "[MiniMax]" is no citation, and the
    sentence is cited to the source that states it. A bracket inside a sentence stays."""
    for text in (
        "MiniMax is seeking at least $600 million [Bloomberg].",
        "MiniMax is seeking at least $600 million [Bloomberg] [1].",
    ):
        out = check(text, PASSAGES)
        assert out.text == "MiniMax is seeking at least $600 million [1].", text
    inside = check("MiniMax [the start-up] is seeking at least $600 million [1].", PASSAGES)
    assert inside.text == "MiniMax [the start-up] is seeking at least $600 million [1]."


def test_a_country_is_named_by_the_word_for_its_people_and_back():
    league = [passage(1, "The Turkish Football Federation suspended all league games.")]
    assert check("Turkey [1].", league).unsupported == []
    assert check("Greece [1].", league).unsupported == ["Greece."]  # another country's word
    assert check("Turkmenistan [1].", league).unsupported == ["Turkmenistan."]
    spain = [passage(1, "Spain beat England 1-0 in the final in Sydney.")]
    assert check("The Spanish side won [1].", spain).unsupported == []
    assert check("The Swiss side won [1].", spain).unsupported == ["The Swiss side won."]


def test_marker_to_missing_source_with_unsupported_claim_leaves_it_flagged():
    out = check("MiniMax earned $90 million in 2023 [3].", PASSAGES)
    assert out.citations == []
    assert out.unsupported == ["MiniMax earned $90 million in 2023."]
    assert "[3]" not in out.text


def test_sentence_whose_number_is_not_in_the_cited_passage_is_unsupported():
    out = check("MiniMax is seeking $900 million [1]. It was founded by Yan Junjie [2].", PASSAGES)
    assert out.unsupported == ["MiniMax is seeking $900 million."]
    by_number = {c.number: c for c in out.citations}
    assert not by_number[1].supported and by_number[2].supported
    assert out.supported_claims == 1


def test_sentence_whose_name_is_not_in_the_cited_passage_is_unsupported():
    out = check("MiniMax was founded by Jack Ma [2].", PASSAGES)
    assert out.unsupported == ["MiniMax was founded by Jack Ma."]


def test_grouped_ranges_and_trailing_markers():
    out = check("Alibaba leads the round, and Yan Junjie founded MiniMax [1, 2].", PASSAGES)
    assert [c.number for c in out.citations] == [1, 2]
    assert out.text.endswith("[1][2].")
    out = check("MiniMax was founded in December 2021. [2]", PASSAGES)
    assert out.text == "MiniMax was founded in December 2021 [2]."
    out = check("Yan Junjie founded MiniMax [1-2].", PASSAGES)
    assert [c.number for c in out.citations] == [1, 2]
    # A sentence ending in an abbreviation keeps its full stop and gets no second one.
    inc = passage(3, "Alibaba Group Holding Inc. leads the round for MiniMax Inc.")
    out = check("Alibaba leads the round for MiniMax Inc. [1].", [inc])
    assert out.text == "Alibaba leads the round for MiniMax Inc. [1]."


def test_uncited_claim_is_attributed_to_the_source_that_states_it():
    out = check("MiniMax serves 1,200 customers.", PASSAGES)
    assert out.text == "MiniMax serves 1,200 customers [2]."
    assert [c.number for c in out.citations] == [2]


def test_uncited_claim_no_source_states_is_unsupported():
    out = check("Tencent invested 5 billion yuan.", PASSAGES)
    assert out.citations == [] and out.unsupported == ["Tencent invested 5 billion yuan."]


def test_claims_extracts_numbers_and_names():
    numbers, names = claims("Alibaba will invest $1,200.5 million in MiniMax's round [1].")
    assert numbers == {"1200.5"}
    assert names == {"alibaba", "minimax"}
    assert claims("The sources do not say.") == (set(), set())


def test_refusals_are_recognised():
    for text in [
        "The sources do not say.",
        "The articles don't mention MiniMax's revenue.",
        "This is not mentioned in the sources.",
        "I cannot determine that from the passages.",
        "There is no information about revenue.",
    ]:
        assert is_refusal(text), text
    assert not is_refusal("MiniMax is seeking at least $600 million [1].")


def test_format_sources_numbers_passages_with_outlet_and_date():
    text = format_sources(
        [passage(1, "First."), passage(2, "Second.", source=None, published=None)]
    )
    assert text == (
        "[1] Story 1 (example.com, 2024-03-05)\nFirst.\n\n"
        "[2] Story 2 (outlet and date unknown)\nSecond."
    )


def test_claim_cited_to_the_wrong_source_is_cited_to_the_one_that_states_it():
    out = check("MiniMax was founded by Yan Junjie in December 2021 [1].", PASSAGES)
    assert out.text == "MiniMax was founded by Yan Junjie in December 2021 [2]."
    assert out.unsupported == [] and [c.number for c in out.citations] == [2]


APEC = passage(
    3, "At APEC in San Francisco, Xi and Biden agreed to resume military talks.", start=0
)
BOOKER = passage(
    4, "Bulgarian author Georgi Gospodinov won the Booker Prize for 'Time Shelter'.", start=0
)


def test_names_repeated_from_the_question_need_only_half_their_words_in_the_source():
    answer = "Xi Jinping met with Joe Biden in San Francisco [1]."
    question = "Where did Chinese leader Xi Jinping meet Joe Biden this week?"
    assert check(answer, [APEC]).unsupported  # without the question: "Jinping", "Joe"
    out = check(answer, [APEC], question)
    assert out.unsupported == [] and out.supported_claims == 1
    assert out.citations[0].supported


def test_the_answers_own_names_still_need_every_word_in_the_source():
    question = "Where did Xi Jinping meet Joe Biden this week?"
    out = check("Xi Jinping met Joe Biden in Los Angeles [1].", [APEC], question)
    assert out.unsupported == ["Xi Jinping met Joe Biden in Los Angeles."]


def test_a_name_from_the_question_that_the_source_lacks_is_still_unsupported():
    # "Prize" alone is a third of "Nobel Peace Prize": the source is about another prize.
    question = "Who won this year's Nobel Peace Prize?"
    out = check("Georgi Gospodinov won the Nobel Peace Prize [1].", [BOOKER], question)
    assert out.unsupported and not out.citations[0].supported


def test_a_plain_word_of_the_question_opening_the_answer_is_no_name():
    carter = passage(5, "Plains, Georgia, welcomed mourners for Rosalynn Carter.", start=0)
    question = "Tribute events were held for Rosalynn Carter this week in which state?"
    answer = "Tributes were held for Rosalynn Carter in Georgia [1]."
    assert check(answer, [carter]).unsupported  # "Tributes" read as a name
    assert check(answer, [carter], question).unsupported == []
    # An opening word the question does not have is still a name to check.
    assert check("Memorials were held in Georgia [1].", [carter], question).unsupported


def test_a_possessive_name_in_the_question_is_a_repeated_name_in_the_answer():
    # The question's "UK's" is the answer's "UK": a name the question already said.
    text = "Abu Dhabi's vice president is backing RedBird's bid for the Telegraph."
    bid = passage(6, text, start=0)
    question = "Which Gulf leader is backing a bid for the UK's Telegraph newspaper?"
    answer = "Abu Dhabi's vice president is backing a bid for the UK's Telegraph [1]."
    assert check(answer, [bid]).unsupported  # without the question: "UK" is in no source
    assert check(answer, [bid], question).unsupported == []
    # The answer's own possessive names still need the source.
    own = "Qatar's emir is backing the bid for the Telegraph [1]."
    assert check(own, [bid], question).unsupported


def test_a_deal_answer_is_checked_line_by_line() -> None:
    """Each line of the deal table's answer is one claim, kept on its line, though its names
    hold full stops ("A.M. Management"), which split sentences elsewhere."""
    passages = [
        passage(1, "$25 million from active investment firm A.M. Management & Consulting"),
        passage(2, "$25 million from consumer investment company Litani Ventures"),
    ]
    text = (
        "- A.M. Management & Consulting's stake in Twitter for $25 million: completed [1].\n"
        "- Litani Ventures' stake in Twitter for $25 million: completed [2]."
    )
    checked = check(text, passages, by_line=True)
    assert checked.text == text
    assert [c.number for c in checked.citations] == [1, 2]
