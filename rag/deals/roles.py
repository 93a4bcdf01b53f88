"""Sides: which side of a deal the words around a name give it.

`role_of` reads buyer, target or seller from where a name stands around a deal word
("acquisition of Whole Foods", "Amazon's acquisition", "bought ... from X"); the other tests
read one case each: who sells, who raises the money, whose round it is, who merges with whom,
who only works at the target, who buys something else in the same sentence, the company a
merger forms. `_no_party` tells the names that can be on neither side: a seller, a regulator,
a place, a number, a day, a road, and the other non-parties of `rag.deals.names`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence

from rag.deals.names import (
    _BASED_WORDS,
    _NOT_A_PARTY,
    _PROPER,
    _among,
    _counted,
    _every_mention,
    _modifier,
    _name_as_written,
    _name_re,
    _placed,
    _same_company,
    _within,
    checked_name,
    is_authority,
    is_source,
    renamed,
)


def sells(name: str, sentence: str) -> bool:
    """Tell whether `name` is who sells ("A&P has since sold off 120 of its 300 supermarkets
    ... to three grocery chains", "Valspar sold its wood-coating business to Axalta"): no
    buyer. Not "Twitter agrees to sell itself", where the seller is the target."""
    pattern = (
        rf"{_subject(_name_re(name) + _SUFFIX)}(?:since\s+)?"
        r"(?:sold|sells|sell|selling)\b(?!\s+(?:itself|themselves)\b)"
    )
    return bool(re.search(pattern, sentence, re.IGNORECASE))


def before_the_one_meant(name: str, sentence: str) -> bool:
    """Tell whether `name` is listed before the one name a relative clause that states the deal
    is about: "These services include Trump's Truth Social and Parler, which Kanye West
    recently said he would acquire" (Parler only; no deal word stands before the list)."""
    hit = re.search(
        rf"(?<![\w-]){_name_re(name)}\s*,?\s+and\s+{_LIST_NAME}\s*,\s*(?:which|that)\b"
        rf"[^.;]*\b{_BUY_VERB}\b",
        sentence,
    )
    return hit is not None and not re.search(
        rf"\b(?:{_BUY_VERB}|{_DEAL_NOUN}|merg\w*|invest\w*|stakes?)\b",
        sentence[: hit.start()],
        re.IGNORECASE,
    )


def works_at(name: str, target: str, sentence: str) -> bool:
    """Tell whether the sentence says that `name` joined, left or worked at the target ("James
    left 21st Century Fox in 2019 when the company was sold to Disney"): someone there, no
    buyer of it, unless the words also make it one."""
    pattern = (
        rf"{_subject(_name_re(name) + _SUFFIX)}(?:later\s+|then\s+|also\s+)?"
        r"(?:left|quit|joined|rejoined|resigned\s+from|departed|worked\s+(?:at|for)|"
        rf"stepped\s+down\s+(?:from|at))\s+(?:the\s+)?{_name_re(target)}(?![\w-])"
    )
    hit = re.search(pattern, sentence, re.IGNORECASE)
    return (
        hit is not None
        and role_of(name, sentence) is None
        # not "Larch joined Quintel and later bought it"
        and not re.match(rf"[^.;]*?\band\s+(?:\w+\s+)?{_BUY_VERB}", sentence[hit.end() :], re.I)
    )


_OWN_DEAL = (
    r"\s?['’]s\s+(?:[\w$.,%-]+\s+){0,4}?(?:acquisition|purchase|takeover|buyout)\b(?!\s+by\b)"
)


def owns_the_deal(name: str, sentence: str) -> bool:
    """Tell whether the sentence names the acquisition as `name`'s ("Sinclair's RSN
    acquisition", "Amazon's $3.9 billion purchase"): the buyer, where others named with it
    (the seller announcing it too) are not."""
    return bool(re.search(rf"(?<![\w-]){_name_re(name)}{_SUFFIX}{_OWN_DEAL}", sentence))


_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_NUMBER_WORD = re.compile(
    rf"(?:{_UNITS}|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|"
    rf"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:{_UNITS}))?|"
    r"hundreds?|thousands?|dozens?)",
    re.IGNORECASE,
)


# A generic plural is no name: "Small companies can now sell up to $50 million in shares".
_GENERIC_PLURAL = re.compile(
    r"\s(?:companies|firms|businesses|investors|start-?ups|banks|lenders|owners|buyers)$"
)


# Days and months are no party ("announced the purchase Tuesday", "purchase Aug. 31"), nor are
# roads and holidays, which merge too ("merges with Interstate 90", "Lee-Jackson-King Day").
_CALENDAR = {
    n.lower()
    for n in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name, *calendar.day_abbr)
    if n
} | {"sept", "tues", "thurs"}
_ROAD_OR_HOLIDAY = re.compile(
    r"(?:Interstate|Highway|Route|State\s+Route|U\.?S\.?\s+Route|I)[\s-]*\d+[A-Z]?|.*[\s-]Day",
    re.IGNORECASE,
)


