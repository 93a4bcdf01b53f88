"""Deals: field checks, names and sides, merging, conflicts, storage that resumes, the
`newsrag deals` command, deal questions answered from the table, and the real local model on
the seed article. The candidate filter and the stage and date cues have files of their own."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newsrag.cli import main
from rag.config import Settings
from rag.deals.filter import candidates
from rag.deals.forms import ScriptedForms
from rag.deals.mentions import Mention, extract, states_a_deal, verify
from rag.deals.merge import merge, normalise, same_party
from rag.deals.money import find_money
from rag.deals.names import checked_name, is_source
from rag.deals.pipeline import update_deals
from rag.deals.query import DealQuery, find_deals
from rag.deals.references import antecedent, resolver
from rag.deals.roles import named_target, role_of, round_owner
from rag.deals.storage import DealStore, DealTable
from rag.ingest import ingest
from rag.store import VectorStore
from rag.types import Article
from tests.conftest import ROOT

# -- names ----------------------------------------------------------------------------


def test_regulators_are_no_party() -> None:
    s = "The FCC said the merger of Harlow Systems and Quintel Games needs no review ."
    (fields,) = verify(_form(type="merger", buyers=["FCC", "Harlow Systems"],
                             target="Quintel Games"), s, [], None)  # fmt: skip
    assert fields["buyers"] == ["Harlow Systems"]
    s2 = "The merger could still be blocked by the Department of Justice , Trump said ."
    assert verify(_form(type="merger", buyers=[], target="Department of Justice"), s2, [],
                  None) == []  # fmt: skip
    # A stored mention loses such a party when today's rules are applied to it.
    from rag.deals.mentions import refresh_rules

    m = Mention(article_id="a", sentence=s2, start=0, end=len(s2), type="merger",
                target="Department of Justice", buyers=["Trump"])  # fmt: skip
    refreshed = refresh_rules(m)
    assert refreshed.target is None and refreshed.buyers == ["Trump"]


def test_places_nationalities_and_pronouns_are_no_party() -> None:
    from rag.deals.mentions import refresh_rules
    from rag.deals.names import is_authority

    assert is_authority("China") and is_authority("Alabama") and is_authority("Swiss")
    assert is_authority("the Netherlands")
    # "a takeover of the Brazilian regional jet maker": a nationality, not what is bought
    s5 = "Harlow has been pursuing a takeover of the Brazilian regional jet maker ."
    assert verify(_form(buyers=["Harlow"], target="Brazilian"), s5, [], None) == []
    assert not is_authority("China Mobile") and not is_authority("Texas Instruments")
    # Officials named with their office speak for a government; firms named so do not.
    assert is_authority("President Donald Trump") and is_authority("Lt. Gov. Sheila Oliver")
    assert is_authority("Sen. Bryan Townsend") and is_authority("Mayor Eric Adams")
    assert is_authority("USDA") and is_authority("the Department of Agriculture")
    assert not is_authority("Governor Capital") and not is_authority("Speaker Inc")
    # A political party is no company; a firm named after one word of it is.
    assert is_authority("GOP") and is_authority("the Democratic Party")
    assert not is_authority("Party City") and not is_authority("Green Mountain Coffee")
    s4 = "Some argue that Larch's hostile takeover of the GOP is nearly complete ."
    assert verify(_form(buyers=["Larch"], target="GOP"), s4, [], None) == []
    s0 = ("President Donald Trump signaled that the government could take an equity stake in "
          "companies hit by the crisis .")  # fmt: skip
    assert verify(_form(type="stake", buyers=["President Donald Trump"]), s0, [], None) == []
    # Words of an office or a body are no company either.
    s1 = "The County is repaid the $ 16 million purchase from the sales of the land ."
    assert verify(_form(target="County", amount=1), s1, find_money(s1), None) == []
    s = "The Swiss owner of a pulp mill in Alabama said it is investing $ 80 million there ."
    assert verify(_form(type="stake", buyers=["Alabama"], target="Swiss"), s, find_money(s),
                  None) == []  # fmt: skip
    s2 = "China Mobile agreed to buy a stake in Larch for $ 90 million ."
    (fields,) = verify(_form(type="stake", buyers=["China Mobile"], target="Larch", amount=1),
                       s2, find_money(s2), None)  # fmt: skip
    assert fields["buyers"] == ["China Mobile"]
    # Stored mentions lose such parties when today's rules are applied to them.
    s3 = "His parents bought a New York mansion when he was 14 ."
    m = Mention(article_id="a", sentence=s3, start=0, end=len(s3), type="acquisition",
                buyers=["His"], target="New York")  # fmt: skip
    refreshed = refresh_rules(m)
    assert refreshed.buyers == [] and refreshed.target is None


def test_stored_mentions_follow_todays_rules() -> None:
    """Rule-made fields are made again from the stored sentence: no model call needed."""
    from rag.deals.mentions import refresh_rules

    m = Mention(article_id="a", sentence="Veldt AI raised $5 million in a Series A round on "
                "Monday.", start=0, end=60, type="funding round", stage="rumoured",
                published="2024-03-07")  # fmt: skip
    refreshed = refresh_rules(m)
    assert (refreshed.stage, refreshed.round, refreshed.event_date) == (
        "closed",
        "Series A",
        "2024-03-04",
    )


def test_a_name_must_occur_in_the_sentence_and_be_a_name() -> None:
    s = "Amazon.com Inc. agreed to buy Whole Foods Market for $13.7 billion."
    assert checked_name("amazon.com inc.", s) == "Amazon.com Inc"
    assert checked_name("Whole  Foods Market", s) == "Whole Foods Market"
    assert checked_name("Walmart", s) is None  # not in the sentence
    assert checked_name("the company", s) is None
    assert checked_name("it", s) is None
    assert checked_name(42, s) is None


def test_who_reports_a_deal_is_not_a_party() -> None:
    s = "A report by Bloomberg said Veldt is seeking $600 million, Reuters noted."
    assert is_source("Bloomberg", s) and is_source("Reuters", s)
    assert not is_source("Veldt", s)
    # Who says "it" does something is a party to it, not its reporter.
    s2 = "In March , Harlow said it was investing $ 1 billion in Quintel Games ."
    assert not is_source("Harlow", s2)
    assert is_source("Harlow", "Harlow said that Quintel Games raised $ 1 billion .")


def test_the_words_alone_make_a_deal_the_model_missed() -> None:
    from rag.deals.mentions import words_form

    bid = "Harlow Systems 's reported bid for Quintel Games looks low ."
    assert words_form(bid, []) == {
        "deal": True,
        "type": "acquisition",
        "buyers": ["Harlow Systems"],
        "target": "Quintel Games",
    }
    # The model said no deal: the words' form is checked instead, every field made by rule.
    (fields,) = verify({"deal": False}, bid, [], None)
    assert fields["buyers"] == ["Harlow Systems"] and fields["target"] == "Quintel Games"
    assert fields["stage"] == "rumoured" and set(fields["by"].values()) == {"rule"}
    # The model named a type no word states ("acquisition" for an investment): the words win.
    inv = "In March , Harlow said it was investing $ 1 billion in Quintel Games ."
    (fields,) = verify(_form(type="acquisition", buyers=["Harlow"], target="Quintel Games"),
                       inv, find_money(inv), None)  # fmt: skip
    assert (fields["type"], fields["buyers"], fields["target"]) == (
        "stake", ["Harlow"], "Quintel Games")  # fmt: skip
    assert fields["amount"] == "$ 1 billion" and fields["by"]["amount"] == "rule"
    # Not when the words name one side only, two buyers, or a place as the target.
    assert words_form("Quintel Games was a bid target , analysts said .", []) is None
    assert words_form("Harlow and Pexa Labs 's bids for Quintel Games look low .", []) is None
    assert words_form("Harlow said it would invest $ 1 billion in Africa .", []) is None
    assert words_form("But Harlow bought Quintel Games in 2017 .", [])["buyers"] == ["Harlow"]


def test_what_it_bought_in_a_clause_is_read_when_the_model_read_another_deal() -> None:
    # Held-out news (a TechCrunch page of ../shared's extraction set): the model read the
    # SoftBank lifeline, a round no word of the sentence states, and missed the purchase.
    text = ("Pexa Labs is cutting costs. After receiving a lifeline from investor Larch worth "
            "up to $8 billion, Pexa Labs is now making major cuts, including layoffs at "
            "Quintel, which it acquired for $200 million in 2017.")  # fmt: skip
    lifeline = _form(type="funding round", buyers=["Larch"], target="Pexa Labs", amount=1)
    (m,) = extract("w", text, lambda s, a: lifeline, published=date(2019, 11, 18))
    assert (m.type, m.buyers, m.target) == ("acquisition", ["Pexa Labs"], "Quintel")
    assert (m.amount, m.stage, m.refs["Pexa Labs"]["text"]) == ("$200 million", "closed", "it")
    # Without a company for "it" to stand for, nothing is stored.
    alone = "Layoffs hit Quintel, which it acquired for $200 million in 2017."
    assert extract("w", alone, lambda s, a: {"deal": False}) == []


def test_synergies_are_no_price_and_who_speaks_of_a_merger_is_no_side() -> None:
    s = (
        "The merged Harlow and Quintel may not diverge from the trend; Reed has said that "
        "he expects to wring as much as $300 million in “synergies” from the combination."
    )
    (fields,) = verify(_form(type="merger", buyers=["Harlow", "Quintel"], target="Reed",
                             amount=1), s, find_money(s), None)  # fmt: skip
    assert (fields["buyers"], fields["target"]) == (["Harlow"], "Quintel")
    assert "amount" not in fields
    # One side speaking of its own merger stays its side.
    s2 = "Harlow said its merger with Quintel would close in June."
    (fields,) = verify(_form(type="merger", buyers=["Harlow"], target="Quintel"), s2, [], None)
    assert (fields["buyers"], fields["target"]) == (["Harlow"], "Quintel")
    # A person who speaks of the merger is no side of it.
    s4 = ("Reed, who will be the merged company's chairman, told investors of Quintel on "
          "Oct. 31 that the merger would allow the company to pay down debt.")  # fmt: skip
    (fields,) = verify(_form(type="merger", buyers=["Reed"], target="Quintel"), s4, [], None)
    assert (fields["buyers"], fields["target"]) == ([], "Quintel")


def test_who_gains_from_a_merger_named_by_its_two_sides_is_no_side() -> None:
    from rag.deals.mentions import refresh_rules

    # SENTiVENT (pre-tokenised): a bystander, and each side followed by its ticker.
    s = ("Analysts argue that Pexa Labs could get a boost from price concessions following "
         "the Harlow Systems HSY - Quintel Games QGM merger .")  # fmt: skip
    (fields,) = verify(_form(type="merger", buyers=["Pexa Labs", "Harlow Systems"],
                             target="Quintel Games QGM"), s, [], None)  # fmt: skip
    assert (fields["buyers"], fields["target"]) == (["Harlow Systems"], "Quintel Games QGM")
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="merger",
                target="Quintel Games QGM", buyers=["Pexa Labs", "Harlow Systems"])  # fmt: skip
    assert refresh_rules(m).buyers == ["Harlow Systems"]
    # A company the words make the buyer stays, and so does a side's own group.
    s2 = "Pexa Labs agreed to buy Larch after the Harlow-Quintel merger closed."
    (fields,) = verify(_form(buyers=["Pexa Labs"], target="Larch"), s2, [], None)
    assert fields["buyers"] == ["Pexa Labs"]
    s3 = "Harlow Group completed the Harlow Systems-Quintel Games merger on Friday."
    (fields,) = verify(_form(type="merger", buyers=["Harlow Group"], target="Quintel Games"),
                       s3, [], None)  # fmt: skip
    assert fields["buyers"] == ["Harlow Group"]


def _form(**fields: Any) -> dict[str, Any]:
    base = {"deal": True, "type": "acquisition", "buyers": [], "lead": None, "target": None,
            "amount": 0, "valuation": 0}  # fmt: skip
    return {**base, **fields}


def test_verify_keeps_only_what_the_sentence_states() -> None:
    s = "Harlow Systems agreed to acquire Quintel Games for $6.8 billion, valuing it at $7 billion."
    amounts = find_money(s)
    form = _form(buyers=["Harlow Systems", "Microsoft"], target="Quintel Games", amount=1,
                 valuation=2)  # fmt: skip
    (fields,) = verify(form, s, amounts, date(2024, 3, 5))
    assert fields["buyers"] == ["Harlow Systems"]  # Microsoft is not in the sentence
    assert fields["target"] == "Quintel Games"
    assert fields["amount"] == "$6.8 billion" and fields["amount_usd"] == pytest.approx(6.8e9)
    assert fields["valuation"] == "$7 billion"
    assert fields["stage"] == "announced" and fields["by"]["stage"] == "rule"
    # An amount index the parser did not produce is no amount at all.
    (fields,) = verify(_form(buyers=["Harlow Systems"], amount=7), s, amounts, None)
    assert "amount" not in fields


def test_verify_drops_guesses() -> None:
    s = "Shares of Harlow Systems rose after the company reported strong sales."
    assert verify(_form(buyers=["Harlow Systems"]), s, [], None) == []  # no deal word
    assert verify({"deal": False}, s, [], None) == []
    assert verify(_form(type="fusion"), s, [], None) == []
    s2 = "Harlow Systems agreed to acquire a rival."
    assert verify(_form(buyers=["Nobody Inc"], target="Somebody"), s2, [], None) == []


@pytest.mark.parametrize(
    ("name", "sentence", "role"),
    [
        ("Alstom", "Its revenue rose 34 % due to the acquisition of Alstom .", "target"),
        ("Jet.com", "He joined the retailer after its $ 3 billion acquisition of Jet.com .",
         "target"),
        ("Whole Foods", "By going upmarket in acquiring Whole Foods , it will hurt Target .",
         "target"),
        ("AMO", "Sales rose in 2017 due to the AMO acquisition .", "target"),
        ("Twitter", "Days after his $ 44 billion Twitter acquisition closed , Musk wrote .",
         "target"),
        ("Embraer SA", "Boeing Co. 's purported bid for Embraer SA looks low .", "target"),
        ("Boeing", "Boeing Co. 's purported bid for Embraer SA looks low .", "buyer"),
        ("Ford", "In February , Ford said it was investing $ 1 billion in Argo AI .", "buyer"),
        ("Argo AI", "In February , Ford said it was investing $ 1 billion in Argo AI .",
         "target"),
        ("PayPal", "Tio Networks , which PayPal bought in July , was hacked .", "buyer"),
        ("Tio Networks", "Tio Networks was acquired by PayPal in July .", "target"),
        ("PayPal", "Tio Networks was acquired by PayPal in July .", "buyer"),
        ("Amazon", "The founder previously sold Quidsi to Amazon .", "buyer"),
        ("Isuzu", "It agreed to sell its stake in GM East Africa to Isuzu .", "buyer"),
        # Every name of a list after "the acquisitions of" is a target.
        ("Pinecrest Media", "The acquisitions of Larkspur , Pinecrest Media , and Tally "
         "helped us grow .", "target"),
        ("Tally", "The acquisitions of Larkspur , Pinecrest Media and Tally helped us grow .",
         "target"),
        # The one a buyer buys from sells.
        ("Harbor Authority", "Redwood Partners purchased 40 acres of land from the Harbor "
         "Authority for $ 20 million .", "seller"),
        ("Redwood Partners", "Redwood Partners purchased 40 acres of land from the Harbor "
         "Authority for $ 20 million .", "buyer"),
        # Nothing around the name says which side it is on.
        ("Target", "By going upmarket in acquiring Whole Foods , it will hurt Target .", None),
        # Mergers: the company merged with is the target, the first of a pair the buyer.
        ("Baker Hughes", "It will merge its oil and gas business with Baker Hughes by July .",
         "target"),
        ("Safeway", "She lost her job after Albertsons' $ 9 billion tie-up with Safeway .",
         "target"),
        ("Virgin America", "Justice Dept. OKs Alaska Airlines-Virgin America merger", "target"),
        ("Alaska Airlines", "Justice Dept. OKs Alaska Airlines-Virgin America merger", "buyer"),
        ("Rite Aid", "Plans collapsed for a merger between pharmacy giants Walgreens Boots "
         "Alliance and Rite Aid .", "target"),
        ("Walgreens Boots Alliance", "Plans collapsed for a merger between pharmacy giants "
         "Walgreens Boots Alliance and Rite Aid .", "buyer"),
        ("Fox", "Fox merged its studios , along with Disney , into one .", None),
    ],
)  # fmt: skip
def test_the_words_around_a_name_give_its_side(name: str, sentence: str, role: str) -> None:
    assert role_of(name, sentence) == role


def test_the_words_around_names_overrule_the_models_sides() -> None:
    s = "GE 's renewable revenue rose 34 % in 2016 due to the acquisition of Alstom ."
    # The model swapped the sides: Alstom is the target, GE is not.
    (fields,) = verify(_form(buyers=["Alstom"], target="GE"), s, [], None)
    assert fields["target"] == "Alstom" and fields["by"]["target"] == "rule"
    assert fields["buyers"] == []
    s2 = "Boeing 's reported bid for Embraer is a modest bump ."
    (fields,) = verify(_form(buyers=[], target="Boeing"), s2, [], None)
    assert fields["buyers"] == ["Boeing"] and fields["target"] == "Embraer"
    # A bystander the model named as target gives way to the name the words mark.
    s3 = "By going upmarket in acquiring Whole Foods , this will hurt Target and Costco more ."
    (fields,) = verify(_form(buyers=[], target="Target"), s3, [], None)
    assert fields["target"] == "Whole Foods"
    assert named_target(s3) == "Whole Foods"
    assert named_target("Alpha bought Beta and later acquired Gamma .") is None  # two: unsure


def test_a_deal_read_the_wrong_way_round_in_its_sentence_is_set_right() -> None:
    from rag.deals.mentions import refresh_rules

    s = ("Harbor Air will fly cargo for Pebble.com from next fall under a deal that could "
         "give Pebble a 15% stake in the airline .")  # fmt: skip
    assert role_of("Pebble.com", s) == "buyer" and role_of("Harbor Air", s) is None
    # The model had Harbor Air buying Pebble.com: the words make Pebble the holder.
    (fields,) = verify(_form(type="stake", buyers=["Harbor Air"], target="Pebble.com"), s, [],
                       None)  # fmt: skip
    assert (fields["buyers"], fields["target"]) == (["Pebble.com"], "Harbor Air")
    assert fields["by"]["target"] == "rule"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="stake",
                buyers=["Harbor Air"], target="Pebble.com")  # fmt: skip
    m = refresh_rules(m)
    assert (m.buyers, m.target) == (["Pebble.com"], "Harbor Air")
    assert role_of("Larch", "Larch will take a 10 % stake in Pebble .") == "buyer"
    # Not a co-buyer listed with the one the words mark, nor a party the words place.
    s2 = "Blum Capital and Golden Gate acquired the shoe chain for $ 2 billion last year ."
    (fields,) = verify(_form(buyers=["Blum Capital"], target="Golden Gate", amount=1), s2,
                       find_money(s2), None)  # fmt: skip
    assert fields["target"] is None and set(fields["buyers"]) == {"Blum Capital", "Golden Gate"}


def test_in_a_merger_the_words_pick_the_target_over_the_models() -> None:
    s = "Kroger wants to merge with Albertsons to better compete against larger chains ."
    # The model put the sides the other way round: the words mark Albertsons as merged with.
    (fields,) = verify(_form(type="merger", buyers=["Albertsons"], target="Kroger"), s, [],
                       None)  # fmt: skip
    assert fields["target"] == "Albertsons" and fields["buyers"] == []
    s2 = "Shoppers fear the Albertsons-Safeway merger and the Haggen bankruptcy that followed ."
    (fields,) = verify(_form(type="merger", buyers=["Albertsons", "Safeway"], target="Haggen"),
                       s2, [], None)  # fmt: skip
    assert fields["target"] == "Safeway" and fields["buyers"] == ["Albertsons"]
    # A pair joined by a hyphen is two parties, not one target.
    s3 = "Justice Dept. OKs Alaska Airlines-Virgin America merger"
    (fields,) = verify(_form(type="merger", buyers=[], target="Alaska Airlines-Virgin America"),
                       s3, [], None)  # fmt: skip
    assert fields["target"] == "Virgin America" and fields["buyers"] == ["Alaska Airlines"]
    # Two companies that merge, and no target: the one named second is the target.
    s4 = "Larch and Pebble Foods planned to merge in a deal worth nearly $ 25 billion ."
    (fields,) = verify(_form(type="merger", buyers=["Larch", "Pebble Foods"], amount=1), s4,
                       find_money(s4), None)  # fmt: skip
    assert fields["target"] == "Pebble Foods" and fields["buyers"] == ["Larch"]
    assert fields["by"]["target"] == "rule" and fields["amount"] == "nearly $ 25 billion"


@pytest.mark.parametrize(
    "given_target",
    [None, "Quintel Air", "Harlow Air"],  # no target, or either side given as buyer and target
)
def test_a_merger_given_as_two_buyers_has_the_second_named_as_its_target(
    given_target: str | None,
) -> None:
    from rag.deals.mentions import refresh_rules

    s = "IN PICTURES: Harlow Air, Quintel Air kick off merger with celebration"
    form = _form(type="merger", buyers=["Harlow Air", "Quintel Air"], target=given_target)
    (fields,) = verify(form, s, [], None)
    assert (fields["buyers"], fields["target"]) == (["Harlow Air"], "Quintel Air")
    # ... and a mention stored with both sides as buyers is read the same way.
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="merger",
                buyers=["Harlow Air", "Quintel Air"])  # fmt: skip
    m = refresh_rules(m)
    assert (m.buyers, m.target, m.by["target"]) == (["Harlow Air"], "Quintel Air", "rule")


@pytest.mark.parametrize(
    "sentence, kind, buyers, target",
    [
        ("It continued to grow , and was acquired by brewing giant Larch ( now Larch Harlow ) "
         "in 2011 .", "acquisition", ["Larch"], "Larch Harlow"),
        ("His parents bought a New York mansion once occupied by pop star Ann Lee when he was "
         "14 , selling it years later for $ 32 million .", "acquisition", [], "Ann Lee"),
        ("When Oxford University accepted more than $ 100 million from Larch in 2010 to "
         "establish the Larch School of Government , critics wrote .", "acquisition",
         ["Oxford University"], "Larch School of Government"),
        ("He raised $ 30 million with the aid of start-up accelerator Quintel Labs .",
         "funding round", [], "Quintel Labs"),
        ("Virgin acquired some of these gates as part of the settlement of the lawsuit "
         "challenging the 2013 merger of Harlow and Quintel Airways .", "acquisition",
         ["Virgin"], "Quintel Airways"),
        ("These services include Larch 's Quintel Social and Pebble , which Ann Lee recently "
         "said he would acquire .", "acquisition", ["Ann Lee"], "Larch 's Quintel Social"),
        ("Sam Roe said he is walking away from Harlowville after investing nearly $ 1 million "
         "there ,", "stake", [], "Harlowville"),
        ("Larch rules prevent team owners from borrowing against their stake in a team , so "
         "Ann Lee could not use his trust for a loan .", "stake", ["Ann Lee"], "Larch"),
        ("Virgin began flying there after it secured gates that became available through "
         "divestitures made by Harlow Airlines to secure approval for its merger with Quintel "
         "Airways .", "acquisition", ["Virgin"], "Harlow Airlines"),
    ],
)  # fmt: skip
def test_words_that_make_a_name_no_target_of_the_sentences_deal(
    sentence: str, kind: str, buyers: list[str], target: str
) -> None:
    from rag.deals.mentions import refresh_rules

    amounts = find_money(sentence)
    form = _form(type=kind, buyers=buyers, target=target, amount=1 if amounts else 0)
    assert all(f.get("target") != target for f in verify(form, sentence, amounts, None))
    m = Mention(article_id="a", sentence=sentence, start=0, end=len(sentence), type=kind,
                buyers=list(buyers), target=target)  # fmt: skip
    assert refresh_rules(m).target is None


def test_who_joined_or_left_the_target_is_no_buyer_of_it() -> None:
    from rag.deals.mentions import refresh_rules

    s = (
        "The arrangement did n't work out , and Ann left Quintel Fox in 2019 when the "
        "company was sold to Larch , and then left Pebble when control was acquired by "
        "Harlow ."
    )
    (fields,) = verify(_form(buyers=["Ann"], target="Quintel Fox"), s, [], None)
    assert fields["buyers"] == [] and fields["target"] == "Quintel Fox"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Ann"], target="Quintel Fox")  # fmt: skip
    assert refresh_rules(m).buyers == []
    # ... but who joined it and bought it later, or joined another, still buys.
    for s, target in [("Larch joined Quintel in 2015 and later bought it .", "Quintel"),
                      ("Larch joined Quintel in 2015 and bought Pebble .", "Pebble")]:  # fmt: skip
        (fields,) = verify(_form(buyers=["Larch"], target=target), s, [], None)
        assert fields["buyers"] == ["Larch"]


@pytest.mark.parametrize(
    "sentence, buyers, target",
    [
        ("Larch bought Quintel ( now Quintel Harlow ) in 2011 .", ["Larch"], "Quintel"),
        ("Larch bought the mansion builder Quintel , once occupied by Ann Lee .", ["Larch"],
         "Quintel"),
        ("Larch bought Quintel to build a bigger chain .", ["Larch"], "Quintel"),
        ("Harlow completed its merger with Quintel Airways .", ["Harlow"], "Quintel Airways"),
        ("Harlow agreed to buy Quintel , years after the merger of Larch and Pexa .", ["Harlow"],
         "Quintel"),
        ("Larch , which bought Quintel , completed its merger with Pebble .", ["Larch"],
         "Pebble"),
        ("These services include Quintel Social and Pebble , which Larch recently said it would "
         "acquire .", ["Larch"], "Pebble"),
        ("Larch bought Quintel and Pebble , which Harlow had acquired in 2010 .", ["Larch"],
         "Quintel"),
    ],
)  # fmt: skip
def test_the_same_words_elsewhere_leave_the_target(
    sentence: str, buyers: list[str], target: str
) -> None:
    (fields,) = verify(_form(buyers=buyers, target=target), sentence, [], None)
    assert fields["target"] == target


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("Larch began gathering Quintel shares in 2013 when it disclosed the purchase of a 0.6 "
         "percent stake in Quintel .", "stake"),
        ("Quintel will fly cargo for Larch under a deal that could give Larch a 15% stake in "
         "Quintel .", "stake"),
        ("Larch bought a minority stake in Quintel .", "stake"),
        # The whole company, or part of it and then the rest: an acquisition.
        ("Larch bought a 45% stake in Quintel and agreed to acquire the rest .", "acquisition"),
        ("Larch agreed to acquire Quintel .", "acquisition"),
    ],
)  # fmt: skip
def test_an_acquisition_of_part_of_a_company_is_a_stake(sentence: str, kind: str) -> None:
    from rag.deals.mentions import refresh_rules

    (fields,) = verify(_form(buyers=["Larch"], target="Quintel"), sentence, [], None)
    assert fields["type"] == kind
    m = Mention(article_id="a", sentence=sentence, start=0, end=len(sentence),
                type="acquisition", buyers=["Larch"], target="Quintel")  # fmt: skip
    assert refresh_rules(m).type == kind


def test_led_by_alone_is_no_funding_round() -> None:
    from rag.deals.filter import states_kind

    s = ("Cowen & Co. estimated that the storm inflicted $ 139 million of third-quarter harm "
         "on the six largest carriers , led by American .")  # fmt: skip
    assert not states_kind("funding round", s)
    assert verify(_form(type="funding round", buyers=["Cowen & Co"], amount=1), s,
                  find_money(s), None) == []  # fmt: skip
    s2 = "Veldt AI raised $ 20 million in a round led by Nordwind Capital ."
    assert states_kind("funding round", s2) and states_kind("acquisition", s)
    (fields,) = verify(_form(type="funding round", buyers=["Nordwind Capital"], target="Veldt AI",
                             amount=1), s2, find_money(s2), None)  # fmt: skip
    assert fields["amount"] == "$ 20 million"
    # Nor is a bare "round" one, or debt without equity.
    assert not states_kind("funding round", "Larch laid off 900 people in a round of cost cuts .")
    assert not states_kind(
        "funding round", "Larch lined up $ 100 million of debtor-in-possession financing ."
    )
    assert not states_kind(
        "funding round", "Larch secured $ 240 million in financing from Orchard Specialty Lending ."
    )
    assert states_kind("funding round", "Larch raised $ 50 million in equity and debt financing .")
    assert states_kind("funding round", "Larch raised a new $ 30 million round from Sequoia .")


def test_capital_spending_is_no_stake() -> None:
    # SENTiVENT: stored as stakes of Disney in "Parks" and in "Resorts".
    from rag.deals.filter import states_kind
    from rag.deals.mentions import states_a_deal

    s = ("In addition , Larch expects a $ 1 billion increase in its capital expenditures due to "
         "the continued investment in Parks and Resorts .")  # fmt: skip
    assert not states_kind("stake", s)
    assert verify(_form(type="stake", buyers=["Larch"], target="Parks"), s, find_money(s),
                  None) == []  # fmt: skip
    stored = Mention(article_id="a", sentence=s, start=0, end=len(s), type="stake",
                     buyers=["Larch"], target="Parks")  # fmt: skip
    assert not states_a_deal(stored)
    # Spending on a stake is one.
    s2 = "Larch will fund the stake from capital spending : it buys 10 % of Quintel ."
    assert states_kind("stake", s2)
    assert states_a_deal(Mention(article_id="a", sentence=s2, start=0, end=len(s2), type="stake",
                                 buyers=["Larch"], target="Quintel"))  # fmt: skip


def test_a_school_joining_a_sports_conference_is_no_deal() -> None:
    # The 2023 table had "merger, target Big Ten, buyers USC, UCLA".
    from rag.deals.mentions import joins_a_conference

    s = ("With USC football poised to ascend , this was a natural merger for the Big Ten to "
         "close the gap on the SEC .")  # fmt: skip
    assert verify(_form(type="merger", buyers=["USC", "UCLA"], target="Big Ten"), s, [],
                  None) == []  # fmt: skip
    assert verify(_form(type="merger", buyers=["Pac-12"], target="Mountain West"), s, [],
                  None) == []  # fmt: skip
    stored = Mention(article_id="a", sentence=s, start=0, end=len(s), type="merger",
                     buyers=["USC", "UCLA"], target="Big Ten")  # fmt: skip
    assert joins_a_conference(stored)
    # A company with such a word in its name is a company.
    s2 = "Conference Technologies Inc. agreed to buy Quintel for $ 40 million ."
    m = verify(_form(buyers=["Conference Technologies Inc."], target="Quintel"), s2,
               find_money(s2), None)  # fmt: skip
    assert [x["target"] for x in m] == ["Quintel"]
    assert not joins_a_conference(Mention(article_id="a", sentence=s2, start=0, end=len(s2),
                                          type="acquisition", buyers=["Conference Technologies"],
                                          target="Quintel"))  # fmt: skip


def test_the_plot_of_a_show_is_no_deal() -> None:
    # The 2023 table had "acquisition, target Lyon Dynasty, buyer Hakeem, $20M", from a recap of
    # the TV drama 'Empire'.
    from rag.deals.filter import tells_a_plot

    for title in ["The 7 key moments from the 'Empire' spring premiere",
                  "\u2018Succession\u2019 series finale recap: who buys Waystar Royco?",
                  '"Billions" season 6, episode 3: Prince buys the Mets']:  # fmt: skip
        assert tells_a_plot(title), title
    # A recap of the news is news, and a quote in a title names no show.
    for title in ["Kevin McCarthy ousted as speaker in historic house vote: Recap",
                  "Recap: Biden says aerial objects 'most likely' private balloons",
                  "Larch says 'no deal' with Quintel after talks end", None, ""]:  # fmt: skip
        assert not tells_a_plot(title), title
    s = "Cookie persuades Camilla and Hakeem to buy Lyon Dynasty for $20 million ."
    fill = ScriptedForms({"Lyon Dynasty": _form(buyers=["Hakeem"], target="Lyon Dynasty",
                                                amount=20)})  # fmt: skip
    assert extract("e", s, fill, title="The 7 key moments from the 'Empire' spring premiere") == []
    assert fill.seen == []  # the model is not asked
    found = extract("e", s, fill, title="Hakeem to buy Lyon Dynasty")
    assert [m.target for m in found] == ["Lyon Dynasty"]


def test_things_counted_are_no_party_and_a_change_is_no_price() -> None:
    from rag.deals.mentions import refresh_rules

    s = "AerCap owns 55 Dreamliners , and acquired 12 more through sale-leaseback deals ."
    # With the target gone and no amount, a buyer alone is left: no deal.
    assert verify(_form(buyers=["AerCap"], target="Dreamliners"), s, [], None) == []
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["AerCap"], target="Dreamliners")  # fmt: skip
    assert refresh_rules(m).target is None and not states_a_deal(m)
    s1 = "Acme Markets Inc. acquired 71 of those locations , including four in Delaware ."
    assert verify(_form(buyers=["Acme Markets Inc"], target="71"), s1, [], None) == []
    # a number is no company
    s4 = "Twelve of the stores had records and inventory sold to Rite Aid for $ 8 million ."
    (fields,) = verify(_form(buyers=["Rite Aid"], target="Twelve", amount=1), s4,
                       find_money(s4), None)  # fmt: skip
    assert fields["buyers"] == ["Rite Aid"] and fields["target"] is None  # nor a number word
    # A year or a day of the month before a name is no count.
    for s2 in (
        "In 2017 Larch bought Pebble for $ 2 billion .",
        "On Aug. 23, Larch completed its acquisition of Pebble for $ 2 billion .",
    ):
        (fields,) = verify(_form(buyers=["Larch"], target="Pebble", amount=1), s2,
                           find_money(s2), None)  # fmt: skip
        assert fields["buyers"] == ["Larch"] and fields["target"] == "Pebble"
        assert fields["amount"] == "$ 2 billion"
    # "A $1 billion increase in capital spending" is a change of a figure, not a price.
    s3 = "Larch expects a $ 1 billion increase in spending due to its investment in Pebble ."
    (fields,) = verify(_form(type="stake", buyers=["Larch"], target="Pebble", amount=1), s3,
                       find_money(s3), None)  # fmt: skip
    assert "amount" not in fields and fields["target"] == "Pebble"


def test_a_buyer_alone_is_no_deal_but_a_round_names_whose_it_is() -> None:
    s = "That was Netflix 's first-ever acquisition but may not be its last ."
    assert verify(_form(buyers=["Netflix"]), s, [], None) == []
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Netflix"])  # fmt: skip
    assert not states_a_deal(m)
    # Two companies merging are a deal without a target.
    s1 = "Kroger and Albertsons say their merger will help them compete ."
    merger = Mention(article_id="a", sentence=s1, start=0, end=len(s1), type="merger",
                     buyers=["Kroger", "Albertsons"])  # fmt: skip
    assert states_a_deal(merger)
    # With an amount the buyer's deal is worth a row ("Uber bought it for $680 million").
    s2 = "Uber bought it in August 2016 for a reported $ 680 million ."
    (fields,) = verify(_form(buyers=["Uber"], amount=1), s2, find_money(s2), None)
    assert fields["buyers"] == ["Uber"] and fields["amount"] == "$ 680 million"
    # A round the model gave no target: the company whose round it is.
    s3 = "Google Ventures then led Nest 's Series B round of financing , and in 2012 its Series C ."
    (fields,) = verify(_form(type="funding round", buyers=["Google Ventures"]), s3, [], None)
    assert fields["target"] == "Nest" and fields["by"]["target"] == "rule"
    assert fields["buyers"] == ["Google Ventures"]
    for sentence, owner in [
        ("Lightspeed led Anthropic’s latest $ 450 million funding round .", "Anthropic"),
        ("Sequoia joined Veldt Robotics' seed round .", "Veldt Robotics"),
        ("The firm led the company 's Series A round .", None),
        ("Sequoia led a Series A round in March .", None),
    ]:
        assert round_owner(sentence) == owner, sentence


def test_the_company_raising_the_money_is_the_rounds_target() -> None:
    from rag.deals.mentions import refresh_rules
    from rag.deals.roles import raises_money

    # The model swapped the sides: the raiser as investor, a bystander as target. A name
    # ending in an abbreviation ("Inc.") is the subject of "is raising" all the same.
    s = ("Electric carmaker Pebble Motors Inc. is raising a new round of financing after "
         "holding takeover talks with Larch Motor Co. , people said .")  # fmt: skip
    assert raises_money("Pebble Motors Inc", s) and not raises_money("Larch Motor Co", s)
    form = _form(type="funding round", buyers=["Pebble Motors Inc."], target="Larch Motor Co.")
    (fields,) = verify(form, s, [], None)
    assert fields["target"] == "Pebble Motors Inc" and fields["by"]["target"] == "rule"
    assert fields["buyers"] == []
    # Stored mentions read the same under today's rules, without the model.
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="funding round",
                buyers=["Pebble Motors Inc"], target="Larch Motor Co",
                by={"buyers": "model", "target": "model"})  # fmt: skip
    m = refresh_rules(m)
    assert m.target == "Pebble Motors Inc" and m.buyers == []
    # A target the words mark as an investor joins the investors when the raiser takes its
    # place.
    s3 = ("Pebble Labs is raising $ 50 million in a Series B round , and Larch Capital 's "
          "investment leads it .")  # fmt: skip
    form3 = _form(type="funding round", buyers=["Pebble Labs"], target="Larch Capital")
    (fields,) = verify(form3, s3, [], None)
    assert fields["target"] == "Pebble Labs" and fields["buyers"] == ["Larch Capital"]
    m = Mention(article_id="a", sentence=s3, start=0, end=len(s3), type="funding round",
                buyers=["Pebble Labs"], target="Larch Capital",
                by={"buyers": "model", "target": "model"})  # fmt: skip
    m = refresh_rules(m)
    assert m.target == "Pebble Labs" and m.buyers == ["Larch Capital"]
    # A target the words mark stays: the raiser only leaves the investors.
    s2 = "Quintel Capital is raising a fund and bought a stake in Harlow ."
    m = Mention(article_id="a", sentence=s2, start=0, end=len(s2), type="funding round",
                buyers=["Quintel Capital"], target="Harlow",
                by={"buyers": "model", "target": "model"})  # fmt: skip
    assert refresh_rules(m).target == "Harlow"


def test_who_buys_something_else_in_the_same_sentence_is_no_buyer_of_this_deal() -> None:
    from rag.deals.mentions import refresh_rules
    from rag.deals.roles import buys_another

    s = ("After the split , Harlow Group acquired Pebble Labs ' robotics unit , while Quintel "
         "Capital and Larch Partners bought Ferncastle and its patents .")  # fmt: skip
    unit = ["Pebble Labs ' robotics unit"]
    assert not buys_another("Harlow Group", unit, s)
    assert buys_another("Quintel Capital", unit, s) and buys_another("Larch Partners", unit, s)
    form = _form(buyers=["Harlow Group", "Quintel Capital", "Larch Partners"], target=unit[0])
    (fields,) = verify(form, s, [], None)
    assert fields["buyers"] == ["Harlow Group"] and fields["target"].startswith("Pebble Labs")
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Harlow Group", "Quintel Capital", "Larch Partners"], target=unit[0],
                by={"buyers": "model", "target": "model"})  # fmt: skip
    assert refresh_rules(m).buyers == ["Harlow Group"]
    # Co-buyers of the one target stay, and so does a buyer named in an aside; a mention
    # keeps its buyers when every one of them buys something else.
    s2 = "Quintel Capital and Larch Partners acquired Ferncastle Inc. for $ 2 billion ."
    assert not buys_another("Larch Partners", ["Ferncastle Inc"], s2)
    assert not buys_another("Larch Partners", ["Ferncastle"], s2)
    s3 = "Harlow , which bought Pebble in 2019 , agreed to acquire Ferncastle ."
    assert not buys_another("Harlow", ["Ferncastle"], s3)
    s4 = "Harlow bought Pebble last year ."
    (fields,) = verify(_form(buyers=["Harlow"], target="Pebble"), s4, [], None)
    assert fields["buyers"] == ["Harlow"]
    assert not buys_another("Harlow", [], s4)


def test_a_merger_partner_is_the_target_at_extraction_and_in_stored_mentions() -> None:
    from rag.deals.mentions import refresh_rules

    s = ("Harlow Air , which is still integrating merger partner Pebble Jet , beat Quintel "
         "Airways in this year 's ratings .")  # fmt: skip
    assert role_of("Pebble Jet", s) == "target" and role_of("Quintel Airways", s) is None
    form = _form(type="merger", buyers=["Harlow Air", "Pebble Jet"], target="Quintel Airways")
    (fields,) = verify(form, s, [], None)
    assert fields["buyers"] == ["Harlow Air"] and fields["target"] == "Pebble Jet"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="merger",
                buyers=["Harlow Air", "Pebble Jet"], target="Quintel Airways",
                by={"buyers": "model", "target": "model"})  # fmt: skip
    m = refresh_rules(m)
    assert m.buyers == ["Harlow Air"] and m.target == "Pebble Jet" and m.by["target"] == "rule"
    # "the acquisition target Ferncastle" too; a target the words mark stays.
    assert role_of("Ferncastle", "Larch named the acquisition target Ferncastle .") == "target"
    s2 = "Larch , a merger partner of Harlow , agreed to acquire Ferncastle ."
    m = Mention(article_id="a", sentence=s2, start=0, end=len(s2), type="acquisition",
                buyers=["Larch", "Harlow"], target="Ferncastle",
                by={"buyers": "model", "target": "model"})  # fmt: skip
    assert refresh_rules(m).target == "Ferncastle"


def test_a_company_the_sentence_names_by_its_first_words_is_found() -> None:
    s = "Goldman also took another step by acquiring savings platform Honest Dollar last May ."
    (fields,) = verify(_form(buyers=["Goldman Sachs"], target="Honest Dollar"), s, [], None)
    assert fields["buyers"] == ["Goldman"] and fields["target"] == "Honest Dollar"
    assert checked_name("Lucid Motors Inc.", "Lucid is raising its fourth round .") == "Lucid"
    # Not a first word that names no company alone, one followed by another name, or a
    # connector left dangling ("Jet and").
    assert checked_name("General Motors", "General Electric bought Pebble .") is None
    assert checked_name("Pebble Labs", "Larch bought Pebble Bay Labs .") is None
    assert checked_name("Jet and Marc Lore", "Wal-Mart bought Jet and gave it to Lore .") == "Jet"
    # "Boeing Co. 's bid": a name ending in an abbreviation keeps its side.
    s2 = "Boeing Co. 's purported bid for Embraer SA looks low ."
    assert role_of("Boeing Co", s2) == "buyer" and role_of("Embraer SA", s2) == "target"
    assert verify({"deal": False}, s2, [], None)[0]["buyers"] == ["Boeing Co"]


def test_a_valuation_named_with_its_company_is_no_amount() -> None:
    from rag.deals.mentions import refresh_rules

    s = "Pebble secured Series D funding that valued Pebble at over $ 1 billion ."
    (fields,) = verify(_form(type="funding round", target="Pebble", amount=1), s,
                       find_money(s), None)  # fmt: skip
    assert "amount" not in fields and fields["valuation"] == "over $ 1 billion"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="funding round",
                target="Pebble", amount="over $ 1 billion", amount_usd=1e9)  # fmt: skip
    m = refresh_rules(m)
    assert m.amount is None and m.valuation == "over $ 1 billion"
    # The amount raised at a valuation stays the amount.
    s2 = "Pebble raised $ 50 million at a valuation of $ 1 billion ."
    (fields,) = verify(_form(type="funding round", target="Pebble", amount=1, valuation=2), s2,
                       find_money(s2), None)  # fmt: skip
    assert fields["amount"] == "$ 50 million" and fields["valuation"] == "$ 1 billion"


def test_a_name_that_describes_the_thing_bought_is_no_party() -> None:
    from rag.deals.filter import states_kind
    from rag.deals.mentions import refresh_rules
    from rag.deals.names import is_authority

    for s, target in (
        ("Larch is ramping up routes out of its Harlow hub after the Pebble merger .", "Harlow"),
        ("The deal gives Larch a major stake in the Pebble Bay field .", "Pebble Bay"),
        ("Larch has done well acquiring TV deals and Pebble rights .", "TV"),
        (
            "Larch has a 51 % stake in the Pebble project , and said its investment will be "
            "$ 1.3 billion .",
            "Pebble",
        ),
        (
            "The end of sports at Orchard College because of Larch 's purchase of the Pebble "
            "private institution lets the team grow .",
            "Pebble",
        ),
    ):
        # The target goes, and a buyer alone is no deal.
        assert verify(_form(buyers=["Larch"], target=target), s, [], None) == [], s
        m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                    buyers=["Larch"], target=target)  # fmt: skip
        assert refresh_rules(m).target is None
    # A name used as a party elsewhere in the sentence, and "the Pebble deal", still count.
    for s in (
        "Larch bought Harlow , and the Harlow hub with it , for $ 2 billion .",
        "Larch closed the Harlow deal , buying the maker for $ 2 billion .",
    ):
        (fields,) = verify(_form(buyers=["Larch"], target="Harlow"), s, [], None)
        assert fields["target"] == "Harlow", s
    # A part of a regulator is no party either.
    assert is_authority("Justice Department’s Antitrust Division")
    assert not is_authority("Justice Capital Partners")
    # Secured financing is debt, whoever the sentence calls investors; a country is no party.
    s6 = ("The company has several sources of secured financing , including investors "
          "represented by U.S. Bank ( $ 677.1 million ) .")  # fmt: skip
    assert not states_kind("funding round", s6)
    assert is_authority("Yemen") and is_authority("South Africa")
    # Backing by a government is no venture backing.
    s = "The government-backed project Pebble awarded Larch $ 6.5 billion to build a network ."
    assert not states_kind("funding round", s)
    assert states_kind("funding round", "The venture-backed Pebble raised $ 65 million .")


def test_a_bystander_buyer_gives_way_to_the_one_the_words_name() -> None:
    from rag.deals.mentions import refresh_rules
    from rag.deals.roles import _bought_by

    s = "The founder , who previously sold Pebble to Larch , now runs Orchard 's online arm ."
    (fields,) = verify(_form(buyers=["Orchard"], target="Pebble"), s, [], None)
    assert fields["buyers"] == ["Larch"] and fields["by"]["buyers"] == "rule"
    # Not a name before "to acquire" that is what is paid, nor a possessive's owner.
    s2 = "But Larch Corp. paid 13 times Ebitda to acquire Pebble from Orchard in 2015 ."
    (fields,) = verify(_form(buyers=["Larch Corp"], target="Pebble"), s2, [], None)
    assert fields["buyers"] == ["Larch Corp"]
    s3 = (
        "Critics said Orchard College accepted Pebble's gift , selling its name to Larch's allies ."
    )
    (fields,) = verify(_form(buyers=["Orchard College"], target="Pebble"), s3, [], None)
    assert fields["buyers"] == ["Orchard College"]
    # A subject set off by commas buys outright: "one of his investment vehicles, Triarc Cos.,
    # acquired Snapple". Stored mentions are read the same way.
    s4 = "Ann rose in 1997 when one of her firms , Larch Cos. , acquired Pebble from Orchard ."
    (fields,) = verify(_form(buyers=["Ann"], target="Pebble"), s4, [], None)
    assert fields["buyers"] == ["Larch Cos"] and fields["by"]["buyers"] == "rule"
    m = Mention(article_id="a", sentence=s4, start=0, end=len(s4), type="acquisition",
                buyers=["Ann"], target="Pebble")  # fmt: skip
    assert refresh_rules(m).buyers == ["Larch Cos"]
    # Not a target set off by commas that was bought ("Pebble , acquired last year , ...").
    s5 = "Larch said its unit , Pebble , acquired last year , grew fast ."
    assert not _bought_by("Pebble", s5)


def test_the_subject_of_buying_the_target_is_a_buyer() -> None:
    from rag.deals.mentions import refresh_rules

    s = "Led by Ann , the partnership Larch Baseball Management purchased the Pebbles in 2012 ."
    (fields,) = verify(_form(buyers=["Ann"], target="Pebbles"), s, [], None)
    assert fields["buyers"] == ["Ann", "Larch Baseball Management"]
    assert fields["by"]["buyers"] == "rule"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Ann"], target="Pebbles")  # fmt: skip
    assert refresh_rules(m).buyers == ["Ann", "Larch Baseball Management"]
    # Not a buyer's longer name, nor who bought something else.
    for s, buyers in [
        ("Chicago 's Larch Brewing Company bought Pebble in 2017 .", ["Larch Brewing Company"]),
        ("Harlow bought Quintel , and Larch bought Pebble .", ["Larch"]),
    ]:
        (fields,) = verify(_form(buyers=buyers, target="Pebble"), s, [], None)
        assert fields["buyers"] == buyers, s


def test_a_stored_target_no_words_mark_gives_way_to_the_one_they_mark() -> None:
    from rag.deals.mentions import refresh_rules

    s = (
        "Larch also is the controlling shareholder of Pebble Group , the company that in "
        "January announced a hostile takeover effort for Quintel , which owns Orchard ."
    )
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Larch"], target="Pebble Group")  # fmt: skip
    assert refresh_rules(m).target == "Quintel"
    # Not another target of the same list: "acquired Janie and Jack" marks both.
    s2 = "The Gap acquired Janie and Jack for $ 35 million ."
    m = Mention(article_id="a", sentence=s2, start=0, end=len(s2), type="acquisition",
                buyers=["Gap"], target="Jack")  # fmt: skip
    assert refresh_rules(m).target == "Jack"


def test_who_was_signed_is_no_party_and_a_described_name_bought_is_the_target() -> None:
    from rag.deals.mentions import refresh_rules

    s = (
        "And the streaming provider signed filmmakers Ann and Bo Lee for a western called The "
        "Ballad of Pebble and acquired comic book publisher Larchworld , home of Orchard ."
    )
    (fields,) = verify(_form(buyers=["Ann and Bo Lee", "Larchworld"],
                             target="Ballad of Pebble"), s, [], None)  # fmt: skip
    assert fields["target"] == "Larchworld"
    # Stored and read (as the deal table reads every mention), the filmmakers are no buyers.
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Ann and Bo Lee", "Larchworld"], target="Ballad of Pebble",
                by={"buyers": "model", "target": "model"})  # fmt: skip
    m = refresh_rules(m)
    assert m.target == "Larchworld" and m.buyers == []
    # Who signs, or a company signed up as well as buying, keeps its side.
    s2 = "Harlow signed a deal to acquire Pebble , and Larch hired Ann Lee ."
    (fields,) = verify(_form(buyers=["Harlow"], target="Pebble"), s2, [], None)
    assert fields["buyers"] == ["Harlow"] and fields["target"] == "Pebble"


def test_rules_16_spending_gifts_zoos_buildings_reversed_sides_and_swapped_valuations() -> None:
    from rag.deals.filter import states_kind
    from rag.deals.mentions import refresh_rules
    from rag.deals.names import is_authority

    # Money spent or held with nothing named to hold a stake in is no stake.
    s = "Larch has at least $ 5.3 billion invested in fossil fuel companies ."
    form = _form(type="stake", buyers=["Larch"], amount=1)
    assert verify(form, s, find_money(s), None) == []
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="stake",
                buyers=["Larch"], amount="at least $ 5.3 billion", amount_usd=5.3e9)  # fmt: skip
    assert not states_a_deal(refresh_rules(m))
    (fields,) = verify(_form(type="stake", buyers=["Larch"], target="Pebble", amount=1),
                       "Larch has invested $ 5 million in Pebble .",
                       find_money("Larch has invested $ 5 million in Pebble ."), None)  # fmt: skip
    assert fields["target"] == "Pebble"
    # Any government department is no party; a firm with the word in its name is.
    assert is_authority("Department of Correction") and is_authority("Texas Department of Revenue")
    assert not is_authority("Department Store Holdings")
    # Gifts and public money are no funding round, unless the venture trade's words say so.
    assert not states_kind("funding round", "The fundraising goal through the Pebble "
                           "Foundation is $ 4.5 million , for an endowment .")  # fmt: skip
    assert not states_kind("funding round", "The $ 10 million provided to Pebble as part of the "
                           "American Rescue Plan is its latest round of funding .")  # fmt: skip
    assert states_kind("funding round", "The start-up Pebble , a former university project , "
                       "raised $ 10 million in a Series A round .")  # fmt: skip
    # Who announces a deal with the buyer is no buyer when the sentence names whose it is.
    s = "Larch and the Orchard Company announced the completion of Larch 's Pebble acquisition ."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Larch", "Orchard Company"], target="Pebble")  # fmt: skip
    assert refresh_rules(m).buyers == ["Larch"]
    s = "Larch and Orchard agreed to buy Pebble together ."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Larch", "Orchard"], target="Pebble")  # fmt: skip
    assert refresh_rules(m).buyers == ["Larch", "Orchard"]
    # A valuation the model gave as the amount, and the amount as the valuation, swap.
    s = "Pebble said its valuation had risen to $ 127 billion and it has raised $ 2 billion ."
    (fields,) = verify(_form(type="funding round", target="Pebble", amount=1, valuation=2), s,
                       find_money(s), None)  # fmt: skip
    assert fields["amount"] == "$ 2 billion" and fields["valuation"] == "$ 127 billion"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="funding round",
                target="Pebble", amount="$ 127 billion", amount_usd=127e9,
                valuation="$ 2 billion", valuation_usd=2e9)  # fmt: skip
    m = refresh_rules(m)
    assert (m.amount, m.amount_usd, m.valuation) == ("$ 2 billion", 2e9, "$ 127 billion")
    # A region of a place is a place; a deal word ending a headline's name is no part of it.
    assert is_authority("East Tennessee") and is_authority("Northern California")
    assert not is_authority("North American Airlines")
    s = "Regulators Let Larch Proceed with Pebble Robotics Acquisition"
    assert checked_name("Pebble Robotics Acquisition", s) == "Pebble Robotics"
    assert checked_name("Larch Acquisition Corp", "Larch Acquisition Corp bought it .") == (
        "Larch Acquisition Corp"
    )
    # Animals bought by zoos, and buildings named as such, are no company deals.
    for s in (
        "The Larch Zoo acquired Pebble and sister Orchard in 2005 from the Harbor Zoo .",
        "Larch paid $ 41 million to buy the Pebble Centre in Harbor , an eight-story office "
        "building .",
        "The extravagant structure was purchased by Larch Properties LLC for $ 6.5 million .",
    ):
        assert not list(candidates(s)), s
    assert list(candidates("Larch bought the Pebble Group , the owner of the building , for "
                           "$ 2 billion ."))  # fmt: skip
    assert not list(candidates("Orchard pledged the $ 25 million needed to buy the former "
                               "Pebble Ranch ."))  # fmt: skip
    # Things counted or described by a name are no party: "one Arc unit", "General Motors data".
    m = Mention(article_id="a", sentence="", start=0, end=0, type="acquisition",
                buyers=["Larch"], target="Pebble")  # fmt: skip
    for s in ("Larch bought one Pebble unit for each of its 372 campuses for $ 7.4 million .",
              "Larch presented maps from the recently acquired Pebble data ."):  # fmt: skip
        m.sentence, m.target = s, "Pebble"
        assert refresh_rules(m).target is None, s
    # Sides the model reversed are set right: "after it was acquired by billionaire Larch".
    s = "Pebble laid off thousands one week after it was acquired by billionaire Larch Orchard ."
    assert role_of("Larch Orchard", s) == "buyer"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Pebble"], target="Larch Orchard")  # fmt: skip
    m = refresh_rules(m)
    # ... and the one other party the model named is then what was bought.
    assert (m.buyers, m.target) == (["Larch Orchard"], "Pebble") and states_a_deal(m)
    s = "Pebble was bought by private equity firm Larch Capital for $ 2 billion ."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Pebble"], target="Larch Capital")  # fmt: skip
    m = refresh_rules(m)
    assert (m.buyers, m.target) == (["Larch Capital"], "Pebble")
    # "Pebble's $ 9.3 billion purchase by Larch": Pebble is bought, not the buyer.
    s = "Orchard and Larch cleared the way for Pebble 's $ 9.3 billion purchase by Larch ."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Pebble", "Larch"], target=None, amount="$ 9.3 billion")  # fmt: skip
    assert "Larch" in refresh_rules(m).buyers
    # Where something is, who reports that "it" did something, and a generic plural are no
    # party; a company invested in, or who says "it" will invest, still are.
    for s, name in (
        ("Orchard recently acquired a lumber company in Pebble .", "Pebble"),
        (
            "The takeover by extremists of the Orchard Refuge , 300 miles southeast of Pebble .",
            "Pebble",
        ),  # fmt: skip
        ("Small companies can now sell up to $ 50 million in shares .", "Small companies"),
    ):
        m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                    buyers=["Orchard"], target=name)  # fmt: skip
        assert refresh_rules(m).target is None, s
    s = "The Pebble Journal reported it walked away from a deal to be acquired by Larch ."
    assert is_source("Pebble Journal", s)
    assert not is_source("Larch", "Larch said it was investing $ 1 billion in Pebble .")
    m = Mention(article_id="a", sentence="Larch invested $ 5 million in Pebble .", start=0,
                end=38, type="stake", buyers=["Larch"], target="Pebble")  # fmt: skip
    assert refresh_rules(m).target == "Pebble"


def test_a_valued_at_amount_is_a_valuation_not_a_price() -> None:
    s = "Nordwind Capital invested in Veldt AI, valued at $2 billion."
    (fields,) = verify(_form(type="stake", buyers=["Nordwind Capital"], target="Veldt AI",
                             amount=1), s, find_money(s), None)  # fmt: skip
    assert "amount" not in fields and fields["valuation"] == "$2 billion"
    # What a thing was assessed at is its worth, not a price: a buyer alone is left, no deal.
    mall = "The mall was assessed at around $16 million when the Harlow Authority purchased it."
    form = _form(buyers=["Harlow Authority"], amount=1)
    assert verify(form, mall, find_money(mall), None) == []
    from rag.deals.mentions import refresh_rules, states_a_deal

    m = Mention(article_id="a", sentence=mall, start=0, end=len(mall), type="acquisition",
                buyers=["Harlow Authority"], amount="around $16 million",
                amount_usd=1.6e7)  # fmt: skip
    assert not states_a_deal(refresh_rules(m))


def test_a_companys_sales_are_no_price_and_a_seller_is_no_party() -> None:
    from rag.deals.mentions import refresh_rules

    s = "Larch paid a rich price to buy Pebble , a start-up with around $ 1 billion in sales ."
    (fields,) = verify(_form(buyers=["Larch"], target="Pebble", amount=1), s, find_money(s),
                       None)  # fmt: skip
    assert "amount" not in fields and fields["target"] == "Pebble"
    s2 = "Larch agreed to buy Pebble for $ 1 billion , twice its annual sales ."
    (fields,) = verify(_form(buyers=["Larch"], target="Pebble", amount=1), s2,
                       find_money(s2), None)  # fmt: skip
    assert fields["amount"] == "$ 1 billion"
    s3 = "Redwood Partners purchased 40 acres of land from the Harbor Authority ."
    # No target (so no deal: a buyer alone) ...
    form = _form(buyers=["Redwood Partners"], target="Harbor Authority")
    assert verify(form, s3, [], None) == []
    # ... nor the lead investor.
    s5 = "Redwood Partners bought Pebble Robotics from the Harbor Authority ."
    (fields,) = verify(_form(buyers=["Redwood Partners"], lead="Harbor Authority",
                             target="Pebble Robotics"), s5, [], None)  # fmt: skip
    assert fields["buyers"] == ["Redwood Partners"] and fields["lead"] is None
    # Stored mentions follow the same rules without the model reading them again.
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Larch"], target="Pebble", amount="$ 1 billion", amount_low=1e9,
                amount_high=1e9, currency="USD", amount_usd=1e9)  # fmt: skip
    refreshed = refresh_rules(m)
    assert refreshed.amount is None and refreshed.amount_usd is None
    m3 = Mention(article_id="a", sentence=s3, start=0, end=len(s3), type="acquisition",
                 buyers=["Redwood Partners"], target="Harbor Authority")  # fmt: skip
    assert refresh_rules(m3).target is None
    # Who sells is no buyer, in a new form and in a stored mention ...
    s4 = "Larch has since sold off 120 of its stores to three grocery chains for $ 600 million ."
    assert verify(_form(buyers=["Larch"], amount=1), s4, find_money(s4), None) == []
    m4 = Mention(article_id="a", sentence=s4, start=0, end=len(s4), type="acquisition",
                 buyers=["Larch"])  # fmt: skip
    assert refresh_rules(m4).buyers == []
    # ... but a company that sells itself is the target, and its buyer stays.
    s5 = "Pebble agrees to sell itself to Larch in a deal valued at $ 44 billion ."
    (fields,) = verify(_form(buyers=["Larch"], target="Pebble"), s5, find_money(s5), None)
    assert fields["buyers"] == ["Larch"] and fields["target"] == "Pebble"


def test_an_amount_under_a_million_is_no_deal_amount() -> None:
    from rag.deals.mentions import refresh_rules

    s = "The acquisition of Pebble adds $ 0.06 to $ 0.09 a year to Larch 's earnings ."
    (fields,) = verify(_form(buyers=["Larch"], target="Pebble", amount=1), s, find_money(s),
                       None)  # fmt: skip
    assert "amount" not in fields and fields["target"] == "Pebble"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Larch"], target="Pebble", amount="$ 0.06 to $ 0.09", amount_low=0.06,
                amount_high=0.09, currency="USD", amount_usd=0.06)  # fmt: skip
    assert refresh_rules(m).amount is None
    # A campaign sentence that states a deal stays a candidate.
    deal = "Larch agreed to acquire Pebble , the campaign software maker , for $ 40 million ."
    assert list(candidates(deal))


def test_two_targets_become_two_mentions() -> None:
    s = "Zhipu AI and Baichuan AI also received funding from Alibaba in 2023."
    forms = verify(_form(type="funding round", buyers=["Alibaba"],
                         target="Zhipu AI and Baichuan AI"), s, [], None)  # fmt: skip
    assert [f["target"] for f in forms] == ["Zhipu AI", "Baichuan AI"]


def test_extract_gives_offsets_into_the_article() -> None:
    text = "Intro sentence here.\nHarlow Systems agreed to acquire Quintel Games for $6.8 billion."
    fill = ScriptedForms({"Quintel": _form(buyers=["Harlow Systems"], target="Quintel Games",
                                           amount=1)})  # fmt: skip
    (m,) = extract("a1", text, fill, published=date(2024, 2, 1), outlet="example.com")
    assert text[m.start : m.end] == m.sentence
    assert m.published == "2024-02-01" and m.outlet == "example.com"
    assert fill.seen == [m.sentence]  # the intro was never shown to the model


# -- "it" and "the company" as buyers ----------------------------------------------------------

_ATT = (
    "AT&T Is Betting Big on Media\n"
    "AT&T reported a drop in pay TV subscribers on Tuesday , and analyst Jane Smith of "
    "Moody 's said in March that the U.S. market is saturated .\n"
    "AT&T is not going to wait for its business to stagnate .\n"
    "It already became the biggest pay TV provider in the U.S. after it bought DirecTV in "
    "2015 .\n"
    "In February , it agreed to sell its stake in GM East Africa to Isuzu ."
)


def test_it_stands_for_the_company_the_article_names_most() -> None:
    title = _ATT.split("\n")[0]
    at = _ATT.index("it bought")
    assert antecedent(_ATT, at, title) == ("AT&T", _ATT.index("AT&T is not"))
    # Names seen once (an analyst, a ratings firm) and places are no candidates.
    assert antecedent("Jane Smith said it bought Veldt .", 15) is None
    # A company in the reference's own sentence, named before, wins over the look-back.
    text = "Veldt grew .\nVeldt sold chips .\nHarlow and Harlow staff said it bought Veldt ."
    assert antecedent(text, text.index("it bought")) == ("Harlow", text.index("Harlow staff"))


def test_a_buyer_named_only_as_it_is_filled_in_with_where_it_is_named() -> None:
    title = _ATT.split("\n")[0]
    start = _ATT.index("It already")
    end = _ATT.index("\n", start)
    sentence = _ATT[start:end]
    (fields,) = verify(_form(buyers=[], target="DirecTV"), sentence, [], None,
                       resolver(_ATT, start, end, title))  # fmt: skip
    assert fields["buyers"] == ["AT&T"] and fields["by"]["buyers"] == "rule"
    ref = fields["refs"]["AT&T"]
    assert sentence[ref["start"] : ref["end"]] == "it" and ref["text"] == "it"
    assert ref["context"] == "AT&T is not going to wait for its business to stagnate ."
    # Without a resolver (or with no company to stand for) nothing is added.
    (fields,) = verify(_form(buyers=[], target="DirecTV"), sentence, [], None)
    assert fields["buyers"] == [] and fields["refs"] == {}


def test_a_seller_named_as_it_is_no_buyer() -> None:
    start = _ATT.index("In February")
    sentence = _ATT[start:]
    (fields,) = verify(_form(type="stake", buyers=["Isuzu"], target="GM East Africa"), sentence,
                       [], None, resolver(_ATT, start, len(_ATT), None))  # fmt: skip
    assert fields["buyers"] == ["Isuzu"] and fields["refs"] == {}


def test_a_buyer_the_model_named_keeps_its_name_and_gains_the_reference() -> None:
    text = ("Amazon Buys Whole Foods\nAmazon.com Inc. shares rose .\n"
            "With its $ 13.7 billion acquisition of Whole Foods Market , Amazon.com Inc. has "
            "changed retail .")  # fmt: skip
    start = text.index("With")
    sentence = text[start:]
    (fields,) = verify(_form(buyers=["Amazon.com Inc."], target="Whole Foods Market", amount=1),
                       sentence, find_money(sentence), None,
                       resolver(text, start, len(text), "Amazon Buys Whole Foods"))  # fmt: skip
    assert fields["buyers"] == ["Amazon.com Inc"] and fields["by"]["buyers"] == "model"
    assert fields["refs"]["Amazon.com Inc"]["text"] == "its"
    # "its" comes before the quote names Amazon: the sentence before is where it stands named.
    assert fields["refs"]["Amazon.com Inc"]["context"] == "Amazon.com Inc. shares rose ."


def test_extract_resolves_it_and_show_says_so() -> None:
    fill = ScriptedForms({"DirecTV": _form(buyers=["it"], target="DirecTV")})
    m, sale = extract("att", _ATT, fill, title=_ATT.split("\n")[0])
    assert m.buyers == ["AT&T"] and m.refs["AT&T"]["text"] == "it"
    # The model saw no deal in the stake sale; the words name both sides of it.
    assert (sale.buyers, sale.target, sale.by["buyers"]) == (["Isuzu"], "GM East Africa", "rule")
    from rag.deals.render import deal_detail

    (deal,) = merge([m])
    shown = deal_detail(deal)
    assert "buyers AT&T (as “it”, named in: “AT&T is not going to wait" in shown
    from rag.deals.answer import _passage, _said

    # The chat's source for the deal holds the sentence that names the buyer, then the quote.
    assert _passage(deal).text.startswith("AT&T is not going to wait")
    assert m.sentence in _passage(deal).text
    # ... and a question naming AT&T finds the deal, although its quote says "it".
    assert "at&t" in _said(deal) and "at&t" not in m.sentence.lower()


@pytest.mark.parametrize(
    "sentence, given, party",
    [
        ("A group led by American investor Tom Larch bought the club for $5 billion.",
         "American", "Tom Larch"),
        ("Chinese tech giant Quintel led the round.", "Chinese", "Quintel"),
        ("Texas oil producer Pebble Energy agreed to be bought by Harlow.", "Texas",
         "Pebble Energy"),
        ("British chip designer Arm Holdings was bought by Ferncastle.", "British",
         "Arm Holdings"),
        # The model gives the whole description: the name it describes is the party.
        ("Japanese conglomerate Harlow Group Corp. bought Pebble.",
         "Japanese conglomerate Harlow Group Corp.", "Harlow Group Corp."),
        # A nationality that describes no name after it is left as it is (and is then no
        # party: `is_authority`).
        ("American and US Airways agreed to merge.", "American", "American"),
        ("The Swiss owner of a pulp mill in Alabama sold it to Harlow.", "Swiss", "Swiss"),
        ("China bought none of the $200 billion of US exports.", "China", "China"),
    ],
)  # fmt: skip
def test_a_nationality_before_what_someone_is_gives_way_to_their_name(
    sentence: str, given: str, party: str
) -> None:
    assert checked_name(given, sentence) == party


def test_a_stored_nationality_is_read_as_the_name_it_describes() -> None:
    from rag.deals.mentions import refresh_rules

    s = "A new ownership group, led by American investor Tom Larch, bought the club for $5 billion."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["American"], lead="American", amount="$5 billion", amount_usd=5e9,
                published="2022-09-07", by={"buyers": "model", "lead": "model"})  # fmt: skip
    m = refresh_rules(m)
    assert (m.buyers, m.lead, m.by["buyers"]) == (["Tom Larch"], "Tom Larch", "rule")
    assert states_a_deal(m)


def test_a_player_acquired_next_to_a_touchdown_is_a_trade_but_a_team_sold_is_a_deal() -> None:
    text = (
        "The Harlow Chiefs took the lead in the fourth quarter.\n"
        "Pebbles, acquired by the Chiefs during the season, was the pivotal move.\n"
        "His 5-yard touchdown put the Chiefs ahead.\n"
        "The pitcher threw 98 miles an hour.\n"
        "Quintel Partners purchased the Harlow Dodgers in 2012 for $2.15 billion."
    )
    found = [text[s:e] for s, e, _ in candidates(text)]
    assert found == ["Quintel Partners purchased the Harlow Dodgers in 2012 for $2.15 billion."]
    # Alone, without the game around it, the first sentence is still a candidate.
    assert list(candidates("Pebbles, acquired by the Chiefs during the season, was pivotal."))


def test_a_campus_sold_is_no_company_deal() -> None:
    s = "It plans to sell its current Lower Campus to the drugmaker Quintel for $50 million."
    assert not list(candidates(s))


@pytest.mark.parametrize(
    "sentence, form, expected",
    [
        # Days, months, roads and holidays are no party.
        ("Harlow Holdings announced the purchase Tuesday; records show it closed for $140 "
         "million.", _form(buyers=["Harlow Holdings"], target="Tuesday", amount=1),
         (["Harlow Holdings"], None)),
        ("The ranch land was acquired in the park service's purchase Aug. 31.",
         _form(target="Aug"), None),
        ("The stretch merges with Interstate 90 at the interchange.",
         _form(type="merger", target="Interstate 90"), None),
        ("The 2000 Assembly brought an end to Lee-Jackson-King Day when the holidays merged.",
         _form(type="merger", target="Lee-Jackson-King Day"), None),
        # "'s" ending a clause is part of the name; before a noun it is a possessive.
        ("In 2008, Triarc merged with fast-food giant Pebble's.",
         _form(type="merger", buyers=["Triarc"], target="Pebble's"), (["Triarc"], "Pebble's")),
        # The 2023 corpus: who merged, read from a verb joined by "and" (the model gave none).
        ("Work resumed after Harlow assessed the site and merged with Ohio-based Pebble Paper, "
         "a deal Reed backed.", _form(type="merger", target="Pebble Paper"),
         (["Harlow"], "Pebble Paper")),
        ("Work resumed after Harlow assessed the site and Reed merged with Pebble Paper.",
         _form(type="merger", target="Pebble Paper"), (["Reed"], "Pebble Paper")),
        ("Harlow's purchase of Pebble closed.", _form(buyers=["Harlow's"], target="Pebble"),
         (["Harlow"], "Pebble")),
        # Where a company is is no part of its name.
        ("Harlow agreed to acquire Boston-based Pebble Inc. this week.",
         _form(buyers=["Harlow"], target="Boston-based Pebble Inc."), (["Harlow"], "Pebble Inc")),
        ("Harlow invested $158 million in Boston-based Pebble Inc., a retailer.",
         {"deal": False}, (["Harlow"], "Pebble Inc")),
        # "Pebble's purchase by Harlow": Pebble is bought, whatever else Pebble sells.
        ("Pebble sold its coatings unit to Quintel, clearing the way for Pebble’s $9.3 billion "
         "purchase by Harlow.", _form(buyers=["Harlow"], target="Pebble", amount=1),
         (["Harlow"], "Pebble")),
        # Sold "to the software company Quintel": Quintel buys (the seller's unit, unnamed).
        ("Ferncastle agreed to sell its games unit to the software company Quintel for $40 "
         "million.", _form(buyers=["Ferncastle"], target="Quintel", amount=1),
         (["Quintel"], None)),
        # Who a party speaks to is a newsroom, not a buyer.
        ("“We will close it soon,” Harlow’s chief said to the Gazette about the purchase of "
         "Pebble.", _form(buyers=["Gazette"], target="Pebble"), ([], "Pebble")),
    ],
)  # fmt: skip
def test_what_the_words_around_a_name_make_of_it(
    sentence: str, form: dict[str, Any], expected: tuple[list[str], str | None] | None
) -> None:
    found = verify(form, sentence, find_money(sentence), date(2023, 10, 1))
    assert ((found[0]["buyers"], found[0]["target"]) if found else None) == expected


_CLUB = (
    "Harlow Rovers sack their manager after a poor start\n"
    "Harlow Rovers have sacked their manager after a run of poor results.\n"
    "Fans of Harlow Rovers had called for change since the summer.\n"
    "A new ownership group, led by American investor Tom Larch, bought the club for more than "
    "$5 billion earlier this year.\n"
    "Since Larch took charge, Harlow Rovers have spent heavily on players."
)


def test_the_company_bought_is_the_one_the_title_names() -> None:
    form = _form(buyers=["American"], lead="American", target=None, amount=1)
    fill = ScriptedForms({"bought the club": form})
    title = _CLUB.split("\n")[0]
    (m,) = [x for x in extract("club", _CLUB, fill, title=title) if "club" in x.sentence]
    assert (m.buyers, m.lead, m.target) == (["Tom Larch"], "Tom Larch", "Harlow Rovers")
    assert (m.by["buyers"], m.by["lead"], m.by["target"]) == ("rule", "rule", "rule")
    assert m.refs["Harlow Rovers"]["text"] == "the club"
    from rag.deals.render import deal_detail

    (deal,) = merge([m])
    shown = deal_detail(deal)
    assert "target Harlow Rovers (as “the club”, named in: “Harlow Rovers have sacked" in shown
    from ui.deals_tab import deal_html

    assert "Harlow Rovers: “the club” here, named in “Harlow Rovers have sacked" in deal_html(
        deal, {}
    )
    # A title that does not name the club leaves what was bought unknown: the most named
    # company of the text alone is too often the wrong one.
    found = [x for x in extract("club", _CLUB, fill, title="Transfer news") if "club" in x.sentence]
    assert [x.target for x in found] == [None]


def test_the_retailer_bought_after_a_clause_is_the_one_the_title_names() -> None:
    """ "The retailer, which emerged from bankruptcy this month after being acquired by ..."
    names what was bought only as "the retailer": the company the title names."""
    text = ("Pebble Stores closing more stores after exiting bankruptcy\n"
            "Pebble Stores will close more stores in the spring.\n"
            "The retailer, which emerged from bankruptcy this month after being acquired by mall "
            "owners Larch Property Group and Quintel Asset Management Inc., will close another "
            "15 stores.")  # fmt: skip
    form = _form(buyers=["Larch Property Group", "Quintel Asset Management Inc."], lead=None,
                 target="retailer (emerged from bankruptcy)", amount=None)  # fmt: skip
    fill = ScriptedForms({"after being acquired": form})
    title = text.split("\n")[0]
    (m,) = extract("pebble", text, fill, title=title)
    assert m.target == "Pebble Stores" and m.by["target"] == "rule"
    assert m.buyers == ["Larch Property Group", "Quintel Asset Management Inc"]
    assert m.refs["Pebble Stores"]["text"] == "The retailer" and m.stage == "closed"


def test_names_in_another_clause_of_the_buyer_are_no_buyers() -> None:
    """ "the streaming provider signed filmmakers ... and acquired Millarworld": the company the
    reference stands for bought it, not the filmmakers it signed."""
    text = ("Larch adds 5 million subscribers\n"
            "Larch signed Ann Lee to a production deal. Larch shows no signs of slowing. "
            "And the streaming provider signed filmmakers Joel and Ethan Coen for a western "
            "anthology and acquired comic book publisher Quintel, home of franchises.")  # fmt: skip
    form = _form(buyers=["Joel and Ethan Coen"], lead=None, target="Quintel", amount=None)
    fill = ScriptedForms({"acquired comic book publisher": form})
    (m,) = extract("larch", text, fill, title=text.split("\n")[0])
    assert m.buyers == ["Larch"] and m.target == "Quintel" and m.by["buyers"] == "rule"
    assert m.refs["Larch"]["text"] == "the streaming provider"
    # Without such a clause, a buyer the model names stays.
    plain = "Larch adds subscribers\nLarch grew. Larch said Ann Lee acquired Quintel."
    fill2 = ScriptedForms({"acquired Quintel": _form(buyers=["Ann Lee"], target="Quintel")})
    (m2,) = extract("larch2", plain, fill2, title="Larch adds subscribers")
    assert m2.buyers == ["Ann Lee"]


_LIST = (
    "Harlow closes its takeover of Quintel\n"
    "Harlow Systems agreed to buy Quintel for $20 billion in May.\n"
    "Harlow is paying $12 billion in cash.\n"
    "Then there's $3 billion from equity investors:\n"
    "$400 million from Larch Capital Management, which also invested in Zenith Labs\n"
    "$250 million from SpaceX and Airbnb investor Orchard Partners LLC\n"
    "• $1 billion from the sovereign fund Pebble Holding\n"
    "$5 million from Tresser Blvd 402.\n"
    "The rest came from banks.\n"
    "Shares rose.\n"
    "$40 million from Zenith Ventures\n"  # a line after no lead-in: no list
    "$30 million from Ferncastle\n"
)


def test_a_list_of_who_put_in_how_much_gives_each_investors_stake() -> None:
    fill = ScriptedForms({
        "agreed to buy": _form(buyers=["Harlow Systems"], target="Quintel", amount=1),
        # The model reads the line's amount as a stake in the company named after it.
        "also invested": _form(type="stake", buyers=["Larch Capital Management"],
                               target="Zenith Labs", amount=1),
    })  # fmt: skip
    found = extract("q", _LIST, fill, title=_LIST.split("\n")[0], published=date(2024, 6, 1))
    # The title names the deal too: "its takeover" is Harlow's (the words, no model form).
    title, takeover, *stakes = found
    assert (title.buyers, title.target, title.amount) == (["Harlow"], "Quintel", None)
    assert (takeover.type, takeover.target) == ("acquisition", "Quintel")
    got = [(m.type, m.buyers, m.target, m.amount, m.amount_usd) for m in stakes]
    assert got == [
        ("stake", ["Larch Capital Management"], "Quintel", "$400 million", 4e8),
        ("stake", ["Orchard Partners LLC"], "Quintel", "$250 million", 2.5e8),
        ("stake", ["Pebble Holding"], "Quintel", "$1 billion", 1e9),
        ("stake", ["Tresser Blvd 402"], "Quintel", "$5 million", 5e6),
    ]
    for m in stakes:
        assert _LIST[m.start : m.end] == m.sentence and m.sentence.lstrip("• ").startswith("$")
        assert m.by["buyers"] == m.by["target"] == m.by["amount"] == "rule"
        ref = m.refs["Quintel"]
        assert ref["lead_in"] == "Then there's $3 billion from equity investors:"
        assert ref["context"] == "Harlow Systems agreed to buy Quintel for $20 billion in May."
    # Today's rules leave a stored line as it is.
    from rag.deals.mentions import refresh_rules

    again = [refresh_rules(Mention.from_dict(m.to_dict())) for m in stakes]
    assert [(m.buyers, m.target, m.amount) for m in again] == [
        (m.buyers, m.target, m.amount) for m in stakes
    ]
    # Each investor's stake is a deal of its own, beside the takeover; another article that
    # says the same stake joins it.
    other = mention("b", "Quintel", ["Pebble Holding"], "2024-06-03", type="stake",
                    amount="$1 billion", amount_usd=1e9)  # fmt: skip
    deals = merge([*found, other])
    assert sorted((d.type, tuple(d.buyers), len(d.mentions)) for d in deals) == [
        ("acquisition", ("Harlow Systems",), 2),  # the title's and the sentence's
        ("stake", ("Larch Capital Management",), 1),
        ("stake", ("Orchard Partners LLC",), 1),
        ("stake", ("Pebble Holding",), 2),
        ("stake", ("Tresser Blvd 402",), 1),
    ]
    assert {m.stage for m in stakes} == {"announced"}
    # Where the article says the deal has closed, so has the money put into it.
    closed = _LIST.replace(
        "Harlow is paying $12 billion in cash.",
        "Harlow completed its acquisition of Quintel on Friday.",
    )
    fill.script["completed its"] = _form(buyers=["Harlow"], target="Quintel")
    done = [m for m in extract("q", closed, fill, published=date(2024, 6, 1))
            if m.type == "stake"]  # fmt: skip
    assert len(done) == 4 and {(m.stage, m.stage_cue) for m in done} == {("closed", "completed")}
    again = [refresh_rules(Mention.from_dict(m.to_dict())) for m in done]
    assert {m.stage for m in again} == {"closed"}
    from rag.deals.render import deal_detail

    (pebble,) = [d for d in deals if "Pebble Holding" in d.buyers]
    assert "the deal of the list after “Then there's $3 billion from equity investors:”" in (
        deal_detail(pebble)
    )


def test_a_question_naming_an_investor_and_a_takeover_is_answered_with_the_investors_stake(
    tmp_path: Path,
) -> None:
    from rag.deals.answer import answer_from_table

    text = (
        "Ann Lee closes her takeover of Quintel\n"
        "Ann Lee agreed to buy Quintel for $20 billion in May.\n"
        "Lee is paying $12 billion in cash for the acquisition of Quintel.\n"
        "Then there's $3 billion from equity investors:\n"
        "$1 billion from the sovereign fund Pebble Holding\n"
        "$400 million from Larch Capital\n"
    )
    fill = ScriptedForms({
        "agreed to buy": _form(buyers=["Ann Lee"], target="Quintel", amount=1),
        "is paying": _form(buyers=["Lee"], target="Quintel", amount=1),
    })  # fmt: skip
    found = extract("q", text, fill, title=text.split("\n")[0], published=date(2024, 6, 1))
    table = DealTable(tmp_path)
    table.build(found, "test")
    as_of = date(2024, 6, 30)
    # Three parties named: the deal that names them all is Pebble Holding's stake. Its
    # sentences say "Lee", the first name "Ann" is Ann Lee's, a party of the table.
    asked = "How much did Pebble Holding put into Ann Lee's purchase of Quintel?"
    stake = answer_from_table(asked, table, as_of)
    assert stake is not None
    assert stake.text == "Pebble Holding's stake in Quintel for $1 billion: announced [1]."
    assert stake.passages[0].text.startswith("Lee is paying $12 billion in cash for the")
    # Who bought it is the takeover, not the stakes of those who put money into it.
    bought = answer_from_table("Who bought Quintel?", table, as_of)
    assert bought is not None and [d.type for d in bought.deals] == ["acquisition"]
    assert bought.text.startswith("Ann Lee's acquisition of Quintel for $20 billion")
    # Who put money into it are the stakes, although the question names the takeover's buyer.
    backers = answer_from_table("Who invested in Ann Lee's purchase of Quintel?", table, as_of)
    assert backers is not None
    assert [d.buyers for d in backers.deals] == [["Pebble Holding"], ["Larch Capital"]]


@pytest.mark.parametrize(
    "text",
    [
        # No lead-in about investors.
        "Harlow agreed to buy Quintel for $20 billion.\nThe budget includes:\n"
        "$400 million from Larch Capital\n$250 million from Orchard Partners\n",
        # One line is no list.
        "Harlow agreed to buy Quintel for $20 billion.\nInvestors include:\n"
        "$400 million from Larch Capital\nThe rest is debt.\n",
        # The amount does not start the line.
        "Harlow agreed to buy Quintel for $20 billion.\nInvestors include:\n"
        "Larch Capital gave $400 million\nOrchard Partners gave $250 million\n",
        # No deal stated before the list.
        "Quintel is hiring.\nInvestors include:\n"
        "$400 million from Larch Capital\n$250 million from Orchard Partners\n",
    ],
)
def test_lines_that_are_no_list_of_investors_in_a_deal_give_no_stakes(text: str) -> None:
    fill = ScriptedForms({"agreed to buy": _form(buyers=["Harlow"], target="Quintel", amount=1)})
    assert [m.type for m in extract("q", text, fill)] == (
        ["acquisition"] if "agreed" in text else []
    )


@pytest.mark.parametrize(
    "target, sentence, guess",
    [
        # The deal is named by its buyer alone; the target the model gave is another name.
        ("Quintel", "The restructuring follows Ann Lee’s takeover, she told a court during a "
         "trial over her Quintel pay package.", True),
        ("Zenith", "Harlow’s acquisition has upset users of Zenith, a rival said.", True),
        # What was bought is named between, after, or by other deal words.
        ("RSN", "Larch announced the completion of Larch's RSN acquisition.", False),
        ("Quintel", "Regulators are studying Harlow’s $3.9 billion acquisition of Quintel.",
         False),
        ("Quintel", "Harlow's takeover of Quintel closed on Friday.", False),
        ("Quintel", "After Harlow's takeover, it agreed to buy Quintel.", False),
    ],
)  # fmt: skip
def test_a_target_no_words_mark_beside_a_deal_named_by_its_buyer_alone_is_a_guess(
    target: str, sentence: str, guess: bool
) -> None:
    from rag.deals.mentions import refresh_rules, unmarked_target

    assert unmarked_target(target, sentence) is guess
    form = _form(buyers=[sentence.split("’")[0].split("'")[0].split()[-1]], target=target)
    fields = verify(form, sentence, find_money(sentence), None)
    assert [f["target"] for f in fields] == ([] if guess else [target])
    m = Mention(article_id="a", sentence=sentence, start=0, end=len(sentence),
                type="acquisition", buyers=["Harlow"], target=target)  # fmt: skip
    assert refresh_rules(m).target == (None if guess else target)


def test_an_ampersand_joins_one_name() -> None:
    s = "Larch subsequently sold Pebble Point to Kings & Convicts, a small craft brewer."
    assert checked_name("Kings", s) == "Kings & Convicts"
    assert checked_name("Pebble Point", s) == "Pebble Point"
    assert checked_name("AT&T", "AT&T bought Zenith Media.") == "AT&T"
    from rag.deals.mentions import refresh_rules

    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Kings"], target="Pebble Point")  # fmt: skip
    assert refresh_rules(m).buyers == ["Kings & Convicts"]


def test_a_question_opening_a_headline_is_no_part_of_a_name() -> None:
    from rag.deals.mentions import refresh_rules

    s = "Will Ann Lee's purchase of Quintel mean more hate online?"
    assert checked_name("Will Ann Lee", s) == "Ann Lee"
    assert checked_name("Will Larch", "Will Larch buy Quintel for $2 billion.") == "Will Larch"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Will Ann Lee"], target="Quintel")  # fmt: skip
    assert refresh_rules(m).buyers == ["Ann Lee"]


# -- merging ----------------------------------------------------------------------------------


def mention(article: str, target: str, buyers: list[str], published: str, **kw: Any) -> Mention:
    start = kw.pop("start", 0)
    return Mention(article_id=article, sentence=f"{' '.join(buyers)} {target}", start=start,
                   end=start + 10, type=kw.pop("type", "funding round"), buyers=buyers,
                   target=target, published=published, **kw)  # fmt: skip


@pytest.mark.parametrize(
    "name, key",
    [("Alibaba Group Holding Ltd", "alibaba"), ("Alibaba", "alibaba"), ("The Walt Disney Co.",
     "walt disney"), ("AT&T Inc.", "at and t"), ("MiniMax's", "minimax"),
     ("Amazon.com", "amazon"), ("San Francisco-based Virgin America", "virgin america")],
)  # fmt: skip
def test_company_names_are_normalised(name: str, key: str) -> None:
    assert normalise(name) == key


def test_a_target_named_again_by_its_last_word_in_one_article_is_one_deal() -> None:
    # Held-out news (CNBC): "took a majority stake in Kylie Jenner's cosmetics company in a deal
    # worth $600 million", then "Coty acquired a 51% ownership position in Jenner's beauty
    # and cosmetics portfolio": one stake, not two rows.
    from dataclasses import replace

    from rag.deals.roles import part_stake

    assert part_stake("Larch acquired a 51% ownership position in Lee's beauty portfolio.")
    assert part_stake("Larch became its largest holder by acquiring the entire 25.2% stake.")
    assert not part_stake("Larch agreed to buy the remaining 49% stake in Quintel.")
    # SENTiVENT: a stake given by its price is a stake too.
    assert part_stake("Larch , an activist , acquired a $ 3.5 billion stake in the company .")
    assert part_stake("Larch took a £1bn minority stake in Quintel.")
    assert not part_stake("Larch bought Quintel for $2 billion, a stake it will fold in.")
    worth = mention("a1", "Ann Lee", [], "2019-11-19", type="stake", amount="$600 million",
                    amount_usd=6e8, start=0)  # fmt: skip
    taken = mention("a1", "Lee", ["Larch"], "2019-11-19", type="stake", start=20)
    (deal,) = merge([worth, taken])
    assert (deal.target, deal.buyers, deal.amount_usd) == ("Ann Lee", ["Larch"], 6e8)
    # Not across articles, nor when the article has two longer names it could end.
    assert len(merge([worth, replace(taken, article_id="a2")])) == 2
    other = mention("a1", "Bo Lee", ["Pexa"], "2019-11-19", type="stake", start=40)
    assert len(merge([worth, taken, other])) == 3


def test_a_price_told_without_the_target_joins_its_articles_deal() -> None:
    """ "the $5.6 billion sale to Larch Energy Co." names no target; its article tells of one
    purchase by Larch (of Pebble), so the price is that deal's. Not when the article tells of
    two, nor a sentence with no price, nor one of another type."""
    buy = mention("a1", "Pebble", ["Larch"], "2020-01-02", type="acquisition", start=0)
    price = mention("a1", None, ["Larch Energy Co"], "2020-01-02", type="acquisition",  # type: ignore[arg-type]
                    start=50, amount="$5.6 billion", amount_usd=5.6e9)  # fmt: skip
    (deal,) = merge([buy, price])
    assert deal.target == "Pebble" and deal.amount == "$5.6 billion"
    assert deal.buyers == ["Larch Energy Co"]  # one buyer, shown by its longer name
    assert {m.start for m in deal.mentions} == {0, 50}
    other = mention("a1", "Quintel", ["Larch"], "2020-01-02", type="acquisition", start=90)
    assert all(d.amount is None for d in merge([buy, other, price]))  # which one? neither
    bare = mention("a1", None, ["Larch", "Orchard"], "2020-01-02", type="acquisition",  # type: ignore[arg-type]
                   start=50)  # fmt: skip
    assert merge([buy, bare])[0].buyers == ["Larch"]
    stake = mention("a1", None, ["Larch"], "2020-01-02", type="stake", start=50,  # type: ignore[arg-type]
                    amount="$1 billion", amount_usd=1e9)  # fmt: skip
    assert merge([buy, stake])[0].amount is None


def test_mentions_of_one_deal_merge_across_articles() -> None:
    deals = merge(
        [
            mention("a1", "MiniMax", ["Alibaba Group Holding Ltd"], "2024-03-05", lead="Alibaba"),
            mention(
                "a2", "Minimax", ["Alibaba"], "2024-03-06", amount="$600 million", amount_usd=6e8
            ),  # fmt: skip
            mention("a3", "MiniMax", [], "2024-03-07", stage="closed"),
        ]
    )
    assert len(deals) == 1
    d = deals[0]
    assert d.target == "MiniMax" and d.lead == "Alibaba" and d.amount == "$600 million"
    assert d.first_seen == "2024-03-05" and d.last_seen == "2024-03-07"
    assert d.stage == "closed" and len(d.mentions) == 3 and not d.conflicts


def test_one_company_spelled_two_ways_is_one_party_of_one_deal() -> None:
    """ "Whole Foods Market" and "Whole Foods" in one article, "Wal-Mart" and "Walmart US" in
    two: one deal each, shown with the commoner spelling."""
    deals = merge(
        [
            mention("a1", "Whole Foods Market", ["Amazon"], "2017-06-16", type="acquisition",
                    amount="$13.7 billion", amount_usd=13.7e9),
            mention("a1", "Whole Foods", ["Amazon"], "2017-06-16", type="acquisition",
                    stage="closed", start=50),
            mention("a2", "Jet.com", ["Wal-Mart"], "2017-06-16", type="acquisition"),
            mention("a3", "Jet.com", ["Wal-Mart"], "2017-06-20", type="acquisition"),
            mention("a4", "Jet.com", ["Walmart US"], "2017-06-21", type="acquisition"),
        ]
    )  # fmt: skip
    assert sorted((d.target, d.buyers, len(d.mentions)) for d in deals) == [
        ("Jet.com", ["Wal-Mart"], 3),
        ("Whole Foods Market", ["Amazon"], 2),
    ]
    whole = next(d for d in deals if d.target.startswith("Whole"))
    assert whole.amount == "$13.7 billion" and whole.stage == "closed"
    assert same_party("wal mart", "walmart") and same_party("alaska airlines", "alaska air")
    assert not same_party("amazon", "amazon web services")


def test_a_takeover_retold_without_its_buyer_joins_the_one_deal_that_names_it() -> None:
    """The 2023 corpus: "James left 21st Century Fox in 2019 when the company was sold" (no
    buyer, three years after the last mention of Disney's purchase) and "the (Virgin of
    America) acquisition" were rows of their own."""
    deals = merge(
        [
            mention("a1", "Quintel Games", ["Larch"], "2019-01-15", type="acquisition"),
            mention("a2", "Quintel Games", ["Larch"], "2023-10-17", type="merger",
                    event_year=2017),
            mention("a3", "Quintel Games", [], "2022-04-17", type="acquisition",
                    event_year=2019),
            mention("a4", "Pexa of Labs", [], "2017-04-07", type="acquisition"),
            mention("a5", "Pexa Labs", ["Harlow"], "2016-12-06", type="merger"),
        ]
    )  # fmt: skip
    assert sorted((d.target, d.buyers, len(d.mentions)) for d in deals) == [
        ("Pexa Labs", ["Harlow"], 2),
        ("Quintel Games", ["Larch"], 3),
    ]
    # Not a round, not years apart, and not where two deals of the target name buyers.
    apart = mention("a3", "Quintel Games", [], "2022-04-17", type="acquisition",
                    event_year=2021)  # fmt: skip
    assert len(merge([mention("a1", "Quintel Games", ["Larch"], "2019-01-15",
                              type="acquisition", event_year=2017), apart])) == 2  # fmt: skip
    two = [
        mention("a1", "Quintel Games", ["Larch"], "2012-01-15", type="acquisition"),
        mention("a2", "Quintel Games", ["Harlow"], "2019-01-15", type="acquisition"),
        mention("a3", "Quintel Games", [], "2022-04-17", type="acquisition"),
    ]
    assert len(merge(two)) == 3
    rounds = [mention("a1", "Quintel Games", ["Larch"], "2019-01-15"),
              mention("a2", "Quintel Games", [], "2022-04-17")]  # fmt: skip
    assert len(merge(rounds)) == 2


