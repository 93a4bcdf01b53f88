"""Stage, round and date cues of deal sentences (`rag.deals.cues`)."""

from __future__ import annotations

from datetime import date

import pytest

from rag.deals.cues import event_date, stage_of


@pytest.mark.parametrize(
    "sentence, stage",
    [
        ("Alibaba is reportedly joining as a lead investor in MiniMax's round.", "rumoured"),
        ("Harlow is in talks to buy Quintel, people familiar with the matter said.", "rumoured"),
        ("Harlow agreed to acquire Quintel for $6.8 billion.", "announced"),
        ("Harlow completed its acquisition of Quintel on Monday.", "closed"),
        ("Harlow called off its planned takeover of Quintel.", "cancelled"),
        ("Harlow announced it will acquire Quintel, a potential clash.", "announced"),
        ("Harlow may buy Quintel for $6.8 billion.", "rumoured"),
        ("Uber bought it in August 2016 for a reported $680 million.", "closed"),
        ("Goldman took another step by acquiring Honest Dollar last May.", "closed"),
        ("The FTC cleared its proposed $13.7 billion acquisition of the grocer.", "announced"),
        ("The company expects to close a deal to merge with Baker Hughes by July.", "rumoured"),
        ("Regulators blocked the Harlow-Quintel merger, reportedly close.", "cancelled"),
        ("Harlow and Quintel announced the completion of Harlow's RSN acquisition.", "closed"),
        ("Harlow expects the completion of the deal in June.", "announced"),
        ("Quintel's brands have since been purchased at auction by Harlow, which plans to "
         "revamp them.", "closed"),
        ("Orchard subsequently sold Harlow to Larch, a small craft brewer.", "closed"),
        ("Harlow was sold to Larch in a deal that was never disclosed.", "closed"),
        ("Harlow will be sold to Larch for $3 billion.", "announced"),
        ("Harlow will be sold for at least $3 billion, several owners believe.", "rumoured"),
        ("Harlow's backers will pay a big price when the inevitable merger with Quintel comes.",
         "rumoured"),
        # Money put in and a holding are done; not when a clause tells of another company.
        ("Harlow has invested $13 billion in Quintel.", "closed"),
        # SENTiVENT: a stake taken is held.
        ("Harlow took the stake in Quintel at the end of 2014 .", "closed"),
        ("Harlow will take a 10% stake in Quintel.", "announced"),
        ("In February , he said he 'd boosted Harlow 's stake in Quintel .", "closed"),
        ("Harlow will be increasing its stake in Quintel from 33 % to 75 %.", "announced"),
        ("After months trying to get out of his deal to buy Quintel, Harlow officially owns it.",
         "closed"),
        ("Harlow and Larch owned major stakes in Quintel.", "closed"),
        ("Harlow announced a takeover of Quintel, which owns Pebble.", "announced"),
        ("Harlow, who already owned nearly 10% of Quintel, is putting $27 billion into the deal.",
         "announced"),
        # A modal or "possible" hedges the deal where it governs a deal word, not elsewhere.
        ("Harlow said it would acquire Quintel.", "rumoured"),
        ("Quintel could eventually be sold to Harlow.", "rumoured"),
        ("Harlow disclosed a possible $2 billion sale of its Quintel unit.", "rumoured"),
        ("The lawsuit targets Harlow and Quintel over their proposal to merge.", "rumoured"),
        ("Regulators sued to stop Harlow from merging with Quintel, alleging that the merger "
         "would limit choices.", "announced"),
        ("Shortly after acquiring Quintel, Harlow said it would create a review board.",
         "announced"),
        ("Senators will scrutinize the potential impact of the Harlow-Quintel merger.",
         "announced"),
        ("Quintel will fly cargo for Harlow under a deal that could eventually give Harlow a "
         "15% stake in the airline.", "announced"),
        # Agreeing to be bought is no purchase done.
        ("Quintel agreed to be bought by Harlow for $3 billion.", "announced"),
        ("Quintel has been acquired by Harlow.", "closed"),
        ("The retailer emerged from bankruptcy after being acquired by Harlow.", "closed"),
        # An outlet's attribution does not hedge what the company itself said it has done.
        ("In May, Quintel disclosed that its valuation had risen to $127 billion and it has "
         "raised $2 billion this year, CNBC reported.", "closed"),
        ("Harlow agreed to buy Quintel, Reuters reported.", "rumoured"),
        ("Harlow said it has acquired Quintel, people familiar with the matter said.", "rumoured"),
        # A merger that became final, a holding that became the largest: done, not planned.
        ("The merger of Harlow and Quintel, which became final Tuesday, creates a giant.",
         "closed"),
        ("Harlow announced that it had become the largest shareholder of Quintel by acquiring "
         "a 25% stake.", "closed"),
        ("Harlow plans to become the largest shareholder of Quintel.", "rumoured"),
        # "The merged company" names a merger, done or not; proceeds spent tell of a sale done.
        ("Reed, who will be the merged company's chairman, told investors the merger would cut "
         "debt.", "announced"),
        ("Quintel, having paid down its debt with the proceeds of Harlow's purchase of its "
         "magazines for $500 million, is debt-free.", "closed"),
        ("Quintel will use the proceeds of the $2 billion sale to pay down debt.", "announced"),
        # With no cue word, a deal placed in the past is done.
        ("Harlow took a step by acquiring savings platform Quintel last May.", "closed"),
        ("The acquisition of Quintel two years ago gave Harlow a lift.", "closed"),
        ("Harlow agreed last month to buy Quintel.", "announced"),
        ("Last year, regulators sued to block Harlow from merging with Quintel.", "announced"),
        ("Ann found out last month that Harlow and Quintel planned to merge.", "announced"),
    ],
)  # fmt: skip
def test_stage_comes_from_cue_words(sentence: str, stage: str) -> None:
    assert stage_of(sentence)[0] == stage