def _no_party(name: str, sentence: str) -> bool:
    """Tell whether `name` can be no buyer or target in `sentence`: a regulator, a place, a
    pronoun or generic noun, the seller ("bought ... from X"), things counted ("owns 55
    Dreamliners"), a word describing the thing bought ("its San Francisco hub"), a day or a
    month, a road or a holiday."""
    return (
        not re.search(r"[^\W\d_]", name)  # "acquired 71 of those locations": a number
        or bool(_NUMBER_WORD.fullmatch(name.strip()))  # "Twelve of the stores ... sold to"
        or is_authority(name)
        or name.lower() in _NOT_A_PARTY
        or role_of(name, sentence) == "seller"
        or _counted(name, sentence)
        or _modifier(name, sentence)
        or _placed(name, sentence)
        or bool(_GENERIC_PLURAL.search(name))
        or name.strip(" .").lower() in _CALENDAR
        or bool(_ROAD_OR_HOLIDAY.fullmatch(name.strip(" .")))
        or renamed(name, sentence)
        or _hired(name, sentence)
        # "the San Francisco-based start-up": where a company is, not which
        or bool(re.search(r"-(?:based|headquartered)$", name.strip(" .,"), re.IGNORECASE))
    )


_RAISING = (
    r"(?:is\s+|was\s+|has\s+|had\s+|have\s+)?(?:seek(?:s|ing)?|sought|rais(?:es|ed|ing)|"
    r"secur(?:es|ed|ing)|clos(?:es|ed)\s+an?)\b"
)


def raises_money(name: str, sentence: str) -> bool:
    """Tell whether `name` is the subject of raising money ("Veldt, a Dutch startup, raised")."""
    n = _name_as_written(name)
    return bool(re.search(rf"\b{n}(?:\s*,[^,]{{0,80}},)?\s+{_RAISING}", sentence, re.IGNORECASE))


# Where a name stands around a deal word tells its side, whatever the model said:
# "acquisition of Whole Foods", "the Embraer acquisition", "bought Nest" (the target) against
# "Amazon's acquisition", "Ford said it was investing", "acquired by PayPal" (the buyer).
_DEAL_NOUN = r"(?:acquisitions?|purchases?|takeovers?|buyouts?)"
_BUY_VERB = (
    r"(?:acquir(?:e|es|ed|ing)|buy(?:s|ing)?|bought|purchas(?:e|es|ed|ing)|"
    r"t(?:ake|akes|ook|aking)\s+over)"
)
_SUFFIX = r"(?:\s*,?\s+(?:Co|Corp|Inc|Ltd|LLC|Plc|SA|AG|NV|Group|Holdings?)\b\.?)*"
_ADJ = (
    r"(?:(?:the|a|an|its|their|rival|fellow|smaller|larger|startup|start-up)\s+"
    rf"|{_BASED_WORDS})*"
)
_MONEY_WORDS = r"(?:\$\s?[\d.,]+\s*(?:million|billion|bn|m)?\s+)?"
_STAKE = (
    r"(?:a|an)\s+(?:\d+(?:\.\d+)?\s*(?:%|percent)\s+)?(?:[\w-]+\s+)?"
    r"(?:stake|holding|ownership\s+stake)\b"
)
_AUX = (
    r"(?:(?:has|have|had|will|would|could|is|was|are|were|plans\s+to|agreed\s+to|agrees\s+to|"
    r"is\s+set\s+to|set\s+to|is\s+expected\s+to|expects\s+to|wants\s+to|aims\s+to|"
    r"said\s+it\s+would|said\s+it\s+will|said\s+it\s+was|to|also|already|recently|"
    r"previously|finally)\s+)*"
)