def test_the_company_a_stake_or_a_merger_names_by_description_is_resolved() -> None:
    """ "a stake in the multinational corporation" is in the article's subject (not in the
    buyer named beside it); "The Boston-based company expects ... to merge its oil and gas
    business with Baker Hughes" is the company named before."""
    title = "Quintel CEO Says It is in Talks with Activist Larch"
    text = (f"{title}\nQuintel Chief Executive Officer David Pebble said talks go on .\n"
            "Back in February , it was announced that Larch , an activist that invests in "
            "undervalued companies , acquired a $ 3.5 billion stake in the multinational "
            "corporation .")  # fmt: skip
    start = text.index("Back")
    sentence = text[start:]
    (fields,) = verify(_form(type="stake", buyers=["Larch"], target="multinational corporation",
                             amount=1), sentence, find_money(sentence), None,
                       resolver(text, start, len(text), title))  # fmt: skip
    assert (fields["buyers"], fields["target"]) == (["Larch"], "Quintel")
    title2 = "Harlow Drops After Chief Predicts Challenges"
    text2 = (
        f"{title2}\nHarlow closed lower .\nHarlow has $ 12 billion for uses such as "
        "acquisitions , he said .\nThe Boston-based company expects to close a deal to "
        "merge its oil and gas business with Ferncastle Inc. by early July , he said ."
    )
    start = text2.index("The Boston")
    sentence = text2[start:]
    (fields,) = verify(_form(type="merger", buyers=["Boston-based company", "Ferncastle Inc."],
                             target="Ferncastle Inc."), sentence, [], None,
                       resolver(text2, start, len(text2), title2))  # fmt: skip
    assert (fields["buyers"], fields["target"]) == (["Harlow"], "Ferncastle Inc")