def test_a_deal_in_an_earlier_year_is_done() -> None:
    s = "Facebook's acquisition of WhatsApp in 2014 is under review; Meta could sell it."
    assert stage_of(s, date(2018, 5, 1)) == ("closed", "in 2014")
    assert stage_of(s, date(2014, 5, 1))[0] == "rumoured"  # the same year: the hedge stands
    assert stage_of(s)[0] == "rumoured"  # no article date: no year rule
    # Of two years, the deal's is the one after its word, as `event_year` reads it.
    two = "Pebble Casino opened as The Reserve in 1998 off Route 95 and Larch bought it in 2001."
    assert stage_of(two, date(2022, 9, 14)) == ("closed", "in 2001")


def test_a_deal_named_with_an_earlier_year_is_done() -> None:
    from rag.deals.cues import event_year

    s = "Larch committed to the loans as a condition of its 1994 acquisition of Quintel Bank."
    assert stage_of(s, date(2019, 9, 5)) == ("closed", "1994")
    assert event_year(s, date(2019, 9, 5)) == 1994
    assert stage_of(s, date(1994, 9, 5))[0] == "announced"  # the same year: no cue
    s2 = "In 2012 , Larch joined Pebble in buying Quintel for $ 2 billion ."
    assert stage_of(s2, date(2019, 4, 29)) == ("closed", "In 2012")
    s3 = "In late 2016 , Larch invested $ 158 million in Pebble Inc. , a retailer ."
    assert stage_of(s3, date(2019, 4, 29)) == ("closed", "In late 2016")
    assert stage_of("Larch agreed to a 2024 acquisition of Quintel.", date(2023, 9, 5)) == (
        "announced",
        "agreed",
    )
    assert event_year("Larch has 2019 sales of $ 5 billion .", date(2023, 1, 1)) is None


def test_event_dates_resolve_against_the_article_date() -> None:
    published = date(2024, 3, 7)  # a Thursday
    assert event_date("The deal closed on March 5.", published) == date(2024, 3, 5)
    assert event_date("The deal closed on Tuesday.", published) == date(2024, 3, 5)
    assert event_date("It was agreed on December 30, 2023.", published) == date(2023, 12, 30)
    assert event_date("It was agreed on December 30.", date(2024, 1, 3)) == date(2023, 12, 30)
    assert event_date("No date here.", published) is None


def test_a_year_of_another_event_is_not_the_deals() -> None:
    """ "Since launching in 2015, Pebble ..." dates the launch, not Larch's stake."""
    from rag.deals.cues import event_year

    s = "Since launching in 2015, Pebble has grown fast, so Larch invested $ 2 billion in it."
    assert event_year(s, date(2019, 7, 14)) is None
    assert stage_of(s, date(2019, 7, 14)) == ("closed", "invested")
    founded = "Pebble, founded in 1998, agreed to be bought by Larch."
    assert event_year(founded, date(2019, 7, 14)) is None
    assert stage_of(founded, date(2019, 7, 14)) == ("announced", "agreed")
    # A company formed by the merger is dated by it.
    formed = "Larch was formed in 2019 by merging two firms, Pebble and Quintel."
    assert event_year(formed, date(2021, 6, 2)) == 2019
    # With another event's year beside it, the deal's year is still read.
    both = "Pebble opened in 1998 and was acquired by Larch in 2001."
    assert event_year(both, date(2019, 7, 14)) == 2001