# A list of names after a plural deal noun: "the acquisitions of Pixar, Marvel, and Lucas".
_LIST_NAME = r"(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3}"
_LIST_OF = r"\b(?:acquisitions|purchases|takeovers|buyouts)\s+of\s+"
_LOWER = r"(?:(?-i:[a-z])[\w-]*\s+){0,3}"  # "between pharmacy giants Walgreens and ..."
_BOUGHT = r"acquired|bought|purchased|taken\s+over|(?:acquisition|purchase|takeover|buyout)s?"


def _subject(n: str) -> str:
    """`n` (a name pattern) as the subject of the verb that follows: "Larch, the grocer, has
    agreed to ..."."""
    return rf"(?<!\w){n}(?:\s*,[^,]{{0,80}},)?\s+{_AUX}"


# Up to three lower-case words that say what the named party is: "the pharmaceutical company".
_DESCRIPTION = (
    r"(?:(?!(?:to|for|and|or|in|of|on|at|with|from|by|the|a|an|its|their|it|be|is|was)\b)"
    r"(?-i:[a-z])[\w-]*\s+){0,3}?"
)


# Who is signed or hired works for the deal's party, on neither side: "the streaming provider
# signed filmmakers Joel and Ethan Coen ... and acquired comic book publisher Millarworld".
_HIRED_BEFORE = re.compile(
    r"\b(?:signed|signs|signing|hired|hires|hiring|recruited|appointed|poached)\s+"
    + _DESCRIPTION
    + "$",
    re.IGNORECASE,
)


def _hired(name: str, sentence: str) -> bool:
    return _every_mention(name, sentence, lambda m: _HIRED_BEFORE.search(sentence[: m.start()]))


def _buys_outright(n: str, passive: str = _BOUGHT) -> str:
    """The words that make `n` (a name pattern) the buyer outright: "acquired by PayPal",
    "sold Quidsi to Amazon"."""
    return (
        # "acquired by billionaire Elon Musk", "bought by private equity firm Larch"
        rf"(?:\b(?:{passive})\s+by\s+{_ADJ}(?:(?-i:[a-z])[\w-]*\s+){{0,3}}?{n}"
        # "sell its campus to the pharmaceutical company Incyte"
        rf"|\b(?:sell|sells|sold|selling)\b[^.;]{{0,80}}?\bto\s+{_ADJ}{_DESCRIPTION}{n}"
        # "the $5.6 billion sale to Hilcorp Energy Co."
        rf"|\bsale\s+to\s+{_ADJ}{_DESCRIPTION}{n}"
        # "one of his investment vehicles, Triarc Cos., acquired Snapple": the name in the
        # commas is the subject, whoever the words before it belong to
        rf"|(?<=,\s){n}\.?\s*,\s+(?:acquired|bought|purchased|took\s+over)(?=\s+(?-i:[A-Z])))(?!\w)"
    )


def buys_another(name: str, targets: Sequence[str], sentence: str) -> bool:
    """Tell whether the words make `name`, alone or with others it is listed with, the buyer
    of a named thing that is none of `targets` ("..., while Blum Capital and Golden Gate
    acquired Payless": Blum Capital buys Payless, whatever else the sentence says is bought)."""
    if not targets:
        return False
    n = _name_as_written(name) + _SUFFIX
    subject = (
        rf"(?<![\w&.'’-])(?:{n}(?:\s*,\s*{_LIST_NAME})*(?:\s*,?\s+and\s+{_LIST_NAME})?"
        rf"|(?:{_LIST_NAME}\s*,\s*)*{_LIST_NAME}\s*,?\s+and\s+{n})"
    )
    pattern = rf"{subject}\s+{_AUX}{_BUY_VERB}\s+{_ADJ}{_MONEY_WORDS}{_PROPER}"
    for hit in re.finditer(pattern, sentence, re.IGNORECASE):
        bought = hit.group(hit.lastindex or 0)
        if not any(_same_company(bought, t) or t in bought or bought in t for t in targets):
            return True
    return False