def _said(article: str, sentence: str, target: str, buyers: list[str], **kw: Any) -> Mention:
    """A mention of `sentence` as extraction stores it (one per target)."""
    return Mention(article_id=article, sentence=sentence, start=kw.pop("start", 0),
                   end=len(sentence), type=kw.pop("type", "acquisition"), buyers=buyers,
                   target=target, published="2019-12-29", **kw)  # fmt: skip


@pytest.mark.parametrize(
    "sentence, targets, joined",
    [
        ("The Gap acquired Janie and Jack for $35 million .", ["Janie", "Jack"], "Janie and Jack"),
        ("Larch bought Gymboree and Crazy 8 for $ 76 million .", ["Gymboree", "Crazy 8"],
         "Gymboree and Crazy 8"),
        ("Larch bought Alpha , Beta and Gamma Foods for $ 9 million .",
         ["Alpha", "Beta", "Gamma Foods"], "Alpha , Beta and Gamma Foods"),
    ],
)  # fmt: skip
def test_one_price_for_targets_bought_together_is_one_deal(
    sentence: str, targets: list[str], joined: str
) -> None:
    amount = sentence[sentence.index("$") : sentence.index("million") + len("million")]
    told = [_said("a1", sentence, t, ["Larch"], amount=amount, amount_usd=9e6) for t in targets]
    (deal,) = merge(told)
    assert deal.target == joined and deal.amount == amount and deal.buyers == ["Larch"]


