"""The deal candidate filter (`rag.deals.filter`): which sentences could state a deal and go
to the model."""

from __future__ import annotations

import pytest

from rag.deals.filter import candidates

DEAL_SENTENCES = [
    "Harlow Systems agreed to acquire Quintel Games for $6.8 billion in cash.",
    "Veldt AI raised $650 million in a Series B round led by Nordwind Capital.",
    "Nordwind Capital took a 10% stake in Veldt AI last year.",
    "Santos last year acquired Oil Search of Papua New Guinea.",
    "Larch acquired Pebble Staffing and its 3,000 workers for $ 40 million .",  # a company
    "Google scooped up Nest in 2014 for a cost of $ 3.2 billion .",
    "In February , Ford said it was investing $ 1 billion in Argo AI , a startup.",
    "A Tuesday report by Bloomberg said that Shanghai-based MiniMax is seeking at least "
    "$600 million in new financing.",
    # A buying word right before a name, with no amount.
    "Boeing 's reported bid for Embraer is a modest bump .",
    "By purchasing Whole Foods , Amazon has bought a well-known grocery brand .",
    "JetBlue Airways announces it will purchase Spirit Airlines, a combination.",
    # Portfolio news that also states a deal.
    "Ryan Cohen, who purchased a nearly 10% stake in Bed Bath & Beyond last March, sold off "
    "all his shares.",
    # A sale between two names needs no amount.
    "The founder, who previously sold Pebble Foods to Larch, now runs the unit.",
    # Owners of things, a company between the buying word and the things it owns, and
    # intellectual property are still deals.
    "The retailer was acquired by mall owners Orchard Property Group and Larch Capital.",
    "Harlow acquired Quintel, which owns 3,000 acres of farmland, for $2 billion.",
    "Larch bought Pebble's intellectual property and some leases for $15 million.",
    "Pebble's brands and web domain were purchased at auction by Larch for $21.5 million.",
    "Larch bought the Pebble Tribune and its headquarters for $200 million.",
    # A purchase or a holding named with its party, with no amount.
    "Larch expects the Pebble Foods purchase to add to its earnings within a year .",
    "On Friday , Pebble Networks , which Larch bought in July , said it had been hacked .",
    "Larch Canada will own nearly 30 % interest in Pebble 's Canadian business .",
    # "to buy" right before a name, a sale to a name with its price, a price per share.
    "Texas-based Larch announced plans to buy Pebble’s Alaska assets in August.",
    "The panel will oversee the $5.6 billion sale to Larch Energy Co., Quintel reports.",
    "According to the Journal , Larch and Pebble have informally agreed to a deal at ... $ 28 a "
    "share .",
]
NOT_DEALS = [
    "Walker has raised $1 million this year for his campaign.",  # no venture word
    "Tickets are $30 each day and can be purchased at the door.",  # not deal-sized
    "Shares of Boeing rose 3% to $210 after strong deliveries.",  # no deal word
    "The Scott administration wants $12 million in relief funding for child care.",
    "Democrat Maura Healey won against Trump-backed Republican Geoff Diehl.",
    "the company said it would buy back shares.",  # no names, no amount
    "Canha was acquired from the Mets ahead of the trade deadline by the Brewers.",  # sports
    "Rewards members get a free medium coffee from Lavazza with any purchase Friday.",  # a day
    "Tim Ryan of Ohio launched a bid for US Senate after Josh Mandel did.",  # an office
    # Portfolio news: a holding that changed, a stock sale.
    "Berkshire 's stake in Delta declined 8.3 percent to 55 million shares .",
    "Holdings in American Airlines Group Inc. and Southwest Airlines Co. increased , while a "
    "stake in Delta Air Lines Inc. was reduced .",
    "In early May , Bezos sold nearly $ 1 billion of Amazon stock in his biggest stock sale .",
    # Player trades and election money.
    "The Ravens stockpiled enough pitching talent to acquire Soto and outfielder Alex Verdugo.",
    "The Senate Democrats' fundraising arm announced $7 million on direct voter outreach.",
    "Americans for Progress spent about $2 million in the campaign after a union-backed recall.",
    "He sold the House on the plan before selling tickets to Fans.",  # no company sold
    # What a market, an investor or a fan buys.
    "The Bank of England said it would buy UK government debt on whatever scale is necessary.",
    "My strategy is to buy Exxon Mobil shares on weakness to $ 73.53 and Larch at $ 92.",
    "Fans flocked to buy Dodgers merchandise and to ask Larch about tickets.",
    "Starting Dec. 19, customers will be able to purchase Virgin America tickets at Larch.com.",
    "The Larch Hawks made headlines for a blockbuster trade, acquiring Sam Pebble.",
    "Moreno was acquired from the Harlow Jays in a trade last winter, joining the Larks.",
    "RHP Sam Pebble makes his debut with the Larks after being acquired from Harlow.",
    # Land, buildings and other things bought are no company deals.
    "The state will acquire a sprawling former farm property in the Larch Valley.",
    "Harlow Homes bought the site in 2016 for $9.5 million, five times its assessed value.",
    "The Larch family acquired the Pebble Park in 2001 and made major renovations.",
    "He plans to rehabilitate some of the 27 homes the city acquired in West Harlow.",
    "Larch Corp. purchased more than 73 acres of land from the Port of Harlow for $20 million.",
    "The inspection report, acquired by Harlow News on Tuesday, describes a dirty facility.",
    "A Pebble painting sold at auction for more than $23 million at Larch House.",
    "The auction house said the bottle of Pebble 1926 sold for $1,873,951 to Larch.",
    "His parents bought a New York mansion once owned by Sam Pebble for $32 million.",
    "The sale of Holy Trinity Greek Orthodox Church for $2.5 million to Larch Life Church was "
    "approved Tuesday by a U.S. Bankruptcy Court judge.",
    "AerCap owns 55 Dreamliners and 12 aircraft acquired through Larch sale-leaseback deals.",
    "Interest in Pebble rose 30 % after Larch spoke .",  # interest, but no holding
    "Sam Pebble said his purchase was worth it .",  # no party named with it
    "As Ann Larch's successors followed him, the Larch law firm acquired more legal partners "
    "and prowess, which helped Pebble Bank.",  # people hired, not a company bought
]


@pytest.mark.parametrize("sentence", DEAL_SENTENCES)
def test_a_sentence_stating_a_deal_is_a_candidate(sentence: str) -> None:
    found = list(candidates(sentence))
    assert [(a, b) for a, b, _ in found] == [(0, len(sentence))]


@pytest.mark.parametrize("sentence", NOT_DEALS)
def test_other_sentences_are_not_candidates(sentence: str) -> None:
    assert list(candidates(sentence)) == []


def test_candidates_carry_their_amounts_but_not_share_prices() -> None:
    sentence = "Harlow will pay $28 a share, or $6.8 billion, to acquire Quintel Games."
    (_, _, amounts), *_ = candidates(sentence)
    assert [m.text for m in amounts] == ["$6.8 billion"]