def role_of(name: str, sentence: str) -> str | None:
    """ "buyer" or "target" when the words around `name` say which side of a deal it is on,
    "seller" when they say it sells to the buyer ("bought ... from X"), None when they do not
    (or say both)."""
    n = _name_as_written(name) + _SUFFIX
    target = (
        # "a hostile takeover effort for Gannett"
        rf"\b(?:{_DEAL_NOUN}|sale|bid|offer)(?:\s+(?:efforts?|attempts?|bids?|offers?|proposals?))?"
        rf"\s+(?:of|for)\s+{_ADJ}{_MONEY_WORDS}{n}(?!\w)",
        # Every name of a list "A, B and C" after "the acquisitions of" (not "the acquisition
        # of Whole Foods, Amazon has ...": no "and", no list).
        rf"{_LIST_OF}{_ADJ}(?:{_LIST_NAME}\s*,\s*){{0,6}}{_LIST_NAME}\s*,?\s+and\s+{n}(?!\w)",
        rf"{_LIST_OF}{_ADJ}(?:{_LIST_NAME}\s*,\s*){{0,6}}{n}(?:\s*,\s*{_LIST_NAME}){{0,6}}"
        rf"\s*,?\s+and\s+(?-i:[A-Z])",
        rf"\b{_BUY_VERB}\s+{_ADJ}(?:(?:a|its|their)\s+)?(?:\d+(?:\.\d+)?\s*(?:%|percent)\s+)?"
        rf"(?:stake\s+in\s+|shares\s+(?:in|of)\s+)?{_ADJ}{n}(?!\w)",
        # "acquired comic book publisher Millarworld"
        rf"\b{_BUY_VERB}\s+{_ADJ}{_DESCRIPTION}{n}(?!\w)",
        rf"\b(?:stakes?|investments?|invest(?:s|ed|ing)?)\s+{_MONEY_WORDS}in\s+{_ADJ}{n}(?!\w)",
        rf"\b(?:the|an?|this|that|his|her|its|their)\s+{_MONEY_WORDS}{n}\s+(?:{_DEAL_NOUN}|deal)\b",
        rf"(?<!\w){n}(?:\s*,[^,]{{0,80}},)?\s+(?:is|was|were|has\s+been|had\s+been|will\s+be|"
        rf"would\s+be|being)\s+(?:acquired|bought|purchased|taken\s+over)\b",
        rf"\bsold\s+{_ADJ}{n}\s+to\b",
        # "layoffs at Meetup, which it acquired for $200 million", "Tio Networks, which PayPal
        # bought in July": what the clause's subject bought
        rf"(?<!\w){n}\s*,\s+(?:which|that)\s+(?:it|the\s+company|{_LIST_NAME})\s+"
        rf"(?:(?:had|has|have|recently|previously|also)\s+)*(?:acquired|bought|purchased)\b",
        # "Valspar's $9.3 billion purchase by Sherwin-Williams"
        rf"(?<!\w){n}\s*['’]\s?s\s+(?:\w+\s+){{0,2}}{_MONEY_WORDS}{_DEAL_NOUN}\s+by\b",
        # "integrating merger partner Virgin America", "the acquisition target Twitter"
        rf"\b(?:merger|acquisition|takeover|buyout)\s+(?:partner|target)\s+{n}(?!\w)",
        # Mergers: "merged last year with the Boston Beer Co.", "its tie-up with Safeway", "the
        # Albertsons-Safeway merger", "a merger between Walgreens and Rite Aid": the second
        # company named is the target, as annotators of mergers mark it.
        rf"\b(?:merg(?:e|es|ed|ing|er)|tie-up|combination)(?:\s+[\w']+){{0,5}}?\s+with\s+"
        rf"{_ADJ}{n}(?!\w)",
        rf"(?-i:[A-Z])[\w&.'’]*\s*[-–]\s*{n}\s+(?:\w+\s+)?(?:mega-?)?merger\b",
        rf"\bmerger\s+(?:between|of)\s+{_LOWER}{_LIST_NAME}\s+and\s+{_LOWER}{n}(?!\w)",
    )
    buyer = (
        rf"(?<!\w){n}\s*['’]\s?s\s+(?:\w+\s+){{0,2}}{_MONEY_WORDS}(?:{_DEAL_NOUN}|bid|offer|"
        rf"investments?)\b(?!\s+by\b)",
        rf"{_subject(n)}(?:{_BUY_VERB}|invest(?:s|ed|ing)?)\b(?!\s+by\b)",
        _buys_outright(n, rf"{_BOUGHT}|backed|led"),
        rf"(?<![\w-]){n}\s*[-–]\s*(?-i:[A-Z])[\w&.'’]*(?:\s+(?-i:[A-Z])[\w&.'’]*){{0,3}}\s+"
        rf"(?:\w+\s+)?(?:mega-?)?merger\b",
        rf"\bmerger\s+(?:between|of)\s+{_LOWER}{n}\s+and\s+(?-i:[A-Z])",
        # Who is given or takes a stake holds it: "a deal that could give Amazon a 15% stake
        # in the airline", "Nordwind will take a 10% stake".
        rf"\bgiv(?:e|es|en|ing)\s+{_ADJ}{n}\s+{_STAKE}",
        rf"{_subject(n)}(?:take|takes|took|taking|get|gets|got|receive|receives|received)\s+"
        rf"{_STAKE}",
    )
    is_target = any(re.search(p, sentence, re.IGNORECASE) for p in target)
    is_buyer = any(re.search(p, sentence, re.IGNORECASE) for p in buyer)
    if is_target == is_buyer:
        if not is_target and re.search(
            rf"\b(?:{_BUY_VERB}|{_DEAL_NOUN})\b[^.;]{{0,80}}?\bfrom\s+{_ADJ}{n}(?!\w)",
            sentence,
            re.IGNORECASE,
        ):
            return "seller"  # "purchased 73 acres ... from the Port of Portland"
        return None
    return "target" if is_target else "buyer"