def test_targets_with_a_price_each_or_none_stay_deals_of_their_own(tmp_path: Path) -> None:
    each = "Larch bought Alpha and Beta for $ 5 million each ."
    told = [_said("a1", each, t, ["Larch"], amount="$ 5 million") for t in ("Alpha", "Beta")]
    assert sorted(d.target for d in merge(told)) == ["Alpha", "Beta"]
    apart = "Alpha and Beta received funding from Larch ."
    told = [_said("a2", apart, t, ["Larch"], type="funding round") for t in ("Alpha", "Beta")]
    assert sorted(d.target for d in merge(told)) == ["Alpha", "Beta"]
    # Different prices in one sentence are different deals.
    two = "Larch bought Alpha for $ 5 million and Beta for $ 7 million ."
    told = [_said("a3", two, "Alpha", ["Larch"], amount="$ 5 million"),
            _said("a3", two, "Beta", ["Larch"], amount="$ 7 million")]  # fmt: skip
    assert len(merge(told)) == 2
    # A search for either target finds the deal of both.
    together = "Larch bought Gymboree and Crazy 8 for $ 76 million ."
    table = DealTable(tmp_path)
    table.build([_said("a4", together, t, ["Larch"], amount="$ 76 million", amount_usd=76e6)
                 for t in ("Gymboree", "Crazy 8")], "g1")  # fmt: skip
    for name in ("Crazy 8", "gymboree", "Gymboree and Crazy 8"):
        (found,) = find_deals(table, DealQuery(company=name))
        assert found.target == "Gymboree and Crazy 8"


