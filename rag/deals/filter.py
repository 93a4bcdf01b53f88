"""The candidate filter: which sentences could state a deal, and so go to the model.

Every candidate costs the model one to five seconds, so the filter is narrow: a deal word plus
a deal-sized amount and a name, or a strong deal word ("acquire", "merger", "stake", "Series
B") plus two names; never sports trades, portfolio notes, campaign money, auctions, land and
buildings, or zoo animals. It also says which words a deal type needs (`KIND_WORDS`,
`states_kind`): the model's type stands only where the sentence holds one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.deals.money import Money, find_money, to_usd
from rag.text import split_sentences

MAX_SENTENCE_CHARS = 600  # longer "sentences" are tables or run-on lists, not deal statements

# Words that state a deal. Kept narrow: every candidate costs the model one to five seconds.
_MA = (
    r"acquir(?:e|es|ed|ing)|acquisitions?|buyouts?|takeovers?|"
    r"merg(?:e|ed|es|er|ers|ing)|combination\s+with"
)
_BUY = (
    r"buy(?:s|ing)?|bought|purchas(?:e|ed|es|ing)|(?:snap|scoop)(?:s|ped|ed)?\s+up|bid\s+for|"
    r"offer\s+(?:for|to\s+buy)|sale\s+(?:of|to)|sell(?:s|ing)?|sold"
)
_INVEST = (
    r"invest(?:s|ed|ing|ment|ments)?\s+(?:of\s+|about\s+|around\s+|nearly\s+)?(?:in|\$|€|£)|"
    r"stakes?\s+in|(?:lead|led|leading|anchor)\s+investors?|[\w-]+-backed|backed\s+by"
)
_FUND = (
    r"financing\s+round|round\s+of\s+(?:financing|funding)|funding\s+round|(?:pre-)?seed\s+round|"
    r"series\s+[a-h]|valu(?:ation|ed\s+at)|led\s+by|injection"
)
# Money words that are as often about campaigns, budgets and grants as about deals: they count
# only next to a word of the venture trade.
_WEAK = r"rais(?:e|es|ed|ing)|funding|fundrais\w*|seek(?:s|ing)?|financing"
# "Round" alone is as often "a round of layoffs" or "of talks": it counts next to money words.
_ROUND = (
    r"(?:funding|financing|investment|seed|equity|venture|growth|bridge|series\s+[a-h])\s+round|"
    r"round\s+of\s+(?:[\w-]+\s+)?(?:funding|financing|investment|capital)|round\s+led\s+by|"
    r"(?:raised?|raising|closed?|closing)\s+(?:a|an|the|its)\s+(?:[\w$.,-]+\s+){0,5}round"
)
_VENTURE_WORDS = (
    rf"{_ROUND}|investors?|venture|valuation|valued|start-?up|series\s+[a-h]|"
    r"backed|equity|stake|financing|fundraising|unicorn|(?:funding|backing|investment)\s+from"
)
_VENTURE = re.compile(rf"\b(?:{_VENTURE_WORDS}|led\s+by)\b", re.IGNORECASE)
# "Led by" names who leads a round only next to another word of the trade: alone it is as
# often "losses led by American" or "a team led by".
_ROUND_WORDS = re.compile(rf"\b(?:{_VENTURE_WORDS})\b", re.IGNORECASE)
_TAKEOVER = r"take\s+over|took\s+over|takes\s+over"
# "bought Nest", "bid for Embraer": a buying word right before a name.
# (Outside STRONG's (?![a-z]), which under IGNORECASE would refuse any letter after it.)
_BUY_NAME = (
    r"(?:bought|buys|(?:to|will|would|agreed\s+to|plans?\s+to)\s+buy|purchas(?:e|ed|es|ing)|"
    r"(?:snap|scoop)(?:s|ped|ed)?\s+up|bid\s+for|offer\s+for)\s+(?=(?-i:[A-Z]))"
    # Not "buy UK government debt", "buy Exxon Mobil shares", "buy Dodgers merchandise": what a
    # market or a fan buys.
    r"(?!(?:U\.?S\.?|UK|U\.K\.)\s)"
    r"(?!(?:[\w.'’-]+\s+){0,3}(?:debt|bonds?|shares|stocks?|merchandise|tickets|products|"
    r"goods|gear|jerseys)\b)"
    # Not "any purchase Friday", "a bid for Congress": days, months and offices are no targets.
    r"(?!(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b)"
    r"(?!(?:[\w.'’-]+\s+){0,2}(?:Congress|Senate|House|Speaker\w*|[Gg]overnor|[Mm]ayor|"
    r"[Pp]residen\w*|[Ss]upreme|[Oo]ffice|[Rr]e-?election|[Nn]omination)\b)"
)
# "sold Quidsi to Amazon", "sold its stake in GM East Africa to Isuzu": a sale between two
# names states a deal without an amount.
_SOLD_TO = (
    r"(?:sold|sells|sell|selling)\s+(?:(?:its|their|his|her|a|the)\s+)?"
    r"(?:(?:\d+(?:\.\d+)?\s*(?:%|percent)\s+)?stake\s+in\s+)?"
    r"(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3}\s+to\s+(?:the\s+)?(?-i:[A-Z])"
)
# "agreed to a deal at ... $ 28 a share", "an offer of $ 28 per share": a price per share
# offered for a company.
_PER_SHARE_DEAL = (
    r"(?:deal|offer|bid|takeover)\s+(?:[\w.,…$-]+\s+){0,4}?(?:at|of|for)\s+(?:\.\.\.\s+|…\s*)?"
    r"(?:about\s+|around\s+|roughly\s+)?\$\s?\d[\d.,]*\s+(?:a|per)\s+share"
)
# "the Time Warner purchase", "Tio Networks, which PayPal bought", "will own a 30% interest
# in": a purchase or a holding named with its party.
_NAMED_PURCHASE = (
    r"(?-i:[A-Z])[\w&.'’-]*\s+purchase(?![a-z])|"
    r"which\s+(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,2}\s+(?:bought|purchased)\b|"
    r"\d+(?:\.\d+)?\s*(?:%|percent)\s+(?:interest|ownership\s+interest|holding)\s+in\b"
)
# Not \b after the alternatives: some end in "$" ("investing $ 1 billion").
TRIGGER = re.compile(
    rf"\b(?:{_MA}|{_BUY}|{_INVEST}|{_FUND}|{_TAKEOVER})(?![a-z])|{_NAMED_PURCHASE}|"
    rf"\b{_PER_SHARE_DEAL}",
    re.IGNORECASE,
)
WEAK = re.compile(rf"\b(?:{_WEAK})(?![a-z])", re.IGNORECASE)
STRONG = re.compile(
    rf"\b(?:{_MA}|stakes?\s+in|series\s+[a-h]|funding\s+round|"
    rf"(?:lead|anchor)\s+investors?)(?![a-z])|\b(?:{_BUY_NAME})|\b{_SOLD_TO}|{_NAMED_PURCHASE}|"
    rf"\b{_PER_SHARE_DEAL}",
    re.IGNORECASE,
)
# A capitalised word that is not the sentence's first: a company or person name, roughly.
_NAME = re.compile(r"(?<=[\s(\"“'‘])[A-Z][\w&.'’-]*[A-Za-z0-9]")


# The words a sentence must hold for the model's deal type to stand. "Investors" alone is not
# one: it is in every other sentence of business news.
_INVESTED = r"invest(?:s|ed|ing|ment|ments)"
KIND_WORDS = {
    "acquisition": re.compile(rf"\b(?:{_MA}|{_BUY}|{_TAKEOVER}|deal)(?![a-z])", re.IGNORECASE),
    "merger": re.compile(r"\b(?:merg\w*|combin\w*)", re.IGNORECASE),
    "funding round": re.compile(
        rf"\b(?:{_FUND}|{_WEAK}|{_INVEST}|{_INVESTED}|round|backed)(?![a-z])", re.IGNORECASE
    ),
    "stake": re.compile(
        rf"\b(?:stakes?|{_INVESTED}|shares?\s+(?:in|of)|holdings?\s+in)\b", re.IGNORECASE
    ),
}


# Sports pages trade players ("acquired from the Mets at the trade deadline"): not company deals.
_SPORTS = re.compile(
    r"\b(?:trade\s+deadline|traded|RBIs?|homers?|home\s+runs?|pitcher|quarterback|"
    r"touchdowns?|draft\s+pick|free\s+agen(?:t|cy)|roster|ERA|innings?|outfielder|infielder|"
    r"shortstop|slugger|pitching|bullpen|linebacker|midfielder|goalkeeper|point\s+guard|"
    r"scouting\s+director|running\s+back|wide\s+receiver|(?-i:RHP|LHP)|"
    r"makes?\s+(?:his|her)\s+debut|in\s+a\s+(?:blockbuster\s+)?trade(?!\s+(?:deal|war|pact|dispute))|"
    r"blockbuster\s+trade)\b"
)
# Land, buildings and other things bought are no company deals ("The state will acquire a
# sprawling former farm property", "the county would acquire the park", "Lakeside bought the
# site in 2016", "27 homes ... the city acquired", "The FDA inspection report, acquired by
# CNN"): a buying word next to such a thing, or a place named for one ("acquired the Deer
# Park", "bought Campbell Farms"). Not "intellectual property", and not when a company's name
# stands between ("acquired Quintel, which owns 3,000 acres"), nor the owners of such things
# ("acquired by mall owners Simon Property Group").
_THING = (
    r"(?-i:(?<!intellectual\s)propert(?:y|ies)|land|lands|acres?|farmland|buildings?|sites?|"
    r"campus|parks?|farms?|ranch(?:es)?|homes|houses?|mansions?|statues?|headquarters|"
    r"mall|office\s+(?:building|space|tower)s?|parcels?|real\s+estate|paintings?|artworks?|"
    r"structures?|"
    r"bottles?|aircraft|airplanes?|planes|jets|ships|vessels|trucks|vans|vehicles)"
    r"(?!\s+(?:owners?|operators?|developers?|compan(?:y|ies)|firms?|groups?|chains?|"
    r"REITs?|investors?|managers?)\b)"
)
_PLACE_NAME = (
    r"(?:Park|Farms?|Ranch|Campus|Estate|Mall|Plaza|Tower|Church|Cathedral|Chapel|Temple|"
    r"Synagogue|Mosque|Castle|Palace|Manor|Mansion)"
)
_BUYING = (
    r"(?:acquir(?:e|es|ed|ing)|bought|buy(?:s|ing)?|purchas(?:e|ed|es|ing)|sold|sell(?:s|ing)?|"
    r"sale\s+of)"
)
# People hired, not companies bought: "the law firm acquired more legal partners".
_PEOPLE = r"(?:legal|law)\s+partners|talent|employees|workers|staff|lawyers|attorneys|engineers"
_THING_BOUGHT = re.compile(
    rf"\b{_BUYING}\s+(?:(?-i:[a-z\d$])[\w$.,'’-]*\s+){{0,4}}?{_THING}\b"
    rf"|\b(?:acquir(?:e|es|ed|ing)|hir(?:e|es|ed|ing))\s+(?:(?-i:[a-z])[\w-]*\s+){{0,3}}?"
    rf"(?:{_PEOPLE})\b"
    # "bought a New York mansion": names after an article, no company with its things
    rf"|\b{_BUYING}\s+(?:a|an|the)\s+(?:(?!(?:and|its|their|with|which|that)\b)"
    rf"[\w$.'’-]+\s+){{0,3}}?{_THING}\b"
    rf"|\b{_BUYING}\s+(?:(?:the|its|their|his|her)\s+)?"
    rf"(?:(?:former|old|historic|famed|iconic|sprawling|current|new)\s+)?"
    rf"(?:(?-i:[A-Z])[\w&.'’-]*\s+){{1,4}}(?-i:{_PLACE_NAME})\b"
    # "to buy the Renaissance Centre in Wilmington, an eight-story office building"
    rf"|\b{_BUYING}\s+(?:the\s+)?(?:(?-i:[A-Z])[\w&.'’-]*\s+){{0,3}}(?-i:[A-Z])[\w&.'’-]*"
    rf"(?:\s+in\s+(?:(?-i:[A-Z])[\w.'’-]*\s*){{1,3}})?\s*,\s+(?:an?|the)\s+"
    rf"(?:(?!(?:of|with|and|that|which)\b)[\w-]+\s+){{0,3}}{_THING}\b"
    rf"|\b{_THING}\s+(?:(?-i:[a-z\d])[\w.,'’-]*\s+){{0,6}}?(?:was\s+|were\s+|been\s+)?"
    r"(?:acquired|bought|purchased|sold)\b"
    # "Boeing 's second plane sale to an Iranian airline": things sold, no company
    r"|\b(?:plane|airplane|aircraft|jet|helicopter|arms|weapons?|missile)\s+sales?\b"
    r"|\b(?:report|documents?|emails?|records|footage|letters?|memos?)\s*,?\s+"
    r"(?:(?:was|were)\s+)?(?:acquired|obtained)\s+by\b",
    re.IGNORECASE,
)
# Zoos and aquariums acquire animals ("acquired Avus from the Henry Vilas Zoo").
_ZOO = re.compile(r"\b(?:[Zz]oos?|[Aa]quariums?)\b")
# Auctions sell things, not companies ("The auction house announced that the bottle ... sold
# for $1,873,951", "sold at auction for more than $23 million").
_AUCTION = re.compile(
    r"\b(?:auction\s+house|at\s+(?:an?\s+)?auction|auctioneers?|Sotheby['’]?s|Christie['’]s|"
    r"(?:private|art|wine)\s+collectors?|winning\s+bid(?:der)?)\b",
    re.IGNORECASE,
)
# ... but a bankrupt company's brands and assets sold at auction are a deal.
_BUSINESS_ASSETS = re.compile(
    r"\b(?:bankrupt\w*|intellectual\s+propert(?:y|ies)|assets|brands?|subsidiar(?:y|ies))\b",
    re.IGNORECASE,
)
# Election money ("announced $7 million on direct voter outreach", "spent about $2 million
# there earlier in the campaign") is no deal unless a strong deal word says otherwise.
_CAMPAIGN = re.compile(
    r"\b(?:campaigns?|midterms?|voters?|ballots?|super\s+PACs?|PACs?|re-?election|"
    r"fundraising\s+arm|electoral|caucus(?:es)?)\b",
    re.IGNORECASE,
)


# A report of how a holding changed ("Berkshire 's stake in Delta declined 8.3 percent",
# "a holding in Southwest increased 10 percent") or of a stock sale ("Bezos sold nearly $ 1
# billion of Amazon stock") is portfolio news, not a deal, unless the sentence states one
# besides ("Cohen, who purchased a nearly 10% stake last March, sold off all his shares").
_HOLDING_CHANGE = re.compile(
    r"\b(?:stakes?|holdings?)\s+in\b[^;]{0,80}?\b(?:increased|decreased|declined|grew|fell|"
    r"rose|dropped|shrank|was\s+(?:reduced|cut|trimmed|increased|raised|lowered))\b",
    re.IGNORECASE,
)
_STOCK_SALE = re.compile(
    r"\b(?:sold|sells|selling)\s+(?:about\s+|nearly\s+|some\s+|more\s+than\s+)?"
    r"(?:\$\s?[\d.,]+\s*(?:million|billion|bn|m)?\s+)?(?:(?:of|in|on|worth\s+of)\s+)?"
    r"(?:[\w.&'’-]+\s+){0,3}?(?:stock|shares)\b(?![^.;]{0,60}\bto\s+(?-i:[A-Z]))",
    re.IGNORECASE,
)


# Debt is no funding round: "$100 million debtor-in-possession financing", "a $2 billion loan".
_DEBT = re.compile(
    r"\b(?:loans?|debt|debtor-in-possession|credit\s+(?:facility|line)|line\s+of\s+credit|"
    r"bonds?|notes\s+offering|mortgages?|lenders?|lending|borrow\w*)\b",
    re.IGNORECASE,
)
# Secured financing is debt whatever else the sentence says ("secured financing, including
# investors represented by U.S. Bank ($677.1 million)": the banks are lenders' trustees).
_SECURED = re.compile(r"\bsecured\s+(?:financing|notes|loans?|debt|credit)\b", re.IGNORECASE)
_EQUITY = re.compile(
    r"\b(?:equity|stake|shares|valuation|valued|investors?|venture|series\s+[a-h]|seed)\b",
    re.IGNORECASE,
)


# Gifts and public money are no funding round ("The fundraising goal through the University of
# Nebraska Foundation is $4.5 million", "$6 million in funds from fees, donations, and funding
# from Iron County", "The $10.7 million provided to UNI as part of the American Rescue Plan
# ... is the most recent round of funding"), unless a word only the venture trade uses says
# otherwise.
_CHARITY = re.compile(
    r"\b(?:donations?|donors?|donated|charit(?:y|ies|able)|foundation(?!\s+models?)|"
    r"endowments?|relief|rescue\s+plan|stimulus|grants?|scholarships?|non-?profits?|"
    r"fundraiser|fundraising\s+(?:goal|efforts?|campaign|drive|page)|GoFundMe|tuition)\b",
    re.IGNORECASE,
)
_VENTURE_ONLY = re.compile(
    r"\b(?:series\s+[a-h]|venture|start-?ups?|valuation|valued|investors?|equity|stake|"
    r"unicorn|seed|pre-?seed)\b",
    re.IGNORECASE,
)


# Backing by a government is no venture backing: "The government-backed project FirstNet
# awarded AT&T $6.5 billion" is a contract.
_STATE_BACKED = re.compile(
    r"\b(?:government|state|federally|taxpayer|publicly|public)-backed\b", re.IGNORECASE
)


# Capital spending is no stake: "Disney expects a $1 billion increase in its capital
# expenditures due to the continued investment in Parks and Resorts" (SENTiVENT) ...
_CAPEX = re.compile(r"\b(?:capital\s+(?:expenditures?|spending|projects?)|capex)\b", re.IGNORECASE)
# ... unless the words say what is held: "spending $1 billion to buy a 10% stake".
_HELD = re.compile(
    r"\b(?:stakes?|shares?|equity|holdings?|acquir\w*|bought|buy\w*|purchas\w*|owner\w*)\b",
    re.IGNORECASE,
)


def states_kind(kind: str, sentence: str) -> bool:
    """Tell whether the sentence's words can state a deal of this kind: a funding round needs
    a word of the venture trade besides "led by" or a bare "round" ("GM will invest $7.7
    billion in its plants" is spending; "$139 million of harm ..., led by American" and "a
    round of layoffs" are no round), and debt without equity is no round ("$100 million
    debtor-in-possession financing"); an investment in a sentence of capital spending is no
    stake, unless its words say what is held."""
    if kind == "stake":
        return not (_CAPEX.search(sentence) and not _HELD.search(sentence))
    if kind != "funding round":
        return True
    sentence = _STATE_BACKED.sub(" ", sentence)
    if _SECURED.search(sentence) or (_DEBT.search(sentence) and not _EQUITY.search(sentence)):
        return False
    if _CHARITY.search(sentence) and not _VENTURE_ONLY.search(sentence):
        return False
    return bool(_ROUND_WORDS.search(sentence))


def nothing_else(sentence: str, *patterns: re.Pattern[str]) -> bool:
    """Tell whether one of `patterns` matches and no deal word is left outside their matches."""
    if not any(p.search(sentence) for p in patterns):
        return False
    rest = sentence
    for p in patterns:
        rest = p.sub(" ", rest)
    return not TRIGGER.search(rest)


def is_candidate(sentence: str) -> bool:
    """Tell whether the filter would give this sentence to the model today."""
    return any(True for _ in candidates(sentence))


def candidates(text: str) -> Iterator[tuple[int, int, list[Money]]]:
    """Yield (start, end, money spans) for each sentence that could state a deal.

    A deal word plus a deal-sized amount and a name, or a strong deal word ("acquire",
    "merger", "stake", "Series B") plus two names.
    """
    spans = split_sentences(text)
    for n, (start, end) in enumerate(spans):
        sentence = text[start:end]
        if len(sentence) > MAX_SENTENCE_CHARS or _SPORTS.search(sentence):
            continue
        if nothing_else(sentence, _HOLDING_CHANGE, _STOCK_SALE):
            continue  # portfolio news only, no deal besides ("purchased a 10% stake")
        if not TRIGGER.search(sentence) and not (
            WEAK.search(sentence) and _VENTURE.search(sentence)
        ):
            continue
        if _CAMPAIGN.search(sentence) and not STRONG.search(sentence):
            continue
        if _AUCTION.search(sentence) and not _BUSINESS_ASSETS.search(sentence):
            continue  # a bottle or a painting sold at auction
        if nothing_else(sentence, _THING_BOUGHT):
            continue  # land or a building bought, and no company deal besides
        if _ZOO.search(sentence):
            continue  # "The Topeka Zoo acquired Zuri and sister Asante in 2005": animals
        amounts = [m for m in find_money(sentence) if not m.per_share]
        names = len(_NAME.findall(" " + sentence))
        sized = any(deal_sized(m) for m in amounts)
        if not sized and any(_SPORTS.search(text[a:b]) for a, b in spans[max(0, n - 1) : n + 2]):
            # A player "acquired by the Chiefs during the season" next to a touchdown: a
            # trade. A team's sale states its price ("purchased the Dodgers for $2.15 billion").
            continue
        if (sized and names >= 1) or (STRONG.search(sentence) and names >= 2):
            yield start, end, amounts


# A review or a recap of a show tells its plot, and the plot's deals are fiction: "The 7 key
# moments from the 'Empire' spring premiere" has "Cookie leverages the album to persuade Camilla
# and Hakeem to buy Lyon Dynasty for $20 million". Such a title names the work in quotes and an
# episode of it. A recap alone is news ("Kevin McCarthy ousted as speaker ...: Recap").
_WORK = r"(?:^|(?<=\s))['‘\"“](?-i:[A-Z])[^'’\"”]{0,60}['’\"”]"
_EPISODE = r"\b(?:premieres?|finales?|episodes?|recaps?|season\s+\d+|spoilers?)\b"
_PLOT = re.compile(rf"{_WORK}.*{_EPISODE}|{_EPISODE}.*{_WORK}", re.IGNORECASE)


def tells_a_plot(title: str | None) -> bool:
    """Tell whether an article's title marks it as the plot of a show: no deal in it is real."""
    return title is not None and _PLOT.search(title) is not None


DEAL_SIZE_USD = 1e6  # smaller sums are prices, wages and donations, not deals


def deal_sized(money: Money) -> bool:
    usd = to_usd(money.value, money.currency)
    return (usd if usd is not None else money.value) >= DEAL_SIZE_USD