_TARGET_AFTER = re.compile(
    rf"\b(?:{_DEAL_NOUN}\s+of|{_BUY_VERB}|bid\s+for|offer\s+for|stakes?\s+in|"
    rf"{_DEAL_NOUN}\s+(?:efforts?|attempts?|bids?|offers?|proposals?)\s+for)\s+"
    rf"{_ADJ}{_MONEY_WORDS}{_PROPER}",
    re.IGNORECASE,
)


def _bought_by(name: str, sentence: str) -> bool:
    """Tell whether the words say outright that `name` buys: "sold Quidsi to Amazon",
    "acquired by PayPal" (not "paid 13 times Ebitda to acquire", where the name before "to
    acquire" is what is paid)."""
    # Not "selling its reputation to Putin's associates".
    pattern = _buys_outright(_name_re(name) + _SUFFIX) + r"(?!\s*['’]s\b)"
    return bool(re.search(pattern, sentence, re.IGNORECASE))


def named_target(sentence: str) -> str | None:
    """The one name the words around it mark as a deal's target ("its acquisition of Jet.com",
    "acquiring Whole Foods"); None when there is none or more than one."""
    found = {
        name
        for m in _TARGET_AFTER.finditer(sentence)
        if (name := checked_name(m.group(1), sentence))
        and role_of(name, sentence) == "target"
        and not _no_party(name, sentence)
    }
    return found.pop() if len(found) == 1 else None


_CAP_NAME = r"[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*)*"
# Two sides of a merger the sentence names: "the 2013 merger of American and US Airways",
# "Kroger's merger with Albertsons", "American Airlines to secure approval for its merger with
# US Airways" (lower-case words only between the name and "its").
_MERGER_SIDES = re.compile(
    rf"\bmerger\s+(?:of|between)\s+(?:the\s+)?(?P<a>{_CAP_NAME})\s+(?:and|with)\s+"
    rf"(?:the\s+)?(?P<b>{_CAP_NAME})|(?P<c>{_CAP_NAME})['’]s\s+(?:\w+\s+)?merger\s+with\s+"
    rf"(?:the\s+)?(?P<d>{_CAP_NAME})|(?P<e>{_CAP_NAME})\s+(?:(?-i:[a-z]+)\s+){{0,6}}?its\s+"
    rf"(?:\w+\s+)?merger\s+with\s+(?:the\s+)?(?P<f>{_CAP_NAME})"
)


def in_another_merger(target: str, buyers: Sequence[str], sentence: str) -> bool:
    """Whether the sentence names `target` as a side of a merger none of `buyers` is the other
    side of: "Virgin acquired some of these assets ... as part of the settlement of the
    lawsuit challenging the 2013 merger of American and US Airways" is no purchase of US
    Airways by Virgin."""
    if not buyers:
        return False
    for hit in _MERGER_SIDES.finditer(sentence):
        one, other = next(
            (hit.group(x), hit.group(y)) for x, y in ("ab", "cd", "ef") if hit.group(x)
        )
        for side, rest in ((one, other), (other, one)):
            if _same_company(side, target) and not any(
                _same_company(b, rest) or _same_company(b, target) for b in buyers
            ):
                return True
    return False