def test_a_short_name_an_article_gives_a_buyer_is_that_buyer() -> None:
    s1 = ("United Community Banks , Inc. ( United ) and Aquesta agreed for United to acquire "
          "Aquesta .")  # fmt: skip
    s2 = "The acquisition adds to United 's earnings ."
    (deal,) = merge([_said("a1", s1, "Aquesta", ["United Community Banks"]),
                     _said("a1", s2, "Aquesta", ["United"], start=100)])  # fmt: skip
    assert deal.buyers == ["United Community Banks"]
    # Named by different articles, a first word is no proof: "Amazon" and "Amazon Web
    # Services" are different buyers.
    (deal,) = merge([_said("a1", s1, "Quintel", ["Amazon Web Services", "Larch"]),
                     _said("a2", s2, "Quintel", ["Amazon", "Larch"])])  # fmt: skip
    assert sorted(deal.buyers) == ["Amazon", "Amazon Web Services", "Larch"]


def test_a_target_named_with_the_kind_of_company_it_is_is_one_target() -> None:
    # "Aquesta" and "Aquesta Financial Holdings", "Virgin" and "Virgin America".
    told = [
        _said("a1", "Larch agreed to acquire Aquesta .", "Aquesta", ["Larch"]),
        _said("a2", "Larch and Aquesta Financial Holdings announce merger .",
              "Aquesta Financial Holdings", ["Larch"], type="merger"),
        _said("a3", "The merger of Harlow and Virgin would combine two airlines .", "Virgin",
              [], type="merger"),
        _said("a4", "Harlow agreed to buy Virgin America .", "Virgin America", ["Harlow"]),
    ]  # fmt: skip
    assert sorted(len(d.mentions) for d in merge(told)) == [2, 2]
    # Not a name whose next word says more than its kind.
    told = [_said("a1", "Larch bought Amazon Web Services .", "Amazon Web Services", ["Larch"]),
            _said("a2", "Larch bought Amazon .", "Amazon", ["Larch"])]  # fmt: skip
    assert len(merge(told)) == 2


def test_a_name_with_and_without_its_plural_s_is_one_target() -> None:
    # "the Kroger-Albertson merger" and Kroger's merger with Albertsons.
    told = [
        _said("a1", "Kroger agreed to merge with Albertsons .", "Albertsons", ["Kroger"],
              type="merger"),
        _said("a2", "the potential impact of the Kroger-Albertson merger .", "Albertson",
              ["Kroger"], type="merger", stage="rumoured"),
    ]  # fmt: skip
    (deal,) = merge(told)
    assert deal.target == "Albertsons" and len(deal.mentions) == 2
    # Nor "RSN" and "RSNs" ("Sinclair acquires RSNs from Disney", "Sinclair's RSN acquisition").
    told = [_said("a1", "Sinclair acquires RSNs from Disney", "RSNs", ["Sinclair"]),
            _said("a2", "Sinclair 's RSN acquisition .", "RSN", ["Sinclair"])]  # fmt: skip
    assert len(merge(told)) == 1
    # Not a different last word.
    told = [_said("a1", "Larch bought Pebble Foods .", "Pebble Foods", ["Larch"]),
            _said("a2", "Larch bought Pebble Food Co .", "Pebble Fool", ["Larch"])]  # fmt: skip
    assert len(merge(told)) == 2


def test_a_merger_read_without_its_other_side_takes_who_merged_with_the_target() -> None:
    from rag.deals.mentions import refresh_rules

    s = ("Now the nation 's 13th-largest craft beer producer , Dogfish Head merged last year "
         "with the Boston Beer Co. , though the operations remain separate .")  # fmt: skip
    (fields,) = verify(_form(type="merger", target="Boston Beer Co"), s, [], None)
    assert fields["buyers"] == ["Dogfish Head"] and fields["by"]["buyers"] == "rule"
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="merger",
                target="Boston Beer Co")  # fmt: skip
    assert refresh_rules(m).buyers == ["Dogfish Head"]
    s2 = "Harlow Foods has agreed to merge with Quintel ."
    (fields,) = verify(_form(type="merger", target="Quintel"), s2, [], None)
    assert fields["buyers"] == ["Harlow Foods"]
    # Not a name that only stands before another verb.
    s3 = "Shares of Harlow rose after it merged with Quintel ."
    (fields,) = verify(_form(type="merger", target="Quintel"), s3, [], None)
    assert fields["buyers"] == []


def test_a_deal_one_sentence_of_an_article_tells_the_other_way_round_joins_it() -> None:
    # "0.6386 shares of United common stock being issued in exchange for each share of Aquesta
    # common stock", read as Aquesta merging with United, beside three sentences of United's
    # acquisition of Aquesta in the same article.
    told = [_said("a1", f"United to acquire Aquesta ({i}) .", "Aquesta", ["United"], start=i)
            for i in range(3)]  # fmt: skip
    told.append(_said("a1", "shares of United for each share of Aquesta .", "United",
                      ["Aquesta"], type="merger", start=9))  # fmt: skip
    (deal,) = merge(told)
    assert deal.target == "Aquesta" and deal.buyers == ["United"] and len(deal.mentions) == 4


@pytest.mark.parametrize(
    "sentence, given, buyers, target",
    [
        # A company of one side given as the target: the other side named second is.
        ("Harlow Systems , Inc. and Quintel Financial Holdings , Inc. , the parent of Quintel "
         "Bank , announce merger agreement", "Quintel Bank", ["Harlow Systems"],
         "Quintel Financial Holdings"),
        # The company the merger formed is none of its sides.
        ("Sage Integration was formed in 2019 by merging two regional security powerhouses , "
         "AYSCO Security Consultants and DTS Security .", "Sage Integration",
         ["AYSCO Security Consultants"], "DTS Security"),
        ("Mylan and Upjohn agreed to merge ; the combined company will be called Viatris .",
         "Viatris", ["Mylan"], "Upjohn"),
    ],
)  # fmt: skip
def test_a_mergers_result_or_a_company_of_one_side_is_not_its_target(
    sentence: str, given: str, buyers: list[str], target: str
) -> None:
    from rag.deals.mentions import refresh_rules

    both = [*buyers, target]
    (fields,) = verify(_form(type="merger", buyers=both, target=given), sentence, [], None)
    assert (fields["buyers"], fields["target"]) == (buyers, target)
    m = Mention(article_id="a", sentence=sentence, start=0, end=len(sentence), type="merger",
                buyers=both, target=given)  # fmt: skip
    m = refresh_rules(m)
    assert (m.buyers, m.target) == (buyers, target)


def test_different_buyers_or_distant_rounds_are_different_deals() -> None:
    deals = merge(
        [
            mention("a1", "Quintel", ["Harlow"], "2024-01-10", type="acquisition"),
            mention("a2", "Quintel", ["Zenith"], "2024-01-12", type="acquisition"),
            mention("a4", "Quintel", ["Harlow"], "2024-01-11", type="funding round"),
            # A year on: the same investor's next round, and a sale whose buyer is not named.
            mention("a3", "Quintel", ["Harlow"], "2025-06-01", type="funding round"),
            mention("a5", "Quintel", [], "2025-06-01", type="acquisition"),
        ]
    )
    assert len(deals) == 5


def test_a_takeover_retold_years_later_with_its_buyer_is_the_same_deal() -> None:
    # "Harlow Systems, which bought Quintel in 2024, ...": a company is bought by one buyer once.
    (d,) = merge(
        [
            mention("a1", "Quintel", ["Harlow"], "2024-01-10", type="acquisition"),
            mention("a2", "Quintel", ["Harlow Systems"], "2026-03-01", type="acquisition"),
        ]
    )
    assert d.first_seen == "2024-01-10" and d.last_seen == "2026-03-01"


def test_sources_that_disagree_make_a_conflict_with_each_version() -> None:
    deals = merge(
        [
            mention(
                "a1",
                "Veldt",
                ["Nordwind"],
                "2024-03-05",
                amount="$600 million",
                lead="Nordwind",
                stage="closed",
            ),  # fmt: skip
            mention(
                "a2",
                "Veldt",
                ["Nordwind", "Acme Ventures"],
                "2024-03-07",
                amount="$800 million",
                lead="Acme Ventures",
                stage="rumoured",
            ),  # fmt: skip
        ]
    )
    (d,) = deals
    fields = {c.field: c for c in d.conflicts}
    assert set(fields) == {"amount", "lead", "stage"}
    assert [v for v, _ in fields["amount"].versions] == ["$600 million", "$800 million"]


def test_a_conflict_lists_its_sources_oldest_first() -> None:
    acq = {"type": "acquisition", "amount": "$44 billion", "amount_usd": 44e9}
    told = [
        mention("a1", "Quintel", ["Harlow"], "2024-03-05", stage="announced", **acq),
        mention("a2", "Quintel", ["Harlow"], "2024-03-09", stage="closed", **acq),
        mention("a3", "Quintel", ["Harlow"], "2024-03-10", stage="closed", **acq),
    ]
    # Read the other way round, and joined to the deal after it was built (`_fold_reversed`).
    swapped = mention("b1", "Harlow", ["Quintel"], "2024-03-06", stage="rumoured", **acq)
    (d,) = merge([*told, swapped])
    (conflict,) = d.conflicts
    assert [v for v, _ in conflict.versions] == ["announced", "rumoured", "closed"]
    assert [m.published for m in d.mentions] == sorted(m.published or "" for m in d.mentions)


def test_a_valuation_that_is_the_price_is_not_shown_twice() -> None:
    acq = {"type": "acquisition"}
    (d,) = merge(
        [
            mention("a1", "Quintel", ["Harlow"], "2024-03-05", amount="$44 billion",
                    amount_usd=44e9, **acq),
            # "a deal that valued Quintel at around $44 billion"
            mention("a2", "Quintel", ["Harlow"], "2024-03-06", valuation="around $44 billion",
                    **acq),
        ]
    )  # fmt: skip
    assert (d.amount, d.valuation) == ("$44 billion", None)
    # A round's valuation is its own figure.
    (r,) = merge(
        [mention("a1", "Veldt", ["Nordwind"], "2024-03-05", amount="$600 million",
                 valuation="$2.5 billion")]
    )  # fmt: skip
    assert r.valuation == "$2.5 billion"


def test_one_articles_own_sentences_are_no_conflict() -> None:
    (d,) = merge(
        [
            mention("a1", "Veldt", ["Nordwind"], "2024-03-05", amount="$600 million"),
            mention("a1", "Veldt", ["Nordwind"], "2024-03-05", amount="$1 billion", start=50),
        ]
    )
    assert d.conflicts == []


def test_rounding_is_no_conflict() -> None:
    (d,) = merge(
        [
            mention("a1", "Veldt", ["Nordwind"], "2024-03-05", amount="$600 million"),
            mention("a2", "Veldt", ["Nordwind"], "2024-03-06", amount="$620 million"),
        ]
    )
    assert d.conflicts == []


