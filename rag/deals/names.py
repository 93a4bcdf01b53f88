"""Party names: what makes a string a party to a deal, and how the sentence writes it.

A name the model copies is checked against the sentence (`checked_name`): cut to the run of
capitalised words it starts with, found where the sentence writes it (or by its first words
alone), and dropped when it is a pronoun or a generic noun. A regulator, an official or a
place (`is_authority`) and who reports the deal (`is_source`) are no party, nor, by the words
around them, things counted, a word describing the thing bought, a place, a later name in
brackets, or the maker or former owner of what was bought. Which side of the deal the words
give a name is `rag.deals.roles`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

# Names the model may copy that are not parties: pronouns and generic nouns.
_NOT_A_PARTY = {
    "it",
    "its",
    "his",
    "her",
    "their",
    "our",
    "my",
    "they",
    "them",
    "we",
    "us",
    "he",
    "she",
    "the company",
    "the firm",
    "the group",
    "the startup",
    "the deal",
    "company",
    "investors",
    "investor",
    "shareholders",
    "a group of investors",
    "the government",
    # Words of an office or a body, capitalised inside a longer name or at a sentence's start
    # ("Department of Finance and Administration", "The County is repaid").
    "administration",
    "county",
    "the county",
    "city",
    "the city",
    "state",
    "the state",
    "government",
}


# Regulators and governments decide on deals; they are no party to them.
_AUTHORITY = re.compile(
    r"(?:the\s+)?(?:FCC|FTC|SEC|DOJ|CFIUS|CMA|EU|U\.?S\.?|United\s+States|Congress|"
    r"(?:U\.?S\.?\s+)?(?:Department\s+of\s+Justice|Justice\s+Department)|European\s+Commission|"
    r"Federal\s+(?:Trade|Communications)\s+Commission|Securities\s+and\s+Exchange\s+Commission|"
    r"Competition\s+and\s+Markets\s+Authority|White\s+House|USDA|EPA|FDA|NIH|NASA|IRS|HUD|"
    r"FEMA|Pentagon|GOP|Republicans|Democrats|Tories|"
    # A political party is no company ("Trump's hostile takeover of the GOP").
    r"(?:Republican|Democratic|Labou?r|Conservative|Liberal|Green|Communist)\s+Party|"
    r"(?:(?-i:[A-Z])[\w.'’-]*\s+){0,3}Department\s+of\s+(?:the\s+)?"
    r"(?-i:[A-Z])[\w'’-]*(?:\s+(?:and\s+)?(?-i:[A-Z])[\w'’-]*){0,3})",
    re.IGNORECASE,
)


# A name that is only a place or a nationality ("China bought none of the $200 billion of US
# exports", "The Swiss owner of a pulp mill in Alabama") is no company: a government, or a
# word that describes one. Whole names only: "Texas Instruments" and "China Mobile" are firms.
_PLACES = {
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
    "delaware", "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas",
    "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota",
    "mississippi", "missouri", "montana", "nebraska", "nevada", "new hampshire", "new jersey",
    "new mexico", "new york", "north carolina", "north dakota", "ohio", "oklahoma", "oregon",
    "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee", "texas",
    "utah", "vermont", "virginia", "washington", "west virginia", "wisconsin", "wyoming",
    "america", "africa", "asia", "europe", "australia", "canada", "mexico", "brazil",
    "argentina", "china", "japan", "india", "korea", "south korea", "taiwan", "russia",
    "ukraine", "germany", "france", "italy", "spain", "britain", "england", "scotland",
    "ireland", "israel", "iran", "iraq", "saudi arabia", "qatar", "egypt", "turkey",
    "switzerland", "netherlands", "sweden", "norway", "poland", "singapore", "hong kong",
    "american", "african", "asian", "european", "canadian", "mexican", "chinese", "japanese",
    "indian", "korean", "russian", "german", "french", "italian", "spanish", "british",
    "english", "irish", "israeli", "saudi", "swiss", "dutch", "swedish",
    "yemen", "syria", "lebanon", "jordan", "pakistan", "afghanistan", "bangladesh", "vietnam",
    "thailand", "indonesia", "malaysia", "philippines", "nigeria", "kenya", "ethiopia",
    "south africa", "greece", "portugal", "belgium", "austria", "denmark", "finland",
    "chile", "colombia", "peru", "venezuela", "cuba", "new zealand", "north korea", "gaza",
    "palestine", "kuwait", "bahrain", "oman", "united arab emirates", "uae", "libya", "sudan",
    "morocco", "algeria", "tunisia", "iceland", "hungary", "romania", "czech republic",
    "brazilian", "argentine", "argentinian", "australian", "taiwanese", "ukrainian", "polish",
    "norwegian", "danish", "finnish", "belgian", "austrian", "greek", "portuguese", "turkish",
    "egyptian", "iranian", "iraqi", "qatari", "emirati", "singaporean", "vietnamese", "thai",
    "indonesian", "malaysian", "filipino", "nigerian", "kenyan", "chilean", "colombian",
    "peruvian", "venezuelan", "cuban", "scottish", "welsh", "hungarian", "romanian", "czech",
    "pakistani", "bangladeshi", "kuwaiti", "lebanese", "jordanian", "syrian", "moroccan",
}  # fmt: skip


# A politician or official named with the office ("President Donald Trump", "Lt. Gov. Sheila
# Oliver", "Sen. Bryan Townsend") speaks for a government, which is no party to a deal.
_OFFICE = re.compile(
    r"(?:the\s+)?(?:(?:Vice\s+|Former\s+|Lt\.?\s+)?(?:President|Gov\.?|Governor|Sen\.?|Senator|"
    r"Rep\.?|Representative|Mayor|Secretary|Minister|Prime\s+Minister|Chancellor|"
    r"Speaker|Commissioner))(?:\s+(?-i:[A-Z])[\w.'’-]*){1,3}",
    re.IGNORECASE,
)
_FIRM_WORD = re.compile(
    r"\b(?:Inc|Corp|Co|LLC|Ltd|Plc|Capital|Partners|Group|Holdings?|Ventures|Fund|Bank|"
    r"Technologies|Systems|Labs?|AI)\b\.?",
)


# A sports conference is no company: "this was a natural merger for the Big Ten" tells of
# USC and UCLA joining it, not of a deal.
_CONFERENCE = re.compile(
    r"(?:the\s+)?(?:Big\s+(?:Ten|10|12|Twelve|East|Sky|West|South)|Pac-?1[02]|Conference\s+USA|"
    r"Mountain\s+West|Sun\s+Belt|Ivy\s+League|(?:(?-i:[A-Z])[\w-]*\s+){1,3}(?:Athletic\s+)?"
    r"Conference)",
    re.IGNORECASE,
)


def is_conference(name: str | None) -> bool:
    """Tell whether `name` is a sports conference ("the Big Ten", "Pac-12")."""
    return bool(name) and bool(_CONFERENCE.fullmatch(str(name).strip()))


def is_authority(name: str) -> bool:
    """Tell whether `name` is a regulator or government ("FCC", "Department of Justice"), an
    official named with the office ("President Donald Trump"), a sports conference ("the Big
    Ten"), or only a place or a nationality ("China", "Alabama", "Swiss"): no party to a
    deal."""
    bare = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE).strip(" .").lower()
    return (
        bool(_AUTHORITY.fullmatch(name.strip()))
        or is_conference(name)
        # "Justice Department’s Antitrust Division": a part of one
        or bool(re.match(_AUTHORITY.pattern + r"['’]s\s", name.strip(), re.IGNORECASE))
        or bool(_OFFICE.fullmatch(name.strip()) and not _FIRM_WORD.search(name))
        or bare in _PLACES
        # "East Tennessee", "Northern California", "Greater Boston"
        or re.sub(_DIRECTION, "", bare) in _PLACES
    )


_DIRECTION = (
    r"^(?:east|west|north|south|northern|southern|eastern|western|central|upstate|downstate|"
    r"greater|rural|coastal)\s+"
)


# A count before a name makes it things, not a company: "owns 55 Dreamliners", "bought 20
# Walgreens stores". A year or a day of the month is no count ("in 2017 Amazon bought",
# "On Aug. 23, Sinclair").
_COUNT_BEFORE = r"(?<![\w$€£.,])(?!(?:19|20)\d\d\b)\d{1,3}(?:,\d{3})*\s+"
_MONTH_BEFORE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s*$", re.IGNORECASE
)


def _counted(name: str, sentence: str) -> bool:
    return any(
        not _MONTH_BEFORE.search(sentence[: m.start()])
        for m in re.finditer(rf"{_COUNT_BEFORE}{_name_re(name)}\b", sentence)
    )


# A name that only describes the thing bought ("its San Francisco hub", "a 25% stake in the
# Hamburg harbor", "acquiring TV deals", "the Prudhoe Bay field") is no party.
_HEAD_AFTER = (
    r"\s+(?:(?:private|public|nonprofit|non-profit)\s+)?"  # "the Dover private institution"
    r"(?:hubs?|harbou?rs?|ports?|airports?|fields?|routes?|plants?|factor(?:y|ies)|"
    r"facilit(?:y|ies)|campus|deals|rights|contracts|licen[cs]es|relief|chassis|data|"
    r"records|files|footage|units?|rules|regulations|fans|players|projects?|institutions?)\b"
)
# Money put into a place, not a company: "walking away from Maryville after investing nearly $1
# million there".
_INVESTED_THERE = re.compile(r"\binvest\w*\s+(?:[\w$.,%-]+\s+){0,5}?there\b", re.IGNORECASE)


# More names after a name, as in a list of three or more: ", J.T. Realmuto, Zack Wheeler ...".
_LIST_AFTER = re.compile(
    r"\s*,\s*(?-i:[A-Z])[\w.&'’-]*(?:\s+(?-i:[A-Z])[\w.&'’-]*)*\s*,\s*(?-i:[A-Z])"
)


def heads_a_list(name: str, sentence: str) -> bool:
    """Whether every mention of `name` begins a list of three or more names: "dropped $1.04
    billion acquiring Bryce Harper, J.T. Realmuto, Zack Wheeler ... and Trea Turner". What was
    bought, and what the sum paid for, is the list, not its first name."""
    return _every_mention(name, sentence, lambda m: _LIST_AFTER.match(sentence, m.end()))


def _every_mention(name: str, sentence: str, test: Callable[[re.Match[str]], Any]) -> bool:
    """Tell whether `name` occurs in the sentence as a whole word and `test` holds for each
    occurrence (its match)."""
    hits = list(re.finditer(rf"(?<![\w-]){_name_re(name)}(?![\w-])", sentence))
    return bool(hits) and all(test(m) for m in hits)


def _modifier(name: str, sentence: str) -> bool:
    return _every_mention(
        name, sentence, lambda m: re.match(_HEAD_AFTER, sentence[m.end() :], re.IGNORECASE)
    )


_PLACE_BEFORE = (
    r"(?:(?:north|south|east|west)(?:east|west)?(?:ern)?\s+of|"
    r"(?:compan(?:y|ies)|firm|maker|makers|plant|factory|store|stores|office|offices|based|"
    r"headquartered|located|school|hospital)\s+in)\s+(?:the\s+)?"
)


def _placed(name: str, sentence: str) -> bool:
    """Tell whether every occurrence of `name` is where something is ("300 miles southeast of
    Portland", "a lumber company in Brentwood"): a place."""
    return _every_mention(
        name,
        sentence,
        lambda m: re.search(_PLACE_BEFORE + r"$", sentence[: m.start()], re.IGNORECASE),
    )


# A name the words put in no deal of the sentence as what is bought:
# - a company's later or earlier name after it: "acquired by Anheuser-Busch (now Anheuser-Busch
#   InBev)";
# - who once lived in or made the thing bought: "bought a New York mansion once occupied by
#   Michael Jackson";
# - what the money went on to create: "accepted more than $100 million from Blavatnik to
#   establish the Blavatnik School of Government";
# - who helped a raise: "He raised £30 million with the aid of start-up accelerator Y
#   Combinator".
_RENAMED_BEFORE = re.compile(r"\(\s*(?:now|formerly|previously|later|then)\s+(?:called\s+)?$", re.I)
_NOT_BOUGHT_BEFORE = re.compile(
    r"(?:\b(?:occupied|inhabited|lived in|designed|built|founded|(?:once|formerly|previously)"
    r"\s+owned)\s+by|\bto\s+(?:establish|found|create|build|launch|set\s+up|start)|"
    r"\bwith\s+the\s+(?:aid|help|support|backing)\s+of)"
    r"\s+(?:(?:the|a|an|mega-pop|pop|start-?up|star|accelerator|incubator|[a-z]+-[a-z]+)\s+)*$",
    re.IGNORECASE,
)


def renamed(name: str, sentence: str) -> bool:
    """Whether every mention of `name` in the sentence is another name of the party before it,
    in brackets: "Anheuser-Busch (now Anheuser-Busch InBev)"."""
    return _every_mention(name, sentence, lambda m: _RENAMED_BEFORE.search(sentence[: m.start()]))


def not_bought(name: str, sentence: str) -> bool:
    """Whether the words make `name` no target of the sentence's deal (see `_NOT_BOUGHT_BEFORE`):
    each time the sentence names it, words that make it the maker, former owner or occupant of
    what was bought, what the money went on to create, or a helper of a raise, stand before;
    or the money went "there", to a place (`_INVESTED_THERE`). A later name in brackets is
    `renamed`, part of `_no_party`."""
    if _INVESTED_THERE.search(sentence):
        return True
    return _every_mention(
        name,
        sentence,
        lambda m: _NOT_BOUGHT_BEFORE.search(sentence[max(0, m.start() - 80) : m.start()]),
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_CONNECTORS = {"of", "and", "&", "de", "du", "la", "von", "van", "der", "for"}


def _name_part(text: str) -> str:
    """The leading run of capitalised words: "Fox at the end of 2014" -> "Fox".

    Connectors stay when a capitalised word follows ("Bank of America"); a lower-case first
    word is kept as it is (the capital check below rejects it).
    """
    words = text.split()
    if not words or not re.match(r"[A-Z0-9]|[a-z]+[A-Z]", words[0]):
        return text
    keep = 1
    while keep < len(words):
        w = words[keep]
        if re.match(r"[A-Z0-9&]|[a-z]+[A-Z]", w):
            keep += 1
        elif w.lower() in _CONNECTORS and keep + 1 < len(words) and words[keep + 1][:1].isupper():
            keep += 2
        else:
            break
    return " ".join(words[:keep])


# "Proceed with Virgin America Acquisition" (a headline): the deal word is no part of the name.
_DEAL_WORD_AFTER = re.compile(r"\s+(?:Acquisition|Merger|Deal|Purchase|Takeover|Buyout)$")


# "American investor Todd Boehly", "Chinese tech giant Alibaba", "Texas oil producer Pioneer":
# a nationality or place, up to two more words, and a noun saying what someone is, before the
# name of who it is.
_ROLE_NOUN = (
    r"(?:(?!(?:after|under|over|other|former|later|earlier|either|neither|whether|rather|"
    r"together|never|ever|per|or|for)\b)[a-z-]+(?:er|or|ist|maker|man|woman)|billionaire|"
    r"tycoon|magnate|giant|company|firm|group|fund|bank|conglomerate|consortium|start-?up|"
    r"club|team|chain|network|platform|app|brand|outlet|unicorn|business|heir|family)"
)
_DESCRIBED = (
    r"(?<![\w-]){name}(?:\s+(?!(?:and|or|of|in|at|to|for|from|with|by|the|a|an|that|which|"
    r"who|is|was|has|had|have|said|says)\b)[a-z][\w-]*){{0,2}}\s+{role}\s+"
    r"(?P<name>(?-i:[A-Z])[\w&.'’-]*(?:\s+(?:(?-i:[A-Z])[\w&.'’-]*|of|&)){{0,3}})"
)


def described(name: str, sentence: str) -> str | None:
    """The name that a nationality or place stands before in `sentence` ("American investor
    Todd Boehly" -> "Todd Boehly"), when there is one such name; None otherwise. The model
    often gives the nationality, the first capitalised word, for the party."""
    if name.strip().lower() not in _PLACES:
        return None
    pattern = _DESCRIBED.format(name=_name_re(name), role=_ROLE_NOUN)
    found = {_name_part(m.group("name")) for m in re.finditer(pattern, sentence)}
    found = {n for n in found if n.lower() not in _PLACES and n.lower() not in _NOT_A_PARTY}
    return found.pop() if len(found) == 1 else None


# "'s" that ends a clause is part of a name ("merged with fast-food giant Wendy's."), not a
# possessive, which a noun follows ("Sinclair's purchase").
_NAME_S = r"['’]s(?=\s*(?:[.,;:!?)\"”]|$|\s(?:and|or|in|for|from|with|at|on|by|to)\b))"


def _with_s(name: str, sentence: str) -> str:
    """`name`, with the "'s" that ends a clause after it in `sentence` ("Wendy's")."""
    if re.search(r"['’]s$", name):
        return name
    hits = list(re.finditer(rf"(?<![\w-]){_name_re(name)}(?=['’]s)", sentence))
    if hits and all(re.match(_NAME_S, sentence[m.end() :]) for m in hits):
        return name + sentence[hits[0].end() : hits[0].end() + 2]
    return name


def _with_amp(name: str, sentence: str) -> str:
    """`name`, with the "& Convicts" that follows it in `sentence` ("Kings & Convicts",
    "Procter & Gamble"): an ampersand joins one name."""
    hit = re.search(rf"(?<![\w&-]){_name_re(name)}(\s*&\s*(?-i:[A-Z])[\w'’-]*)(?![\w&])", sentence)
    return name + hit.group(1) if hit else name


# Where a company is, or who stands behind it: "Memphis-headquartered Fred's Inc.",
# "San Francisco-based Virgin America", "SoftBank-backed Didi" (no part of the name).
_BASED_WORDS = (
    r"(?:(?-i:[A-Z])[\w.'’]*\s+){0,3}(?-i:[A-Z])[\w.'’]*-(?:based|headquartered|born|backed|"
    r"owned|listed|controlled|run)\s+"
)
_BASED = re.compile(rf"^{_BASED_WORDS}(?=(?-i:[A-Z0-9]))", re.IGNORECASE)


# A question's first word before a name: "Will Elon Musk's purchase of Twitter mean more hate?"
_ASKING = re.compile(
    r"^(?:Will|Would|Can|Could|Should|Shall|Does|Did|Do|Is|Was|Are|Were|Has|Have|Had|Why|How)"
    r"\s+(?=(?-i:[A-Z]))"
)


def _unasked(name: str, sentence: str) -> str:
    """`name` without the word that opens a question it starts ("Will Elon Musk" -> "Elon
    Musk", when the sentence is a question that begins with it)."""
    if sentence.rstrip().endswith("?") and sentence.lstrip().startswith(name):
        rest = _ASKING.sub("", name)
        return rest or name
    return name


def checked_name(name: Any, sentence: str) -> str | None:
    """`name` as it occurs in `sentence`, or None when it does not occur or is not a party."""
    if not isinstance(name, str):
        return None
    # The model likes to explain: "WhatsApp (messaging service)", "Fox at the end of 2014".
    name = re.split(r"\s*[(\[,;]", _squash(name), maxsplit=1)[0].strip(" .:\"'“”‘’")
    name = re.sub(r"^(?:the)\s+", "", name, flags=re.IGNORECASE)
    name = _BASED.sub("", name)
    name = _name_part(name)
    name = described(name, sentence) or name
    name = re.sub(r"\s*['’]s$", "", name)
    name = _DEAL_WORD_AFTER.sub("", name)
    if not name or name.lower() in _NOT_A_PARTY:
        return None
    found = re.search(r"(?<!\w)" + _name_re(name) + r"(?!\w)", sentence, re.IGNORECASE)
    if not found:
        found = _short_name(name, sentence)
    if not found:
        found = _misspelt(name, sentence)
    if not found:
        return None
    surface = _with_s(_unasked(sentence[found.start() : found.end()], sentence), sentence)
    surface = _with_amp(surface, sentence)
    if found.start() == 0 and re.match(r"\s*[:—–]", sentence[found.end() :]):
        return None  # a dateline ("Denver: Marijuana sales..."), not a party
    # A proper name as written: capitalised ("Alibaba", "3M") or camel-cased ("eBay").
    return surface if re.match(r"[A-Z0-9]|[a-z]+[A-Z]", surface) else None


def _misspelt(name: str, sentence: str) -> re.Match[str] | None:
    """The one capitalised word of the sentence that `name`, a single word, misspells by one
    letter ("Bohly" for "Boehly Owns stakes ..."): the small model copies names imperfectly."""
    if " " in name or len(name) < 5:
        return None
    words = [
        m
        for m in re.finditer(r"(?<![\w'’])[A-Z][\w'’-]{3,}", sentence)
        if m.group()[0] == name[0] and _one_edit(name.lower(), m.group().lower())
    ]
    return words[0] if len(words) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    """Tell whether `a` and `b` differ by exactly one inserted, deleted or changed letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


# First words that name no company alone: "General" of General Motors, "United" of United
# Technologies.
_NOT_SHORT = {
    "general", "united", "american", "national", "first", "new", "bank", "royal", "global",
    "international", "southern", "northern", "western", "eastern", "central", "pacific",
    "atlantic", "north", "south", "east", "west", "great", "big", "the", "saint", "san", "st",
    "mr", "ms", "mrs", "dr", "sir", "lord",
}  # fmt: skip


def _short_name(name: str, sentence: str) -> re.Match[str] | None:
    """Where the sentence names the company `name` by its first words only, as articles do
    after the first mention: the model's "Goldman Sachs" for "Goldman also took another step
    ... by acquiring Honest Dollar", "Lucid Motors Inc." for "Lucid is working on its fourth
    funding round". The shorter name must stand alone (no capitalised word after it:
    "General" in "General Electric" is no "General Motors") and be no place or generic word."""
    words = name.split()
    for keep in range(len(words) - 1, 0, -1):
        short = " ".join(words[:keep]).rstrip(".,")
        if (
            len(short) < 3
            or not re.match(r"[A-Z0-9]|[a-z]+[A-Z]", words[keep - 1])  # not "Jet and"
            or short.lower() in _NOT_SHORT
            or short.lower() in _PLACES
        ):
            continue
        hit = re.search(
            r"(?<![\w&.'’-])" + _name_re(short) + r"(?![\w&’-])(?!\s+(?-i:[A-Z]))", sentence
        )
        if hit:
            return hit
    return None


def _name_re(name: str) -> str:
    """`name` as a regular expression that lets any run of spaces stand for its spaces."""
    return re.escape(name).replace(r"\ ", r"\s+")


_ABBREVIATED = re.compile(r"\b(?:Co|Corp|Inc|Ltd|Plc|Bros|Cos)$")


def _name_as_written(name: str) -> str:
    """`_name_re(name)`, where a name ending in an abbreviation may keep its full stop in the
    sentence ("Boeing Co. 's bid", "Lucid Motors Inc. is raising"), and a web name may go
    without its ".com" ("Amazon.com ... give Amazon a 15% stake")."""
    if re.search(r"\w\.com$", name, re.IGNORECASE):
        return _name_re(name[:-4]) + r"(?:\.com)?"
    return _name_re(name) + (r"\.?" if _ABBREVIATED.search(name) else "")


_REPORTS = r"(?:reported|reports|said|says|wrote|writes|noted|notes|first\s+reported)"


def is_source(name: str, sentence: str) -> bool:
    """Tell whether `name` is who reports the deal ("Bloomberg said", "according to Reuters")."""
    n = _name_re(name)
    return bool(
        re.search(
            rf"\b(?:according\s+to|report(?:ed)?\s+by|reports?\s+from|told|"
            rf"(?:said|says|spoke|speaking|talked|talking)\s+to)\s+(?:the\s+)?{n}\b",
            sentence,
            re.IGNORECASE,
        )
        # Not "Ford said it was investing": who says "it" does something is a party to it.
        or re.search(
            rf"\b{n}(?:\s*,[^,]{{0,60}},)?\s+{_REPORTS}\b(?!\s+(?:that\s+)?(?:it|its)\b)",
            sentence,
            re.IGNORECASE,
        )
        # ... but who reports or writes that "it" did is a newsroom ("the Wall Street Journal
        # reported it walked away from a deal to be acquired by Microsoft").
        or re.search(
            rf"\b{n}(?:\s*,[^,]{{0,60}},)?\s+(?:first\s+)?(?:reported|reports|wrote|writes)\b",
            sentence,
            re.IGNORECASE,
        )
    )


_PROPER = r"((?-i:[A-Z])[\w&.'’-]*(?:\s+(?:(?-i:[A-Z])[\w&.'’-]*|of\s+(?-i:[A-Z])[\w&.'’-]*))*)"


def company_key(name: str) -> str:
    """What two names of one company share: the first word, lower-cased ("Amazon.com Inc.",
    "Amazon" -> "amazon")."""
    first = name.split()[0].lower() if name.split() else ""
    return re.sub(r"\.com$", "", first.strip(".,'’"))


def _same_company(a: str | None, b: str | None) -> bool:
    """Tell whether two names share their first word ("Amazon.com Inc." and "Amazon")."""
    return bool(a and b) and company_key(a or "") == company_key(b or "")


def _among(name: str, names: Iterable[str]) -> bool:
    """Whether `name` is one of `names`, ignoring case."""
    return name.lower() in {n.lower() for n in names}


def _within(a: str, b: str) -> bool:
    """Whether name `a` occurs in name `b` as whole words, ignoring case."""
    return bool(re.search(rf"(?<!\w){re.escape(a.lower())}(?!\w)", b.lower()))