# "the Alaska Airlines-Virgin America merger", "the United Technologies UTX - Rockwell Collins
# COL merger": a merger named by its two sides, joined by a hyphen, dash or slash.
_PAIR_MERGER = re.compile(
    rf"(?P<a>{_CAP_NAME})\s*[-–—/]\s*(?P<b>{_CAP_NAME})\s+(?:merger|combination|tie-up)\b"
)


def outside_named_merger(buyer: str, buyers: Sequence[str], target: str | None,
                         sentence: str) -> bool:  # fmt: skip
    """Whether `buyer` is neither side of a merger the sentence names by its two sides ("the
    A - B merger"), one of which is the deal's target or another of its buyers, and no word of
    the sentence makes it a buyer: "Boeing could get a boost from price concessions following
    the United Technologies UTX - Rockwell Collins COL merger" is no merger of Boeing's."""
    if role_of(buyer, sentence) == "buyer":
        return False
    others = [n for n in (*buyers, target) if n and n != buyer]
    for hit in _PAIR_MERGER.finditer(sentence):
        sides = (hit.group("a"), hit.group("b"))
        if any(_same_company(buyer, s) or _within(buyer, s) for s in sides):
            return False
        if any(_same_company(n, s) or _within(n, s) for n in others for s in sides):
            return True
    return False


# "Nest's Series B round", "Anthropic's latest funding round": the company the round is for.
_ROUND_OWNER = re.compile(
    r"(?<![\w&.'’-])(?P<name>(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3})\s*['’]s?\s+"
    r"(?:(?:latest|new|recent|first|second|third|last|next|most\s+recent|\$?\s?[\d.,]+\s*"
    r"(?:million|billion|bn|m)?)\s+)*"
    r"(?:(?:Series\s+[A-H]|seed|pre-seed|funding|financing|investment|venture|growth)\s+round"
    r"|round\s+of\s+(?:funding|financing|investment))",
    re.IGNORECASE,
)


def round_owner(sentence: str, buyers: Iterable[str] = ()) -> str | None:
    """The company whose funding round the sentence names ("led Nest's Series B round"), when
    it is not one of the `buyers`."""
    hit = _ROUND_OWNER.search(sentence)
    if hit is None:
        return None
    name = checked_name(hit.group("name"), sentence)
    if name is None or _no_party(name, sentence):
        return None
    return None if _among(name, buyers) else name


# The company a merger makes, not one of its sides: "Sage Integration was formed in 2019 by
# merging AYSCO Security Consultants and DTS Security", "the combined company, to be called
# Viatris".
_FORMED = re.compile(
    r"[\s,]*(?:(?:was|were|is|has been|had been)\s+)?(?:formed|created|born|established)"
    r"\b[^.;]{0,40}?\b(?:by|through|from|in|out of)\s+(?:the\s+|a\s+)?"
    r"(?:merg|combin|amalgamat)",
    re.IGNORECASE,
)
_NEW_NAME = re.compile(
    r"\b(?:combined|merged|new|resulting)\s+(?:company|firm|group|entity|business|bank)\b"
    r"[^.;]{0,30}?\b(?:named|called|known as|renamed)\s*$",
    re.IGNORECASE,
)


def merger_result(name: str, sentence: str) -> bool:
    """Whether `name` is the company a merger forms, which the sentence names apart from the
    companies merging."""
    at = sentence.find(name)
    if at < 0:
        return False
    return bool(
        _FORMED.match(sentence, at + len(name)) or _NEW_NAME.search(sentence[max(0, at - 80) : at])
    )


# Part of a company bought, read as an acquisition: "disclosed the purchase of a 0.6 percent
# stake in the company", "give Amazon a 15% stake in the airline", "took a minority stake".
_PART_STAKE = re.compile(
    # "the entire 25.2% stake held by Tribune's former chairman"
    r"\b(?:a|an|(?:the|its|their|his|her)(?:\s+entire)?(?=\s+[\d.]))\s+"
    r"(?:(?:\d{1,2}(?:\.\d+)?|0?\.\d+)\s*(?:%|percent|per\s+cent)|minority|small|"
    # "acquired a $ 3.5 billion stake in the multinational corporation": a stake by its price
    r"(?:US|HK|C|A)?[$€£¥]\s?\d[\d.,]*(?:\s*(?:million|billion|trillion|bn|mn|m)\b)?|"
    r"passive|\w+-percent)\s+(?:[\w-]+\s+)?(?:stake|holding|interest|position)\b",
    re.IGNORECASE,
)
# ... unless the sentence also states the takeover: "bought a 10% stake and agreed to acquire
# the rest", "a 45% stake ... before buying the whole company".
_WHOLE = re.compile(
    r"\b(?:the\s+rest|remaining|whole\s+company|entire\s+company|all\s+of|full\s+control|"
    r"takeover|buyout|outright)\b",
    re.IGNORECASE,
)