def test_a_deal_retold_later_with_its_price_is_the_same_deal() -> None:
    acq = {"type": "acquisition"}
    deals = merge(
        [
            mention("a1", "Quintel", ["Harlow"], "2022-04-25", amount="$44 billion",
                    amount_usd=44e9, stage="announced", **acq),
            mention("a2", "Quintel", ["Harlow"], "2022-07-15", stage="closed", **acq),
            # A year on, the price names the deal ("his $44 billion acquisition of the company").
            mention("a3", "Quintel", [], "2023-09-20", amount="$44 billion", amount_usd=44e9,
                    **acq),
            mention("a4", "Quintel", ["Harlow Systems"], "2023-11-02", amount="44 billion USD",
                    **acq),
            # Another price long after, and no buyer named: another deal.
            mention("a5", "Quintel", [], "2025-06-01", amount="$2 billion", amount_usd=2e9,
                    **acq),
        ]
    )  # fmt: skip
    assert sorted(len(d.mentions) for d in deals) == [1, 4]
    retold = next(d for d in deals if len(d.mentions) == 4)
    assert retold.stage == "closed" and retold.first_seen == "2022-04-25"


@pytest.mark.parametrize(
    "a, b, same",
    [("musk", "elon musk", True), ("disney", "walt disney", True), ("harlow", "harlow", True),
     ("alaska", "alaska airlines", True), ("harlow", "harlow systems", True),
     ("airlines", "alaska airlines", False), ("ventures", "acme ventures", False),
     ("amazon", "amazon web services", False), ("golden", "golden gate capital", False),
     ("elon musk", "kimbal musk", False)],
)  # fmt: skip
def test_a_name_its_last_word_or_its_core_are_one_party(a: str, b: str, same: bool) -> None:
    assert same_party(a, b) is same


def test_a_deal_closed_before_a_period_is_not_one_of_its_deals() -> None:
    from rag.deals.answer import _ended_before

    acq = {"type": "acquisition"}
    closed_then_retold = merge(
        [mention("a1", "Quintel", ["Harlow"], "2022-10-27", stage="closed", **acq),
         mention("a2", "Quintel", ["Harlow"], "2023-09-20", **acq)]
    )[0]  # fmt: skip
    closed_in_it = merge(
        [mention("b1", "Pebble", ["Larch"], "2022-10-27", **acq),
         mention("b2", "Pebble", ["Larch"], "2023-03-01", stage="closed", **acq)]
    )[0]  # fmt: skip
    assert _ended_before(closed_then_retold, date(2023, 1, 1))
    assert not _ended_before(closed_then_retold, date(2022, 10, 1))
    assert not _ended_before(closed_in_it, date(2023, 1, 1))


def test_who_is_given_a_stake_holds_it_and_is_no_target() -> None:
    from rag.deals.mentions import refresh_rules, verify

    s = "The purchase gave Larch an ownership stake of nearly 25%."
    form = {"deal": True, "type": "stake", "buyers": ["Larch"], "target": "Larch's company"}
    assert verify(form, s, find_money(s), None) == []  # no company it is a stake in: no row
    stored = Mention(article_id="a1", sentence=s, start=0, end=len(s), type="stake",
                     target="Larch", published="2019-04-29")  # fmt: skip
    refreshed = refresh_rules(stored)
    assert refreshed.target is None and refreshed.buyers == ["Larch"]
    # A stake given in a company keeps the company as the target.
    s2 = "The deal gave Larch a 25% stake in Pebble Foods."
    form2 = {"deal": True, "type": "stake", "buyers": ["Larch"], "target": "Pebble Foods"}
    (fields,) = verify(form2, s2, find_money(s2), None)
    assert fields["target"] == "Pebble Foods" and fields["buyers"] == ["Larch"]


def test_a_name_the_model_misspells_by_one_letter_is_the_sentences() -> None:
    from rag.deals.names import checked_name

    s = "Boehly owns stakes in the Los Angeles Dodgers and the Los Angeles Lakers."
    assert checked_name("Bohly", s) == "Boehly"  # the model's spelling, one letter short
    assert checked_name("Boehlyy", s) == "Boehly"
    assert checked_name("Bohley", s) is None  # two letters off: not this name
    assert checked_name("Bohl", s) is None  # too short to tell
    # Two words of the sentence one letter away: no telling which.
    assert checked_name("Carta", "Carte and Cartas bought Pebble.") is None


def test_a_first_name_is_said_by_a_last_name_no_other_party_shares() -> None:
    from rag.deals.answer import _is_said, _last_names

    parties = ["elon musk", "alaska airlines", "hawaiian airlines", "spirit airlines"]
    said = "alaska airlines will acquire virgin america; musk bought twitter."
    assert _is_said("elon", said, _last_names(parties, "elon"))
    assert not _is_said("hawaiian", said, _last_names(parties, "hawaiian"))
    assert _is_said("alaska", said, _last_names(parties, "alaska"))  # said outright


def test_buyers_named_by_surname_and_full_name_are_one_buyer() -> None:
    acq = {"type": "acquisition"}
    (d,) = merge(
        [
            mention("a1", "Quintel", ["Elon Musk"], "2022-10-27", **acq),
            mention("a2", "Quintel", ["Musk"], "2022-10-28", **acq),
            mention("a3", "Quintel", ["Musk"], "2022-10-29", **acq),
        ]
    )
    assert d.buyers == ["Elon Musk"]


@pytest.mark.parametrize(
    "stages, headline",
    [
        # A later article that hedges ("could") does not take a closed deal back.
        ([("2024-01-10", "announced"), ("2024-03-01", "closed"), ("2024-05-01", "rumoured")],
         "closed"),
        ([("2024-01-10", "rumoured"), ("2024-01-20", "announced")], "announced"),
        ([("2024-01-10", "announced"), ("2024-02-01", "cancelled")], "cancelled"),
        ([("2024-01-10", "rumoured"), ("2024-01-10", "cancelled")], "cancelled"),
        # Retold the day it closed: "attempted to terminate the deal" is history.
        ([("2024-01-10", "closed"), ("2024-01-10", "cancelled")], "closed"),
        ([("2024-01-10", "cancelled"), ("2024-03-01", "closed")], "closed"),
    ],
)  # fmt: skip
def test_a_deals_stage_is_the_furthest_its_sources_report(
    stages: list[tuple[str, str]], headline: str
) -> None:
    (d,) = merge(
        [
            mention(f"a{i}", "Quintel", ["Harlow"], day, stage=stage, type="acquisition")
            for i, (day, stage) in enumerate(stages)
        ]
    )
    assert d.stage == headline


def test_a_bystander_named_once_beside_a_takeover_is_no_buyer_of_it() -> None:
    def many(kind: str) -> list[Mention]:
        return [
            *(mention(f"a{i}", "Quintel", ["Harlow"], f"2024-01-1{i}", type=kind)
              for i in range(5)),
            # "Zenith said it saw more spam on Quintel after Harlow's takeover"
            mention("a0", "Quintel", ["Zenith"], "2024-01-10", type=kind, start=80),
        ]  # fmt: skip

    (takeover,) = merge(many("acquisition"))
    assert takeover.buyers == ["Harlow"] and len(takeover.mentions) == 6
    # Investors in a round are often listed by one article only: they all stay.
    (round_,) = merge(many("funding round"))
    assert sorted(round_.buyers) == ["Harlow", "Zenith"]


def test_a_deal_read_the_other_way_round_joins_the_deal_more_articles_tell() -> None:
    acq = {"type": "acquisition", "amount": "$44 billion", "amount_usd": 44e9}
    told = [mention(f"a{i}", "Quintel", ["Harlow"], f"2024-01-1{i}", **acq) for i in range(3)]
    # "... something Harlow needs following its $44 billion acquisition of the company" read
    # as Quintel buying Harlow.
    swapped = mention("b1", "Harlow", ["Quintel"], "2024-03-01", **acq)
    (d,) = merge([*told, swapped])
    assert (d.target, d.buyers, len(d.mentions)) == ("Quintel", ["Harlow"], 4)
    # Alone, or against a deal no more articles tell, it stays as it was read.
    assert [x.target for x in merge([swapped])] == ["Harlow"]
    assert sorted(x.target for x in merge([told[0], swapped])) == ["Harlow", "Quintel"]
    # A deal between the same two at another time and price is another deal.
    later = mention("b2", "Harlow", ["Quintel"], "2026-05-01", type="acquisition",
                    amount="$3 billion", amount_usd=3e9)  # fmt: skip
    assert len(merge([*told, later])) == 2


def test_a_deals_source_quotes_one_article_the_one_that_states_its_figures() -> None:
    from dataclasses import replace

    from rag.deals.answer import _passage, _sentence

    early = replace(
        mention("a1", "Quintel", ["Harlow"], "2024-01-10", type="acquisition",
                stage="rumoured", url="https://one.example/a", title="Harlow eyes Quintel"),
        sentence="Harlow is in talks to buy Quintel, people familiar said.",
    )  # fmt: skip
    late = replace(
        mention("a2", "Quintel", ["Harlow"], "2024-02-01", type="acquisition", stage="closed",
                amount="$2 billion", amount_usd=2e9, url="https://two.example/b",
                title="Harlow closes its Quintel deal"),
        sentence="Harlow completed its $2 billion purchase of Quintel.",
    )  # fmt: skip
    (d,) = merge([early, late])
    source = _passage(d)
    # The line says "$2 billion: completed": its source is the article that says so, and no
    # sentence of the other article is quoted under this one's title, outlet and date.
    assert "$2 billion" in _sentence(d, 1) and d.stage == "closed"
    assert (source.url, source.published, source.title) == (
        "https://two.example/b", "2024-02-01", "Harlow closes its Quintel deal")  # fmt: skip
    assert source.text == late.sentence
    # Asked about January, the source is January's report, though it states less.
    january = DealQuery(since=date(2024, 1, 1), until=date(2024, 1, 31))
    assert _passage(d, january).url == "https://one.example/a"
    assert _passage(d, DealQuery(since=date(2024, 2, 1), until=date(2024, 2, 29))).url == (
        "https://two.example/b"
    )


# -- storage, the ingest step, the CLI and the chat route -------------------------------------

ARTICLES = [
    {"id": "d1", "url": "https://technode.example/veldt", "title": "Veldt AI in talks",
     "published": "2024-03-05", "source": "technode.example",
     "text": "Veldt AI, a Dutch startup, builds robots for warehouses.\n"
             "Nordwind Capital is reportedly leading a $600 million funding round for Veldt AI, "
             "people familiar with the matter said.\nThe company declined to comment."},
    {"id": "d2", "url": "https://wire.example/veldt", "title": "Veldt AI raises $800 million",
     "published": "2024-03-07", "source": "wire.example",
     "text": "Veldt AI raised $800 million in a Series B round led by Nordwind Capital, the "
             "company said on Thursday.\nIt plans to hire 200 engineers."},
    {"id": "d3", "url": "https://biz.example/quintel", "title": "Harlow to buy Quintel",
     "published": "2024-02-01", "source": "biz.example",
     "text": "Harlow Systems agreed to acquire Quintel Games for $6.8 billion in cash.\n"
             "Quintel makes puzzle games."},
    {"id": "d4", "url": "https://news.example/storm", "title": "Storm hits the coast",
     "published": "2024-03-06", "source": "news.example",
     "text": "A storm hit the coast on Tuesday.\nThousands lost power."},
]  # fmt: skip
FORMS = {
    "Nordwind Capital is reportedly": _form(type="funding round", buyers=["Nordwind Capital"],
        lead="Nordwind Capital", target="Veldt AI", amount=1),
    "Veldt AI raised": _form(type="funding round", buyers=["Nordwind Capital"],
        lead="Nordwind Capital", target="Veldt AI", amount=1),
    "Harlow Systems agreed": _form(buyers=["Harlow Systems"], target="Quintel Games", amount=1),
}  # fmt: skip


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _articles(records: list[dict[str, Any]]) -> list[Article]:
    return [
        Article(
            title=r["title"],
            text=r["text"],
            url=r["url"],
            source=r["source"],
            published=r["published"],
            origin="test",
        )  # fmt: skip
        for r in records
    ]


@pytest.fixture
def deal_index(settings: Settings, tmp_path: Path) -> Settings:
    """An index (fake embedder) of the four articles, with deals from scripted forms."""
    ingest([str(_write(tmp_path / "news.jsonl", ARTICLES))], settings)
    store = VectorStore(settings, "fake")
    report = update_deals(_articles(ARTICLES), store, settings, fill=ScriptedForms(FORMS))
    assert report.read == 4 and report.mentions == 3 and report.deals == 2
    return settings


def test_the_deal_table_merges_and_flags_conflicts(deal_index: Settings) -> None:
    table = DealTable(deal_index.index)
    deals = find_deals(table, DealQuery())
    assert [d.target for d in deals] == ["Veldt AI", "Quintel Games"]  # newest first
    veldt = deals[0]
    assert veldt.lead == "Nordwind Capital" and veldt.round == "Series B"
    assert veldt.amount == "$800 million" and veldt.stage == "closed"
    assert [c.field for c in veldt.conflicts] == ["amount"]  # rumoured, then closed: progress
    assert find_deals(table, DealQuery(sort="amount"))[0].target == "Quintel Games"
    assert [d.target for d in find_deals(table, DealQuery(company="harlow"))] == ["Quintel Games"]
    # A word a name begins with finds it too: "Games" of "Quintel Games", "Capital" of
    # "Nordwind Capital"; not a word's middle.
    assert [d.target for d in find_deals(table, DealQuery(company="games"))] == ["Quintel Games"]
    assert [d.target for d in find_deals(table, DealQuery(investor="capital"))] == ["Veldt AI"]
    assert find_deals(table, DealQuery(company="uintel")) == []
    assert find_deals(table, DealQuery(investor="Quintel Games")) == []
    assert len(find_deals(table, DealQuery(min_usd=1e9))) == 1
    assert len(find_deals(table, DealQuery(since=date(2024, 3, 1)))) == 1
    assert len(find_deals(table, DealQuery(type="acquisition", stage="announced"))) == 1


def test_a_period_holds_the_deals_with_a_source_dated_in_it(deal_index: Settings) -> None:
    """Veldt AI was reported on March 5 and 7: a deal of both days, and not one of March 6,
    though its first and last reports bracket it."""
    table = DealTable(deal_index.index)

    def targets(since: date, until: date, limit: int | None = None) -> list[str]:
        query = DealQuery(since=since, until=until, limit=limit)
        return [d.target for d in find_deals(table, query)]

    assert targets(date(2024, 3, 6), date(2024, 3, 6)) == []
    assert targets(date(2024, 3, 7), date(2024, 3, 31)) == ["Veldt AI"]
    assert targets(date(2024, 1, 1), date(2024, 3, 5)) == ["Veldt AI", "Quintel Games"]
    assert targets(date(2024, 1, 1), date(2024, 3, 5), limit=1) == ["Veldt AI"]


def test_unchanged_articles_are_not_read_again(deal_index: Settings) -> None:
    fill = ScriptedForms(FORMS)
    store = VectorStore(deal_index, "fake")
    report = update_deals(_articles(ARTICLES), store, deal_index, fill=fill)
    assert report.read == 0 and report.skipped == 4 and fill.seen == []
    assert report.deals == 2


def test_a_changed_article_replaces_its_mentions(deal_index: Settings) -> None:
    changed = [dict(ARTICLES[2], text=ARTICLES[2]["text"].replace("6.8", "7.1"))]
    fill = ScriptedForms(FORMS)
    update_deals(_articles(changed), VectorStore(deal_index, "fake"), deal_index, fill=fill)
    assert len(fill.seen) == 1
    mentions = DealStore(VectorStore(deal_index, "fake")).mentions()
    quintel = [m for m in mentions if m.target == "Quintel Games"]
    assert [m.amount for m in quintel] == ["$7.1 billion"]
    assert len(mentions) == 3


def test_stored_mentions_of_a_kind_their_words_do_not_state_are_dropped(
    deal_index: Settings,
) -> None:
    store = DealStore(VectorStore(deal_index, "fake"))
    s = ("Cowen & Co. estimated that the storm inflicted $ 139 million of harm on the largest "
         "carriers , led by American .")  # fmt: skip
    m = Mention(article_id="cowen", sentence=s, start=0, end=len(s), type="funding round",
                buyers=["Cowen & Co"])  # fmt: skip
    s2 = "Larch agreed to acquire Pebble for $ 2 billion ."
    kept = Mention(article_id="cowen", sentence=s2, start=len(s) + 1, end=len(s) + 1 + len(s2),
                   type="acquisition", buyers=["Larch"], target="Pebble")  # fmt: skip
    before = len(store.mentions())
    store.write([("cowen", "h1", [m, kept])])  # as an older extractor stored them
    after = [x for x in store.mentions() if x.article_id == "cowen"]
    assert len(store.mentions()) == before + 1 and [x.type for x in after] == ["acquisition"]


def test_stored_mentions_from_the_plot_of_a_show_are_dropped(deal_index: Settings) -> None:
    store = DealStore(VectorStore(deal_index, "fake"))
    s = "Larch agreed to acquire Pebble for $ 2 billion ."

    def stored(title: str) -> Mention:
        return Mention(article_id="show", sentence=s, start=0, end=len(s), type="acquisition",
                       buyers=["Larch"], target="Pebble", title=title)  # fmt: skip

    before = len(store.mentions())
    store.write([("show", "h1", [stored("The 'Larch' season finale: what happened")])])
    assert len(store.mentions()) == before  # stored by an older extractor, dropped on reading
    store.write([("show", "h2", [stored("Larch to buy Pebble")])])
    assert len(store.mentions()) == before + 1


def test_stored_lines_of_a_list_of_investors_are_kept(deal_index: Settings) -> None:
    # A line names no deal word, so the candidate filter alone would drop it when read back.
    store = DealStore(VectorStore(deal_index, "fake"))
    fill = ScriptedForms({"agreed to buy": _form(buyers=["Harlow Systems"], target="Quintel",
                                                  amount=1)})  # fmt: skip
    found = extract("list", _LIST, fill, title=_LIST.split("\n")[0])
    store.write([("list", "h1", found)])
    kept = [m for m in store.mentions() if m.article_id == "list"]
    assert [(m.type, m.buyers[0]) for m in kept] == [(m.type, m.buyers[0]) for m in found]
    assert len(kept) == 6  # the title's takeover, the sentence's and the four lines