def part_stake(sentence: str) -> bool:
    """Whether an acquisition the model read is the purchase of part of a company only."""
    return bool(_PART_STAKE.search(sentence)) and not _WHOLE.search(sentence)


_STAKE_NOUN = r"(?:stake|holding|interest|ownership)s?"
# The size of a stake as the sentence gives it: "a 35% stake", "a nearly 10% stake", "will own
# nearly 30 % interest", "bought 49 percent of Twitter". Not "40% of the market".
_SHARE = re.compile(
    r"(?<![\w.])(?P<share>(?:(?:about|around|roughly|nearly|almost|approximately|some|"
    r"(?:just\s+)?(?:more|less)\s+than|(?:just\s+)?(?:over|under))\s+)?"
    r"\d{1,3}(?:\.\d+)?\s*(?:%|percent|per\s+cent))"
    # what follows is looked at, not taken: `stake_share` reads the words after the size
    rf"(?=\s+(?:[\w-]+\s+)?{_STAKE_NOUN}\b"
    # "38% of the mining and metal company Norilsk": a few words may describe the company
    r"|\s+of\s+(?:the\s+)?(?:(?-i:[a-z])[\w-]*\s+){0,4}?(?:company|firm|business|group|"
    r"startup|start-up)\b|\s+of\s+(?:the\s+)?(?:(?:its\s+)?shares|(?:its\s+)?stock|"
    r"(?-i:[A-Z])))",
    re.IGNORECASE,
)


def stake_share(sentence: str, target: str | None = None) -> str | None:
    """How much of the target a stake holds, as the sentence writes it ("nearly 10%"), or None.

    One size, or the one next to the target's name when the sentence gives several ("a 30%
    interest in Kinder Morgan Canada, with the remaining 70% owned by..."): none when it cannot
    tell which."""
    hits = list(_SHARE.finditer(sentence))
    if target and target.split() and len(hits) > 1:
        # "a 5% stake in Foo and a 7% stake in Bar": the one followed by the target's name
        name = re.escape(target.split()[0])
        hits = [
            h
            for h in hits
            if re.match(
                rf"(?:\s+(?:[\w-]+\s+)?{_STAKE_NOUN})?"
                rf"\s+(?:in|of)\s+(?:the\s+)?(?:[\w-]+\s+){{0,2}}{name}",
                sentence[h.end() :],
            )
            or re.search(rf"\b{name}\S*\s*$", sentence[: h.start()].rstrip(" ,"))
        ] or hits
    sizes = {re.sub(r"\s*%", "%", re.sub(r"\s+", " ", h.group("share"))) for h in hits}
    return sizes.pop() if len(sizes) == 1 else None


def merging_with(target: str, sentence: str) -> str | None:
    """Who the sentence says merged with `target`, for a merger read without its other side:
    "Dogfish Head merged last year with the Boston Beer Co." -> "Dogfish Head"; "Marcal
    assessed the site and merged with Pennsylvania-based Nittany Paper" -> "Marcal" (lower-case
    words only between the name and "and")."""
    hit = re.search(
        rf"{_PROPER}\s+(?:(?:(?-i:[a-z])[\w'’-]*\s+){{1,5}}and\s+)?"
        rf"(?:(?:has|had|have|will|would|agreed|to|plans?|planned)\s+){{0,3}}merge[ds]?"
        rf"(?:\s+[a-z]+){{0,3}}?\s+with\s+(?:the\s+)?(?:[\w-]+-based\s+)?{_name_re(target)}",
        sentence,
    )
    if not hit:
        return None
    who = checked_name(hit.group(1), sentence)
    return who if who and not _no_party(who, sentence) and not is_source(who, sentence) else None