def test_an_interrupted_extraction_resumes_and_keeps_the_articles(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.deals.pipeline as pipeline

    monkeypatch.setattr(pipeline, "GROUP_CANDIDATES", 4)  # each article holds one candidate
    many = [dict(ARTICLES[2], id=f"q{i}", url=f"https://biz.example/q{i}") for i in range(20)]
    ingest([str(_write(tmp_path / "many.jsonl", many))], settings)
    store = VectorStore(settings, "fake")
    chunks = store.count()

    class Killed(Exception):
        pass

    calls = 0

    def dies_after_ten(sentence: str, amounts: list[Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls > 10:
            raise Killed
        return FORMS["Harlow Systems agreed"]

    with pytest.raises(Killed):
        update_deals(_articles(many), store, settings, fill=dies_after_ten)
    done = DealStore(store).done()
    assert len(done) == 8  # written in groups of 4: the third group died at its third form
    assert store.count() == chunks  # the articles themselves are untouched
    fill = ScriptedForms(FORMS)
    report = update_deals(_articles(many), store, settings, fill=fill)
    assert report.read == 12 and report.skipped == 8 and len(fill.seen) == 12
    assert len(DealStore(store).done()) == 20


def test_a_filler_that_fills_many_gets_every_candidate_of_a_group_at_once(
    settings: Settings, tmp_path: Path
) -> None:
    class Many(ScriptedForms):
        def __init__(self) -> None:
            super().__init__(FORMS)
            self.batches: list[int] = []

        def fill_many(self, items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
            self.batches.append(len(items))
            return [self(sentence, amounts) for sentence, amounts in items]

    ingest([str(_write(tmp_path / "news.jsonl", ARTICLES))], settings)
    fill = Many()
    report = update_deals(_articles(ARTICLES), VectorStore(settings, "fake"), settings, fill=fill)
    assert fill.batches == [3]  # the three candidates of four articles, in one call
    assert report.candidates == 3 and report.mentions == 3 and report.deals == 2


def test_a_raw_newline_in_a_forms_string_still_parses() -> None:
    from rag.deals.forms import _parse

    form = _parse('{"deal": true, "type": "merger", "target": "Quintel\n"}')
    assert form["deal"] is True and form["target"] == "Quintel\n"
    assert _parse('{"deal": true, "target": "Quin') == {"deal": False}  # cut short


def test_mentions_of_removed_articles_go(deal_index: Settings) -> None:
    store = VectorStore(deal_index, "fake")
    d1, d2, d3, d4 = (a.id for a in _articles(ARTICLES))
    update_deals([], store, deal_index, stored_ids={d1, d2, d4})  # d3 is gone
    assert {m.article_id for m in DealStore(store).mentions()} == {d1, d2}
    assert [d.target for d in find_deals(DealTable(deal_index.index), DealQuery())] == ["Veldt AI"]


def test_ingest_no_deals_skips_extraction(settings: Settings, tmp_path: Path) -> None:
    path = _write(tmp_path / "news.jsonl", ARTICLES)
    runner = CliRunner()
    args = ["ingest", str(path), "--index", str(settings.index), "--embedding-model", "fake",
            "--llm", "fake"]  # fmt: skip
    out = runner.invoke(main, [*args, "--no-deals"])
    assert out.exit_code == 0, out.output
    assert "deals:" not in out.output
    out = runner.invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "deals: 4 articles read" in out.output  # the fake model finds none, but read them


def _deals(settings: Settings, *args: str) -> Any:
    result = CliRunner().invoke(
        main, ["deals", "--index", str(settings.index), *args], catch_exceptions=False
    )
    return result


def test_cli_lists_filters_and_exports(deal_index: Settings) -> None:
    out = _deals(deal_index)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "Veldt AI" in lines[1] and "Nordwind Capital*" in lines[1] and lines[1].endswith("!")
    assert "Quintel Games" in lines[2] and "$6.8B" in lines[2]
    data = json.loads(_deals(deal_index, "--json", "--company", "Harlow Systems Inc").output)
    assert [d["target"] for d in data] == ["Quintel Games"]
    assert data[0]["amount_usd"] == pytest.approx(6.8e9)
    rows = list(csv.DictReader(io.StringIO(_deals(deal_index, "--csv", "--sort", "amount").output)))
    assert [r["target"] for r in rows] == ["Quintel Games", "Veldt AI"]
    assert rows[1]["conflicts"] == "amount"
    assert "No deals match" in _deals(deal_index, "--stage", "cancelled").output
    bad = _deals(deal_index, "--type", "fusion")
    assert bad.exit_code == 2 and "--type 'fusion'" in bad.output
    backwards = _deals(deal_index, "--from", "2024-03-07", "--to", "2024-03-05")
    assert backwards.exit_code == 2 and "--from 2024-03-07 is after --to 2024-03-05" in (
        backwards.output
    )


def test_cli_show_gives_quotes_offsets_and_conflicts(deal_index: Settings) -> None:
    (veldt,) = json.loads(_deals(deal_index, "--json", "--company", "veldt").output)
    out = _deals(deal_index, "show", veldt["id"][:6])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "CONFLICT on amount:" in text
    assert "$600 million: technode.example 2024-03-05" in text
    assert "$800 million: wire.example 2024-03-07" in text
    start = ARTICLES[0]["text"].index("Nordwind Capital is reportedly")
    assert f"characters {start}-" in text
    assert "“Nordwind Capital is reportedly leading a $600 million funding round" in text
    assert "cue 'reportedly'" in text
    missing = _deals(deal_index, "show", "zzzz")
    assert missing.exit_code == 1 and "No deal with id 'zzzz'" in missing.output


def test_deal_questions_are_answered_from_the_table(deal_index: Settings) -> None:
    from rag.answering import Answerer
    from rag.llms import FakeChatModel

    answerer = Answerer(deal_index, llm=FakeChatModel())
    answer = answerer.ask("Who is investing in Veldt AI, and how much is it raising?")
    assert answer.llm == "deal table" and not answer.refused
    assert "Nordwind Capital" in answer.text and "$800 million" in answer.text
    assert answer.text.endswith("[1].") and answer.unsupported == ()
    assert answer.citations[0].source in {"technode.example", "wire.example"}
    listing = answerer.ask("What are the largest deals?")
    assert listing.llm == "deal table"
    assert listing.text.index("Quintel") < listing.text.index("Veldt")  # by amount
    other = answerer.ask("Where did the storm hit?")
    assert other.llm != "deal table"
    nothing = answerer.ask("Who invested in Globex?")  # a deal word, but no such company
    assert nothing.llm != "deal table"


def test_a_question_asking_who_took_over_a_company_is_a_deal_question(tmp_path: Path) -> None:
    from rag.deals.answer import answer_from_table
    from rag.deals.mentions import refresh_rules

    s = "Since Harlow Group acquired Pebble City in 2008 , the club has been transformed ."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Harlow Group"], target="Pebble City", stage="closed",
                published="2023-06-05", title="Pebble City's rise")  # fmt: skip
    m = refresh_rules(m)  # the year it was done, 2008, as the table reads stored mentions
    assert m.event_year == 2008
    table = DealTable(tmp_path)
    table.build([m], "test")
    for q in ("Which company took over Pebble City in 2008?", "Who has taken over Pebble City?"):
        found = answer_from_table(q, table, date(2023, 6, 6))
        assert found is not None and "Harlow Group" in found.text, q
    # The year asked is the year the deal was done, though it was told years later; not
    # another year, nor a week of it.
    assert answer_from_table("Who bought Pebble City in 2009?", table, date(2023, 6, 6)) is None
    june = date(2008, 6, 6)
    assert answer_from_table("Who bought Pebble City this week?", table, june) is None


def test_asking_whether_a_deal_is_done_is_answered_when_it_is_not(tmp_path: Path) -> None:
    from rag.deals.answer import answer_from_table

    rows = [
        ("Harlow Air reportedly is in talks to purchase Quintel Air .", "Harlow Air",
         "Quintel Air", "rumoured"),
        ("Larch completed its purchase of Pebble Foods .", "Larch", "Pebble Foods", "closed"),
    ]  # fmt: skip
    table = DealTable(tmp_path)
    table.build(
        [Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type="acquisition",
                 buyers=[b], target=t, stage=stage, published="2023-10-12")
         for n, (s, b, t, stage) in enumerate(rows)],
        "test",
    )  # fmt: skip
    as_of = date(2023, 12, 31)
    for q in (
        "Has Harlow Air's purchase of Quintel Air closed?",
        "Did Harlow Air complete its purchase of Quintel Air?",
        "Is the Harlow Air-Quintel Air purchase finished?",
    ):
        found = answer_from_table(q, table, as_of)
        assert found is not None and "Quintel Air" in found.text, q
        assert "not confirmed" in found.text, q
    # Asking for the deals at a stage still lists only those.
    listing = answer_from_table("Which deals are still rumoured?", table, as_of)
    assert listing is not None and "Quintel" in listing.text and "Pebble" not in listing.text
    done = answer_from_table("Which deals were completed?", table, as_of)
    assert done is not None and "Pebble" in done.text and "Quintel" not in done.text
    for q in ("Which deals are only reported?", "Which deals were reported, not confirmed?"):
        only = answer_from_table(q, table, as_of)
        assert only is not None and "Quintel" in only.text and "Pebble" not in only.text, q
    # Reported in a period: the news of it, at any stage.
    told = answer_from_table("Which deals were reported in October 2023?", table, as_of)
    assert told is not None and "Quintel" in told.text and "Pebble" in told.text


def test_what_someone_is_paid_is_no_deal_question() -> None:
    from rag.deals.answer import asks_about_deal

    assert not asks_about_deal("How much was Ann Lee's contract worth?")
    assert not asks_about_deal("How much did Larch pay in its settlement with regulators?")
    assert asks_about_deal("How much did Larch pay for Pebble?")
    assert asks_about_deal("How much did Larch pay in the deal for Pebble's contracts?")


def _larch_table(
    tmp_path: Path, rows: list[tuple[str, str, float | None, str | None]]
) -> DealTable:
    """A deal table of Larch's closed purchases: (sentence, target, USD, amount as written)."""
    table = DealTable(tmp_path)
    table.build(
        [Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type="acquisition",
                 buyers=["Larch"], target=t, amount=a, amount_usd=usd, stage="closed",
                 published="2019-07-22")
         for n, (s, t, usd, a) in enumerate(rows)],
        "test",
    )  # fmt: skip
    return table


def test_a_price_the_question_names_picks_the_deal_of_that_price(tmp_path: Path) -> None:
    from rag.deals.answer import answer_from_table

    rows = [("Larch bought Pebble for $ 4 billion .", "Pebble", 4e9, "$ 4 billion"),
            ("Larch bought Quintel for $ 71 billion .", "Quintel", 71e9, "$ 71 billion"),
            ("Larch bought Orchard .", "Orchard", None, None)]  # fmt: skip
    table = _larch_table(tmp_path, rows)
    as_of = date(2019, 7, 23)
    found = answer_from_table("Which company did Larch buy for $4 billion?", table, as_of)
    assert found is not None and "Pebble" in found.text and "Quintel" not in found.text
    # A price no deal has leaves every deal of the company.
    found = answer_from_table("Which company did Larch buy for $9 billion?", table, as_of)
    assert found is not None and "Pebble" in found.text and "Quintel" in found.text


def test_a_price_asked_of_a_deal_no_source_prices_is_declined(tmp_path: Path) -> None:
    from rag.deals.answer import answer_from_table, asks_about_deal

    rows = [("Larch bought Pebble in 2017 .", "Pebble", None, None),
            ("Larch bought Quintel for $ 71 billion .", "Quintel", 71e9,
             "$ 71 billion")]  # fmt: skip
    table = _larch_table(tmp_path, rows)
    as_of = date(2019, 7, 23)
    for q in ("How much did Larch pay for Pebble?", "How much was Larch's Pebble deal worth?"):
        found = answer_from_table(q, table, as_of)
        assert found is not None and found.declined, q
        assert found.text.startswith("The articles don't say how much.")
        assert "Larch's acquisition of Pebble" in found.text and "[" not in found.text
    priced = answer_from_table("How much did Larch pay for Quintel?", table, as_of)
    assert priced is not None and not priced.declined and "$ 71 billion" in priced.text
    said = answer_from_table("Who bought Pebble?", table, as_of)  # not asked how much
    assert said is not None and not said.declined
    # A yes/no question about a deal goes to the table; a question of when does not.
    assert asks_about_deal("Did Larch buy Pebble?")
    assert not asks_about_deal("When did Larch buy Pebble?")
    done = answer_from_table("Did Larch buy Pebble?", table, as_of)
    assert done is not None and "completed" in done.text


def test_two_names_side_by_side_are_two_parties(tmp_path: Path) -> None:
    """ "Annabel Lee's Quintel deal" names Annabel Lee and Quintel: the stakes in Quintel answer who
    put money into it, not only Annabel Lee's takeover."""
    from rag.deals.answer import answer_from_table

    rows = [
        ("Annabel Lee completed her $ 44 billion purchase of Quintel .", "acquisition",
         ["Annabel Lee"], 44e9, "$ 44 billion"),
        ("$ 25 million from investment firm Larch Capital", "stake", ["Larch Capital"], 25e6,
         "$ 25 million"),
    ]  # fmt: skip
    table = DealTable(tmp_path)
    listed = {
        "Quintel": {
            "text": "",
            "start": 0,
            "end": 0,
            "context": "Annabel Lee is paying $ 27 billion in cash for Quintel .",
            "lead_in": "Then there's $ 5 billion from equity investors:",
        }
    }
    table.build(
        [Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type=kind, buyers=buyers,
                 target="Quintel", amount=a, amount_usd=usd, stage="closed",
                 published="2022-10-28", refs=listed if kind == "stake" else {})
         for n, (s, kind, buyers, usd, a) in enumerate(rows)],
        "test",
    )  # fmt: skip
    found = answer_from_table(
        "Which investors put $25 million into Annabel Lee's Quintel deal?",
        table,
        date(2022, 10, 30),
    )
    assert found is not None and "Larch Capital" in found.text, found


def test_a_listing_question_naming_no_party_is_not_answered_from_the_table(
    tmp_path: Path,
) -> None:
    from rag.deals.answer import answer_from_table

    s = "Harlow Air completed its purchase of Quintel Air , beating Larch and Pebble to it ."
    m = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                buyers=["Harlow Air"], target="Quintel Air", amount=None, stage="closed",
                published="2023-10-12", title="Harlow closes")  # fmt: skip
    table = DealTable(tmp_path)
    table.build([m], "test")
    as_of = date(2023, 12, 31)
    # Larch is named in the sentence, but is a party to no deal: its deals are not this one.
    assert answer_from_table("Which deals did Larch make?", table, as_of) is None
    mine = answer_from_table("Which deals did Harlow Air make?", table, as_of)
    assert mine is not None and "Quintel Air" in mine.text
    # A month is the question's time, not a party.
    october = answer_from_table("What were the largest deals in October?", table, as_of)
    assert october is not None and "Quintel Air" in october.text
    assert answer_from_table("What were the largest deals in November?", table, as_of) is None


def test_a_deal_retold_years_later_says_its_year_and_is_no_deal_of_the_window(
    tmp_path: Path,
) -> None:
    from rag.deals.answer import answer_from_table
    from rag.deals.cues import event_year
    from rag.deals.mentions import refresh_rules

    published = date(2023, 10, 17)
    for sentence, year in (
        ("Larch plans to sell Pebble Solutions , which it bought in 2015 for $ 2 billion .", 2015),
        ("August 2019 : Harlow acquires Quintel from Orchard", 2019),
        ("Harlow bought Quintel on March 5 , 2019 .", 2019),
        ("A merger first announced in late 2017 .", 2017),
        ("Pebble Inn opened in 1998 and was acquired by Harlow Resorts in 2001 .", 2001),
        ("Harlow agreed to buy Quintel for $ 3.9 billion in 2023 .", None),  # the article's
        ("Harlow will close the deal in 2024 .", None),  # a plan
    ):
        assert event_year(sentence, published) == year, sentence
    assert event_year("It bought Quintel in 2015 .", None) is None  # undated: no "before"

    old = "Larch , which bought Pebble Solutions in 2015 for $ 2 billion , is hiring ."
    new = "Harlow Air agreed to buy Quintel Air for $ 1.2 billion ."
    made = (
        Mention(article_id=a, sentence=s, start=0, end=len(s), type="acquisition", buyers=[b],
                target=t, amount=amt, amount_usd=usd, published="2023-10-17", title=a)
        for a, s, b, t, amt, usd in (
            ("a", old, "Larch", "Pebble Solutions", "$ 2 billion", 2e9),
            ("b", new, "Harlow Air", "Quintel Air", "$ 1.2 billion", 1.2e9),
        )
    )  # fmt: skip
    mentions = [refresh_rules(m) for m in made]
    assert [m.event_year for m in mentions] == [2015, None]
    assert mentions[0].by["event_year"] == "rule" and mentions[0].stage == "closed"
    table = DealTable(tmp_path)
    table.build(mentions, "test")
    as_of = date(2023, 12, 31)
    # Asked about October, the deal retold then but done in 2015 is not one of October's.
    october = answer_from_table("What were the largest deals in October?", table, as_of)
    assert october is not None and "Quintel Air" in october.text
    assert "Pebble" not in october.text
    # Asked about it, the answer says when it was done.
    pebble = answer_from_table("Who bought Pebble Solutions?", table, as_of)
    assert pebble is not None
    assert pebble.text == (
        "Larch's acquisition of Pebble Solutions for $ 2 billion in 2015: completed [1]."
    )
    # `deals show` and the Deals tab say it too.
    from rag.deals.render import deal_detail
    from ui.deals_tab import deal_html

    (deal,) = pebble.deals
    assert deal.year == 2015 and "year: 2015" in deal_detail(deal)
    assert "<dd>2015</dd>" in deal_html(deal, {})


# -- the real local model ---------------------------------------------------------------------


@pytest.mark.slow
def test_the_real_model_finds_the_seed_deal(tmp_path: Path) -> None:
    """The founding article: Alibaba leads MiniMax's round, at least $600 million, rumoured."""
    from rag.corpus import load
    from rag.deals.forms import LocalForms
    from rag.deals.pipeline import prefilled

    settings = Settings.load(index=tmp_path / "index")
    (article,) = [a for a in load([str(ROOT / "corpus")]) if isinstance(a, Article)]
    # Filled as ingest fills them: all candidate sentences together, several at a time.
    sentences = [(article.text[s:e], amounts) for s, e, amounts in candidates(article.text)]
    mentions = extract(article.id, article.text, prefilled(LocalForms(settings), sentences))
    deals = [d for d in merge(mentions) if normalise(d.target) == "minimax"]
    assert len(deals) == 1, [(m.target, m.buyers) for m in mentions]
    (d,) = deals
    assert d.type == "funding round" and d.lead == "Alibaba"
    assert d.amount is not None and "600 million" in d.amount
    assert d.amount_usd is not None and d.amount_usd >= 6e8
    assert d.stage == "rumoured"
    for m in d.mentions:
        assert article.text[m.start : m.end] == m.sentence
    # Nobody who only reported the deal is a party to it.
    assert not {"bloomberg", "china star market", "cnbc"} & {normalise(b) for b in d.buyers}


def test_a_model_that_cannot_fill_forms_is_one_line_and_keeps_the_articles(
    settings: Settings, tmp_path: Path
) -> None:
    path = _write(tmp_path / "news.jsonl", ARTICLES)
    out = CliRunner().invoke(
        main,
        ["ingest", str(path), "--index", str(settings.index), "--embedding-model", "fake",
         "--llm", "openai"],
    )  # fmt: skip
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert "NEWSRAG_OPENAI_BASE_URL" in out.output and "--no-deals" in out.output
    assert VectorStore(settings, "fake").articles().keys() == {a.id for a in _articles(ARTICLES)}


@pytest.mark.parametrize(
    "sentence, target, share",
    [
        ("Larch, the top U.S. grocer, invested $12.8 billion for a 35% stake in the Ohio-based "
         "start-up, which has roughly 40% of the market.", "Pebble", "35%"),
        ("Ann Lee, who purchased a nearly 10% stake in Quintel last March, sold all her shares.",
         "Quintel", "nearly 10%"),
        ("Larch Canada will own nearly 30 % interest in Quintel, with the remaining 70 % owned "
         "by Larch.", "Quintel", "nearly 30%"),
        ("Ann Lee bought 9.2 percent of Quintel in April.", "Quintel", "9.2 percent"),
        ("Ann Lee, who already owned nearly 10% of Quintel, is paying $ 27 billion for it.",
         "Quintel", "nearly 10%"),
        ("Larch holds a 5% stake in Pebble and a 7% stake in Quintel.", "Quintel", "7%"),
        ("Larch holds a 5% stake in Pebble and a 7% stake in Quintel.", "Pebble", "5%"),
        ("Larch holds a 5% stake in Pebble and a 7% stake in Quintel.", "Orchard", None),
        ("Shares of Quintel rose 10% after Larch disclosed its stake.", "Quintel", None),
        ("Quintel has 40% of the market, and Larch bought a stake in it.", "Quintel", None),
        # words describing the company between the size and its name
        ("Ann Lee and her partner bought 38% of the mining and metal company Quintel for $170.1 "
         "million.", "Quintel", "38%"),
        ("The fund owns 5% of the largest beverage company and 7% of Quintel.", "Quintel", "7%"),
    ],
)  # fmt: skip
def test_a_stakes_size_is_read_from_its_sentence(sentence: str, target: str, share: str) -> None:
    from rag.deals.roles import stake_share

    assert stake_share(sentence, target) == share


def test_a_stake_the_model_calls_an_acquisition_is_a_stake() -> None:
    """ "invested $12.8 billion for a 35% stake in the start-up" has no word of an acquisition:
    the model's type is read as the stake the words state, not dropped."""
    from rag.deals.mentions import refresh_rules, verify

    s = ("Since launching in 2015, Pebble has come to dominate its market, so much that Larch "
         "invested $ 12.8 billion for a 35% stake in the Ohio-based start-up.")  # fmt: skip
    form = {"deal": True, "type": "acquisition", "buyers": ["Larch"], "target": "Pebble",
            "amount": 1}  # fmt: skip
    (fields,) = verify(form, s, find_money(s), date(2019, 7, 14))
    assert fields["type"] == "stake" and fields["by"]["type"] == "rule"
    assert fields["buyers"] == ["Larch"] and fields["target"] == "Pebble"
    assert fields["amount"] == "$ 12.8 billion" and fields["share"] == "35%"
    # An acquisition the model reads where no word says which kind is still no deal.
    other = "Larch has come to dominate the market with $ 12.8 billion in sales."
    assert verify(form, other, find_money(other), None) == []
    # A stored stake gains its size when read.
    stored = Mention(article_id="a1", sentence=s, start=0, end=len(s), type="stake",
                     buyers=["Larch"], target="Pebble", published="2019-07-14")  # fmt: skip
    assert refresh_rules(stored).share == "35%"


def test_a_stakes_size_is_asked_of_the_table(tmp_path: Path) -> None:
    from rag.deals.answer import answer_from_table, asks_about_deal
    from rag.deals.mentions import refresh_rules

    said = "Ann Lee purchased a nearly 10% stake in Quintel last March."
    bare = "Ann Lee bought a stake in Pebble."
    table = DealTable(tmp_path)
    table.build(
        [refresh_rules(Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type="stake",
                               buyers=["Ann Lee"], target=t, stage="closed",
                               published="2023-04-24"))
         for n, (s, t) in enumerate([(said, "Quintel"), (bare, "Pebble")])],
        "test",
    )  # fmt: skip
    as_of = date(2023, 5, 1)
    for q in ("What stake did Ann Lee buy in Quintel?", "How big a stake does Ann Lee hold in "
              "Quintel?", "How much of Quintel does Ann Lee own?"):  # fmt: skip
        assert asks_about_deal(q), q
        found = answer_from_table(q, table, as_of)
        assert found is not None and not found.declined, q
        assert "Ann Lee's nearly 10% stake in Quintel" in found.text, q
    # `deals show`, --json and the Deals tab show the size too.
    from rag.deals.query import find_deals
    from rag.deals.render import deal_detail, deals_json
    from ui.deals_tab import deal_html

    (sized,) = find_deals(table, DealQuery(company="Quintel"))
    assert "  stake size: nearly 10%" in deal_detail(sized)
    assert json.loads(deals_json([sized]))[0]["share"] == "nearly 10%"
    assert "<dt>Stake size</dt><dd>nearly 10%</dd>" in deal_html(sized, {})
    unsized = answer_from_table("How big a stake does Ann Lee hold in Pebble?", table, as_of)
    assert unsized is not None and unsized.declined
    assert unsized.text == (
        "The articles don't say how large a stake. They report Ann Lee's stake in Pebble."
    )
    # "How big" a stake is asked is answered by its price too; "what stake" is not.
    priced = "Orchard acquired a $ 3.5 billion stake in Pexa Labs ."
    table.build([Mention(article_id="a3", sentence=priced, start=0, end=len(priced),
                         type="stake", buyers=["Orchard"], target="Pexa Labs", stage="closed",
                         amount="$ 3.5 billion", amount_usd=3.5e9, published="2023-04-24")],
                "test")  # fmt: skip
    sized_by_price = answer_from_table("How big a stake did Orchard take in Pexa Labs?", table,
                                       as_of)  # fmt: skip
    assert sized_by_price is not None and not sized_by_price.declined
    assert sized_by_price.text == "Orchard's stake in Pexa Labs for $ 3.5 billion: completed [1]."
    what = answer_from_table("What stake did Orchard take in Pexa Labs?", table, as_of)
    assert what is not None and what.declined
    # A share of something else is no stake.
    assert not asks_about_deal("What share of the market does Quintel have?")
    assert not asks_about_deal("What percentage of Quintel's revenue comes from phones?")


def test_a_team_named_with_its_city_and_a_deals_worth_are_asked_of_the_table(
    tmp_path: Path,
) -> None:
    """A team asked for with its city ("Who bought the Springfield Quintels in 2012?") where
    the source says "the Quintels": the words before a party's name qualify it, and its
    sources need not say them. "What is Larch's deal for Pebble worth?" asks its amount."""
    from rag.deals.answer import answer_from_table, asks_about_deal
    from rag.deals.mentions import refresh_rules

    team = (
        "Led by Ann Lee, Larch Baseball Management purchased the Quintels in 2012 for $2.15 "
        "billion."
    )
    bank = "Larch agreed to acquire Pebble in a deal of approximately $131 million."
    table = DealTable(tmp_path)
    table.build(
        [refresh_rules(Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type=k,
                               buyers=b, target=t, stage="closed", amount=a,
                               published="2023-12-13"))
         for n, (s, k, b, t, a) in enumerate([
             (team, "acquisition", ["Larch Baseball Management"], "Quintels", "$2.15 billion"),
             (bank, "acquisition", ["Larch"], "Pebble", "approximately $131 million")])],
        "test",
    )  # fmt: skip
    as_of = date(2023, 12, 13)
    for q in ("Who bought the Springfield Quintels in 2012?", "Who bought the Quintels?"):
        found = answer_from_table(q, table, as_of)
        assert found is not None and "Larch Baseball Management" in found.text, q
    # No party ends the run: "Springfield Pebbles" is not Pebble.
    assert answer_from_table("Who bought the Springfield Pebbles?", table, as_of) is None
    for q in ("What is Larch's deal for Pebble worth?", "What was the price of Larch's "
              "acquisition of Pebble?"):  # fmt: skip
        assert asks_about_deal(q), q
        found = answer_from_table(q, table, as_of)
        assert found is not None and "approximately $131 million" in found.text, q
    assert not asks_about_deal("What is Ann Lee's contract worth?")


def test_a_sale_to_a_company_makes_it_the_buyer() -> None:
    """A sale to a company ("the $5.6 billion sale to Larch Energy Co.") names the buyer,
    whoever the model put there."""
    from rag.deals.mentions import verify

    s = (
        "The governor said the panel will oversee the $5.6 billion sale to Larch Energy Co., the "
        "Desk reports."
    )
    form = {"deal": True, "type": "acquisition", "buyers": ["Governor"],
            "target": "Larch Energy Co.", "amount": 1}  # fmt: skip
    (fields,) = verify(form, s, find_money(s), None)
    assert fields["buyers"] == ["Larch Energy Co"] and fields.get("target") is None
    assert fields["amount"] == "$5.6 billion"


def test_who_is_asked_of_a_deal_no_source_names_a_party_of(tmp_path: Path) -> None:
    """ "Who bought the Quintels?" where the one source says only that they will be sold, and
    "Who led Veldt AI's Series D round?" where no lead is named: declined with what is
    reported. "From which company did Larch buy Pebble?" asks for a seller, which the table
    does not keep: left to the chain."""
    from rag.deals.answer import answer_from_table

    sale = "The Quintels will be sold for at least $3 billion, several owners believe."
    round_ = "Veldt AI secured Series D funding that valued it at over $1 billion."
    bought = "Larch bought Pebble from Orchard for $20 million."
    table = DealTable(tmp_path)
    table.build(
        [Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type=k, buyers=b,
                 target=t, stage=st, published="2022-10-09", **kw)
         for n, (s, k, b, t, st, kw) in enumerate([
             (sale, "acquisition", [], "Quintels", "rumoured", {"amount": "at least $3 billion"}),
             (round_, "funding round", [], "Veldt AI", "closed",
              {"round": "Series D", "valuation": "over $1 billion"}),
             (bought, "acquisition", ["Larch"], "Pebble", "closed", {"amount": "$20 million"})])],
        "test",
    )  # fmt: skip
    as_of = date(2022, 10, 10)
    who = answer_from_table("Who bought the Quintels?", table, as_of)
    assert who is not None and who.declined
    assert who.text.startswith("The articles don't say who. They report an undisclosed buyer's")
    # ... and that the sale they report is not confirmed.
    assert who.text.endswith("(reported, not confirmed).")
    led = answer_from_table("Who led Veldt AI's Series D round?", table, as_of)
    assert led is not None and led.declined
    assert led.text.startswith("The articles don't say who led it. They report Veldt AI")
    # A named party is still answered, and "which company did X buy" asks what was bought.
    for q in ("Who bought Pebble?", "Which company did Larch buy?"):
        found = answer_from_table(q, table, as_of)
        assert (
            found is not None
            and not found.declined
            and "Larch's acquisition of Pebble" in (found.text)
        ), q
    assert answer_from_table("From which company did Larch buy Pebble?", table, as_of) is None
    assert answer_from_table("Who sold Pebble to Larch?", table, as_of) is None


def _phrasing_table(tmp_path: Path) -> DealTable:
    """A table of made-up deals that questions are asked of in many phrasings."""
    rows = [
        ("Larch bought the Quintels in 2012 for $2 billion.", "acquisition", ["Larch"],
         "Quintels", "closed", {"amount": "$2 billion", "amount_usd": 2e9}),
        ("Larch has bought Pebble Robotics.", "acquisition", ["Larch"], "Pebble Robotics",
         "closed", {}),
        ("Orchard will take a 15% stake in Vireo Air.", "stake", ["Orchard"], "Vireo Air",
         "announced", {"share": "15%"}),
        ("Birch and Alder agreed to merge in a deal worth $9 billion.", "merger", ["Birch"],
         "Alder", "announced", {"amount": "$9 billion", "amount_usd": 9e9}),
        ("A group led by Ann Lee bought Rovers for $5 billion.", "acquisition", ["Ann Lee"],
         "Rovers", "closed", {"amount": "$5 billion", "amount_usd": 5e9}),
        ("Larch agreed to buy Cedar Labs.", "acquisition", ["Larch"], "Cedar Labs", "announced",
         {}),
    ]  # fmt: skip
    table = DealTable(tmp_path)
    table.build(
        [Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type=k, buyers=b,
                 target=t, stage=st, published="2022-10-09", **kw)
         for n, (s, k, b, t, st, kw) in enumerate(rows)],
        "test",
    )  # fmt: skip
    return table


def test_who_holds_the_most_of_a_company_is_asked_as_who_owns_it(tmp_path: Path) -> None:
    # Held-out news: "Who became the largest shareholder of Tribune?" went to the chain, which
    # named the seller; the table holds Alden's 25.2% stake.
    from rag.deals.answer import answer_from_table, as_owner_question

    for q in ("Who became the largest shareholder of the Quintels?",
              "Who is the biggest shareholder in the Quintels?",
              "Who is the Quintels' largest shareholder?"):  # fmt: skip
        assert as_owner_question(q).rstrip("?") == "Who owns the Quintels", q
        found = answer_from_table(as_owner_question(q), _phrasing_table(tmp_path),
                                  date(2022, 10, 10))  # fmt: skip
        assert found is not None and found.text.startswith("Larch's acquisition of Quintels"), q
    for q in ("Who is the largest shareholder?", "Who founded the Quintels?",
              "Is Larch the largest shareholder of the Quintels?"):  # fmt: skip
        assert as_owner_question(q) == q


def test_who_bids_for_a_company_is_asked_of_the_table(tmp_path: Path) -> None:
    # Held-out news (SENTiVENT): "Which company is Boeing bidding for?" went to the chain,
    # which answered "Saudi Arabia"; the table holds Boeing's bid for Embraer.
    from rag.deals.answer import answer_from_table

    table = _phrasing_table(tmp_path)
    for q in ("Which company is Larch bidding for?", "Which company did Larch bid for?"):
        found = answer_from_table(q, table, date(2022, 10, 10))
        assert found is not None and "Larch's acquisition of Cedar Labs" in found.text, q
    found = answer_from_table("Who is bidding for Cedar Labs?", table, date(2022, 10, 10))
    assert found is not None and found.text.startswith("Larch's acquisition of Cedar Labs")
    assert answer_from_table("Which city won the bid to host the Games?", table,
                             date(2022, 10, 10)) is None  # fmt: skip


def test_what_a_question_names_as_bought_must_be_the_deals_target(tmp_path: Path) -> None:
    # Held-out news (SENTiVENT): "How much did Amazon pay for Kroger?" got Amazon's purchase of
    # Whole Foods, whose article says "than if they had gone after Kroger".
    from rag.deals.answer import answer_from_table

    s = "By buying Pebble for $2 billion, Larch hurts Quintel more than if it had gone after Cedar."
    table = DealTable(tmp_path)
    table.build([Mention(article_id="a1", sentence=s, start=0, end=len(s), type="acquisition",
                         buyers=["Larch"], target="Pebble", stage="closed", amount="$2 billion",
                         amount_usd=2e9, published="2022-10-09")], "test")  # fmt: skip
    as_of = date(2022, 10, 10)
    assert answer_from_table("How much did Larch pay for Cedar?", table, as_of) is None
    assert answer_from_table("Did Larch buy Quintel?", table, as_of) is None
    found = answer_from_table("How much did Larch pay for Pebble?", table, as_of)
    assert found is not None and "$2 billion" in found.text


def test_whom_a_company_merges_with_is_its_merger_not_its_other_deals(tmp_path: Path) -> None:
    # Held-out news (SENTiVENT): "Which company is GE merging its oil and gas business with?"
    # listed GE's two purchases beside its merger with Baker Hughes.
    from rag.deals.answer import answer_from_table

    def mention(n: int, s: str, kind: str, buyers: list[str], target: str) -> Mention:
        return Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type=kind,
                       buyers=buyers, target=target, stage="announced",
                       published="2022-10-0" + str(n))  # fmt: skip

    table = DealTable(tmp_path)
    made = [
        mention(1, "Larch agreed to buy Cedar Rail.", "acquisition", ["Larch"], "Cedar Rail"),
        mention(2, "Larch will merge its gas unit with Pebble.", "merger", ["Larch"], "Pebble"),
    ]
    table.build(made, "test")
    as_of = date(2022, 10, 10)
    found = answer_from_table("Which company is Larch merging its gas unit with?", table, as_of)
    assert found is not None and "Pebble" in found.text and "Cedar" not in found.text
    # Where it has no merger, its deals still answer; other questions list them all.
    table.build(made[:1], "test")
    found = answer_from_table("Which company is Larch merging with?", table, as_of)
    assert found is not None and "Cedar Rail" in found.text
    table.build(made, "test")
    found = answer_from_table("Which deals did Larch make?", table, as_of)
    assert found is not None and "Pebble" in found.text and "Cedar Rail" in found.text


def test_a_company_asked_by_its_initials_or_in_full_is_the_tables_party(tmp_path: Path) -> None:
    # Held-out news (SENTiVENT): "How big a stake did Trian acquire in Procter & Gamble?",
    # where the table's party is "P&G"; and the other way round.
    from rag.deals.answer import _aliased, answer_from_table

    def mention(n: int, buyers: list[str], target: str, amount: str = "") -> Mention:
        s = f"{' and '.join(buyers)} agreed to buy {target}"
        s += f" for {amount}." if amount else "."
        return Mention(article_id=f"a{n}", sentence=s, start=0, end=len(s), type="acquisition",
                       buyers=buyers, target=target, stage="announced", published="2022-10-01",
                       amount=amount or None, amount_usd=2e9 if amount else None)  # fmt: skip

    table = DealTable(tmp_path)
    table.build([mention(1, ["Larch"], "P&Q", "$2 billion"),
                 mention(2, ["Harlow Systems"], "Pexa Labs"),
                 mention(3, ["Orchard"], "QB’s Alaska")], "test")  # fmt: skip
    as_of = date(2022, 10, 10)
    found = answer_from_table("How much did Larch pay for Pexa & Quintel?", table, as_of)
    assert found is not None and "Larch's acquisition of P&Q for $2 billion" in found.text
    found = answer_from_table("Who is buying PL?", table, as_of)
    assert found is not None and "Harlow Systems" in found.text
    parties = {"p and q": "P&Q", "harlow systems": "Harlow Systems", "pexa labs": "Pexa Labs",
               "qb alaska": "QB’s Alaska", "pine labs": "Pine Labs"}  # fmt: skip
    assert _aliased("Did Pexa & Quintel's owner sell?", parties) == "Did P&Q's owner sell?"
    assert _aliased("Who bought HS?", parties) == "Who bought Harlow Systems?"
    # Not where two parties have those initials, nor a word of a party's name ("QB" of "QB's
    # Alaska"), nor a name the table holds as written.
    assert _aliased("Who is buying PL?", parties) == "Who is buying PL?"
    assert _aliased("Who is buying QB's Alaska assets?", parties) == (
        "Who is buying QB's Alaska assets?"
    )
    assert _aliased("Did Harlow Systems buy it?", parties) == "Did Harlow Systems buy it?"


def test_who_owns_what_a_deal_cost_and_its_status_are_asked_of_the_table(tmp_path: Path) -> None:
    """ "Who owns the Quintels?" is who bought them; "What did X pay for ...?" asks the price;
    "What is the status of ...?" asks the stage. "Who bought Larch?" asks for Larch's buyer,
    and the deals Larch made are no answer to it: left to the chain. "Which companies has
    Larch acquired?" still lists them, and a club's "FC" need not be in its sources."""
    from rag.deals.answer import answer_from_table, asks_about_deal

    table = _phrasing_table(tmp_path)
    as_of = date(2022, 10, 10)

    def ask(question: str) -> str | None:
        found = answer_from_table(question, table, as_of)
        return None if found is None else found.text

    for q in ("Who owns the Quintels?", "Who is the Quintels' owner?",
              "What did Larch pay for the Quintels?",
              "What price did Larch pay for the Quintels?"):  # fmt: skip
        assert ask(q) == "Larch's acquisition of Quintels for $2 billion: completed [1].", q
    paid = answer_from_table("What did Orchard pay for its stake in Vireo Air?", table, as_of)
    assert (
        paid is not None
        and paid.declined
        and paid.text.startswith(
            "The articles don't say how much. They report Orchard's 15% stake in Vireo Air"
        )
    )
    assert ask("What is the status of the Birch and Alder merger?") == (
        "Birch and Alder merger, $9 billion: announced [1]."
    )
    assert ask("Who merged with Birch?") == "Birch and Alder merger, $9 billion: announced [1]."
    assert ask("Who owns Rovers FC?") == (
        "Ann Lee's acquisition of Rovers for $5 billion: completed [1]."
    )
    for q in ("Who bought Larch?", "Which company acquired Larch?", "Who owns Larch?",
              "Who bought Birch?", "Who invested in Larch?"):  # fmt: skip
        assert ask(q) is None, q
    # Other ways to ask about one deal, and a name without its "Air" or "Airways".
    for q in ("Tell me about Larch's deal for Pebble Robotics.", "Is Larch buying Pebble Robotics?",
              "Has Larch's acquisition of robot maker Pebble Robotics from its founders closed?",
              "Has Larch closed its purchase of Pebble Robotics?"):  # fmt: skip
        assert ask(q) == "Larch's acquisition of Pebble Robotics: completed [1].", q
    assert ask("What's Larch paying for the Quintels?") == (
        "Larch's acquisition of Quintels for $2 billion: completed [1]."
    )
    assert ask("Has Orchard closed its purchase of a stake in Vireo?") == (
        "Orchard's 15% stake in Vireo Air: announced [1]."
    )
    # A party typed in lower case still picks its deal: not every deal of the other party.
    assert ask("how much did larch pay for pebble robotics") == (
        "The articles don't say how much. They report Larch's acquisition of Pebble Robotics, "
        "with no amount."
    )
    teams = ask("Which teams has Larch bought?")
    assert teams is not None and "Larch's acquisition of Quintels" in teams
    assert ask("What is Vireo Air's biggest investor?") == (
        "Orchard's 15% stake in Vireo Air: announced [1]."
    )
    for q in (
        "Was the Birch and Alder merger called off?",
        "Were Birch and Alder planning to merge?",
    ):
        assert ask(q) == "Birch and Alder merger, $9 billion: announced [1].", q
    assert ask("Which company did Larch buy Pebble Robotics from?") is None  # a seller
    # A floor on the deals' size is no price of one; "is buying" asks for deals not done yet.
    over = ask("Which deals over $3 billion were made?")
    assert over is not None and "Birch and Alder merger" in over and "Rovers" in over
    assert "Quintels" not in over
    assert ask("What was the biggest takeover?").startswith("- Ann Lee's acquisition of Rovers")
    assert ask("What did Orchard invest in?") == "Orchard's 15% stake in Vireo Air: announced [1]."
    assert ask("What is Larch buying?") == "Larch's acquisition of Cedar Labs: announced [1]."
    assert not asks_about_deal("Which singer is being brought back to life using AI?")
    assert (
        ask("Which startup did Orchard back?") == "Orchard's 15% stake in Vireo Air: announced [1]."
    )
    listed = ask("Which companies has Larch acquired?")
    assert listed is not None and "Pebble Robotics" in listed and "Quintels" in listed
    # "own" alone is no deal word: "in their own stadium".
    assert not asks_about_deal("Who scored for the Quintels in their own stadium?")


def test_a_question_naming_a_party_but_asking_no_deal_of_it_goes_to_the_chain(
    tmp_path: Path,
) -> None:
    """Questions that name a party of the table and a deal word, but ask about something else:
    planes or rights bought, a building owned, a lead in goals, what a target bought."""
    from rag.deals.answer import answer_from_table

    table = _phrasing_table(tmp_path)
    for q in ("Is Larch buying new planes?", "Which show has Larch bought the rights to?",
              "Is Larch planning to buy a new warehouse?",
              "Who owns the building Larch used as headquarters?", "Is Larch investing in AI?",
              "Who is leading the Quintels in goals this season?",
              "Which players did the Quintels acquire in a trade?"):  # fmt: skip
        assert answer_from_table(q, table, date(2022, 10, 10)) is None, q
    # ... while the deals asked of are still answered.
    found = answer_from_table("Which companies did Larch acquire?", table, date(2022, 10, 10))
    assert found is not None and "Quintels" in found.text


def test_a_name_that_heads_a_list_of_three_or_more_is_no_target() -> None:
    """ "spent $1 billion acquiring Ann Lee, J.T. Ray, Bo Park and Cy Young": the sum paid for
    the list, not for its first name, which is no deal's target, at extraction and when stored
    mentions are read under today's rules. One name, or two, stays the target."""
    from rag.deals.mentions import refresh_rules, verify

    s = "Owner Max Lind has spent $1 billion acquiring Ann Lee, J.T. Ray, Bo Park and Cy Young."
    form = {"deal": True, "type": "acquisition", "buyers": ["Max Lind"], "target": "Ann Lee",
            "amount": 1}  # fmt: skip
    (fields,) = verify(form, s, find_money(s), None)
    assert fields.get("target") is None and fields["buyers"] == ["Max Lind"]
    stored = Mention(article_id="a", sentence=s, start=0, end=len(s), type="acquisition",
                     buyers=["Max Lind"], target="Ann Lee", amount="$1 billion")  # fmt: skip
    refreshed = refresh_rules(stored)
    assert refreshed is None or refreshed.target is None
    for kept in ("Larch bought Quintel, the robot maker, for $1 billion.",
                 "Larch bought Quintel and Pebble for $1 billion."):  # fmt: skip
        target = "Quintel"
        form = {"deal": True, "type": "acquisition", "buyers": ["Larch"], "target": target,
                "amount": 1}  # fmt: skip
        (fields,) = verify(form, kept, find_money(kept), None)
        assert fields.get("target") == target, kept


def test_a_takeover_has_no_stake_size() -> None:
    """The share a buyer held before its takeover is no size of the takeover."""
    from rag.deals.mentions import verify

    s = "Ann Lee, who already owned nearly 10% of Quintel, is paying $ 27 billion for the takeover."
    form = {"deal": True, "type": "acquisition", "buyers": ["Ann Lee"], "target": "Quintel",
            "amount": 1}  # fmt: skip
    (fields,) = verify(form, s, find_money(s), None)
    assert fields["type"] == "acquisition" and fields.get("share") is None


def test_an_answer_that_makes_the_company_asked_about_the_buyer_is_refused() -> None:
    from rag.deals.answer import buyer_is_target
    from rag.refusal import decide_refusal

    # Held-out news: "Who is buying McClatchy?" was answered "McClatchy is buying Alden [1]".
    assert buyer_is_target("Who is buying Quintel?", "Quintel is buying Larch [1].")
    assert buyer_is_target("Who bought the Quintel Group?", "Quintel Group has acquired Pexa [2].")
    assert not buyer_is_target("Who is buying Quintel?", "Larch is buying Quintel [1].")
    assert not buyer_is_target("Who bought Quintel?", "Quintel was bought by Larch [1].")
    assert not buyer_is_target("Who acquired Quintel?", "Quintel was acquired in 2019 by Larch.")
    assert not buyer_is_target("Who founded Quintel?", "Quintel bought Larch [1].")
    evidence = {"model_refused": False, "unsupported": False, "confidence": 0.9}
    assert not decide_refusal(evidence, 0.5)
    assert decide_refusal({**evidence, "deal_reversed": True}, 0.5)


def test_a_deal_is_unsaid_when_no_cited_sentence_tells_of_one() -> None:
    from rag.deals.answer import deal_unsaid

    founder = "The legal ramifications for Quintel and its founder, Ann Lee, remain unclear."
    assert deal_unsaid("Who bought Quintel?", [founder])
    assert not deal_unsaid("Who bought Quintel?", ["Larch acquired Quintel in May."])
    sued = "Quintel investor Larch Fund sues the company for $96.1 million."
    assert deal_unsaid("Which company did Quintel acquire?", [sued])  # an investor, no purchase
    assert not deal_unsaid("Who invested in Quintel?", [sued])
    assert not deal_unsaid("Who founded Quintel?", [founder])  # no deal asked about
    # a stake asked about, a deal told: "still negotiating the deal with Cosco"
    talks = "Quintel said it was still negotiating the deal with Larch."
    assert not deal_unsaid("Which company bid for a stake in Quintel?", [talks])
    assert not deal_unsaid("Who bought Quintel?", [])  # nothing cited: judged elsewhere
    # A sum or a size asked: the sentence that holds it need not name the deal.
    assert not deal_unsaid("How much is Quintel seeking?", ["Quintel wants at least $6 billion."])


def test_investigating_is_no_investing() -> None:
    from rag.deals.answer import asked_family, asks_about_deal

    assert not asks_about_deal("Which company is investigating a hack involving Quintel?")
    assert asked_family("Who is investigating Larch's purchase of Quintel?") == "m&a"
    assert asks_about_deal("Which company invested in Quintel?")
