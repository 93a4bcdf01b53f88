"""Deal mentions: one per sentence that states a deal, each field checked against the sentence.

The local model is slow to read (about 120 tokens/s on 2 cores) and slower to write (13), so it
never sees a whole article. A cheap filter picks the sentences that could state a deal (a
deal word plus an amount or names: `rag.deals.filter`), the model fills a small JSON form for
each one under llama.cpp's JSON-schema constraint (`rag.deals.prompt`, `rag.deals.forms`), and
every field is then checked against the sentence here: a name that is not in it is dropped
(`rag.deals.names`), a name goes on the side the words around it give it (`rag.deals.roles`),
"it" and "the company" stand for a company named before (`rag.deals.references`), an amount
is one of the money spans our own parser found (the model only picks which one), and the
stage and dates come from cue words (`rag.deals.cues`), not from the model. Lists of who put
in how much are read by rule (`rag.deals.lists`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rag.deals.cues import event_date, event_year, round_of, stage_of
from rag.deals.filter import (
    DEAL_SIZE_USD,
    KIND_WORDS,
    candidates,
    deal_sized,
    nothing_else,
    states_kind,
    tells_a_plot,
)
from rag.deals.lists import list_items, list_ref
from rag.deals.money import Money, find_money, to_usd
from rag.deals.names import (
    _BASED,
    _DEAL_WORD_AFTER,
    _NOT_A_PARTY,
    _PROPER,
    _among,
    _name_as_written,
    _same_company,
    _unasked,
    _with_amp,
    _with_s,
    _within,
    checked_name,
    described,
    heads_a_list,
    is_authority,
    is_conference,
    is_source,
    not_bought,
)
from rag.deals.prompt import FormFiller
from rag.deals.references import (
    _NOT_COMPANY,
    _REF_BUYER,
    _REF_TARGET,
    _SELLING,
    Resolver,
    _ref,
    _ref_record,
    resolver,
)
from rag.deals.roles import (
    _ADJ,
    _SUFFIX,
    _bought_by,
    _no_party,
    before_the_one_meant,
    buys_another,
    in_another_merger,
    merger_result,
    merging_with,
    named_target,
    outside_named_merger,
    owns_the_deal,
    part_stake,
    raises_money,
    role_of,
    round_owner,
    sells,
    stake_share,
    works_at,
)

DEAL_TYPES = ("acquisition", "merger", "funding round", "stake")
STAGES = ("rumoured", "announced", "closed", "cancelled")
RULES_VERSION = "58"  # of the rule-made fields (refresh_rules): a new one rebuilds deal tables
EXTRACTOR_VERSION = "16"  # stored with each article's mentions: a new version extracts again


@dataclass
class Mention:
    """One sentence that states a deal, with the fields read from it and where each came from."""

    article_id: str
    sentence: str
    start: int  # character offsets of the sentence in the article's text
    end: int
    type: str
    buyers: list[str] = field(default_factory=list)
    lead: str | None = None
    target: str | None = None
    amount: str | None = None  # as written
    amount_low: float | None = None
    amount_high: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    round: str | None = None
    valuation: str | None = None
    valuation_usd: float | None = None
    share: str | None = None  # how much of the target a stake holds, as written: "nearly 10%"
    stage: str = "announced"
    stage_cue: str | None = None
    published: str | None = None  # the article's date, ISO
    event_date: str | None = None  # stated in the sentence, ISO
    event_year: int | None = None  # a year before the article's that the sentence gives it
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    by: dict[str, str] = field(default_factory=dict)  # field -> "model" or "rule"
    # A party the sentence names only as "it" or "the company": name -> {"text": the words,
    # "start"/"end": their offsets in the sentence, "context": the sentence that names it}.
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        key = f"{self.article_id}:{self.start}:{self.end}:{self.target or ''}"
        return hashlib.sha1(key.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["id"] = self.id
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _pick(amounts: list[Money], number: Any) -> Money | None:
    if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= len(amounts):
        return amounts[number - 1]
    return None


_WORDS_NAME = re.compile(_PROPER)


def _words_names(sentence: str) -> list[str]:
    """The company names of `sentence`: runs of capitalised words less their opening words
    ("But Alaska Airlines", "In late 2016"), not places, months or "San Francisco-based", as
    `checked_name` gives them."""
    names: list[str] = []
    for m in _WORDS_NAME.finditer(sentence):
        words = m.group(1).split()
        while words and words[0].lower().strip(".,'’") in _NOT_COMPANY:
            words.pop(0)
        name = checked_name(" ".join(words), sentence) if words else None
        if (
            name
            and name.lower() not in _NOT_COMPANY
            and not name.endswith("-based")
            and name not in names
        ):
            names.append(name)
    return names


def words_form(
    sentence: str, amounts: list[Money], by_reference: bool = False
) -> dict[str, Any] | None:
    """The form the sentence's words alone fill, when they name both sides of one deal and
    the model did not: "Boeing's reported bid for Embraer" (the model said no deal), "Ford
    said it was investing $1 billion in Argo AI" (the model said an acquisition, which no word
    of the sentence states). Exactly one name must be marked a buyer and one a target
    (`role_of`); the amount is the sentence's only money span, if it has just one.

    With `by_reference`, the buyer may be "it" or "the company" instead of a name ("layoffs
    at Meetup, which it acquired for $200 million in 2017", where the model read the
    sentence's other deal): the form then has no buyers, and `verify` fills in the company
    the reference stands for, or stores nothing."""
    names = [n for n in _words_names(sentence) if not is_source(n, sentence)]
    roles = {n: role_of(n, sentence) for n in names if not is_authority(n)}
    buyers = [n for n, r in roles.items() if r == "buyer"]
    targets = [n for n, r in roles.items() if r == "target"]
    hit = _ref(sentence, _REF_BUYER) if by_reference and not buyers else None
    if hit and not _SELLING.search(sentence[: hit.start()]) and len(targets) == 1:
        buyers = []  # "which it acquired": the reference, resolved by `verify`
    elif len(buyers) != 1 or len(targets) != 1 or _same_company(buyers[0], targets[0]):
        return None
    if KIND_WORDS["acquisition"].search(sentence):
        kind = "acquisition"
    elif KIND_WORDS["stake"].search(sentence):
        kind = "stake"
    else:
        return None
    form: dict[str, Any] = {"deal": True, "type": kind, "buyers": buyers, "target": targets[0]}
    paid = [i for i, a in enumerate(amounts, 1) if _PAID_FOR.search(sentence[: a.start])]
    if len(amounts) == 1:
        form["amount"] = 1
    elif len(paid) == 1:
        form["amount"] = paid[0]  # "which it acquired for $200 million", beside other sums
    return form


# A price as the words of a purchase give it: "acquired for $200 million", "bought it for".
_PAID_FOR = re.compile(
    r"\b(?:acquired|bought|purchased|paid|sold)\s+(?:[\w'’-]+\s+){0,3}?for\s+"
    r"(?:about\s+|nearly\s+|roughly\s+|around\s+|some\s+)?$",
    re.IGNORECASE,
)


# "following Musk's takeover", "Sinclair's RSN acquisition": a buyer's deal, named by its
# buyer alone. What was bought is in the words between, or in another sentence.
_OWNED_DEAL = re.compile(
    r"(?-i:[A-Z])[\w&.-]*['’]s?\s+(?P<between>(?:[\w$.,-]+\s+){0,3}?)"
    r"(?:takeovers?|acquisitions?|purchases?|buyouts?|mergers?)\b"
    r"(?!\s+(?:of|for|with|by|between|from)\b)(?!\s*(?:-|–)?\s*(?-i:[A-Z]))",
    re.IGNORECASE,
)


def unmarked_target(target: str, sentence: str) -> bool:
    """Tell whether `target` is a guess: the sentence names its deal only as a buyer's ("the
    restructuring following Musk's takeover, he told a court during a trial over his Tesla
    pay package"), no other deal word is in it, and nothing in the words makes `target`
    what was bought. The model then picks another name of the sentence (Tesla)."""
    hits = list(_OWNED_DEAL.finditer(sentence))
    if not hits or not nothing_else(sentence, _OWNED_DEAL):
        return False
    if any(target.lower() in h.group("between").lower() for h in hits):
        return False  # "Sinclair's RSN acquisition"
    return role_of(target, sentence) is None


def verify(
    form: dict[str, Any],
    sentence: str,
    amounts: list[Money],
    published: date | None,
    resolve: Resolver | None = None,
) -> list[dict[str, Any]]:
    """Turn the model's form into checked fields, one dict per target (empty: not a deal).

    Names must occur in the sentence; the amount and valuation must be money spans the
    parser found; the stage, round and event date come from rules. With `resolve` (a
    reference's offset in the sentence -> the company it stands for and the sentence naming
    it), a buyer the sentence names only as "it" or "the company" is filled in. When the
    model's form yields no deal but the words name both sides of one (`words_form`), the
    words' form is checked instead, and every field says it was made by rule.
    """
    out = _verify(form, sentence, amounts, published, resolve)
    if out:
        return out
    words = words_form(sentence, amounts, by_reference=resolve is not None)
    if words is None:
        return []
    out = _verify(words, sentence, amounts, published, resolve)
    if not words["buyers"]:
        out = [fields for fields in out if fields["buyers"]]  # the reference left unresolved
    for fields in out:
        fields["by"] = {k: "rule" for k in fields["by"]}
    return out


def _only_within(name: str, sentence: str, start: int, end: int) -> bool:
    """Tell whether every occurrence of `name` in the sentence lies in [start, end)."""
    spans = [m.span() for m in re.finditer(re.escape(name), sentence)]
    return bool(spans) and all(start <= a and b <= end for a, b in spans)


# The kinds of deal that buy part of a company, whose size a sentence may give ("a 35% stake").
# Not an acquisition: "Musk, who already owned nearly 10% of Twitter, is contributing $27
# billion for the deal" tells of a holding before the takeover.
_SHARED = ("stake", "funding round")

# A stake taken, in a sentence with no acquisition word: "invested $12.8 billion for a 35% stake
# in the start-up".
_STAKE_BOUGHT = re.compile(r"\bstakes?\s+(?:in|of)\b", re.IGNORECASE)


def _marked_buyer(kind: str, buyers: list[str], target: str | None, sentence: str) -> str | None:
    """The one name the words say outright buys ("acquired by PayPal", "his investment vehicle,
    Triarc Cos., acquired Snapple"), when it should replace buyers of the model's that the
    words give no side (bystanders): None when there are none to replace, or no such name."""
    if kind == "funding round" or not buyers or any(role_of(b, sentence) for b in buyers):
        return None
    marked = [
        n
        for n in _words_names(sentence)
        if n != target
        and role_of(n, sentence) == "buyer"
        and _bought_by(n, sentence)
        and not is_source(n, sentence)
        and not _no_party(n, sentence)
    ]
    if (
        len(marked) == 1
        and not _among(marked[0], buyers)
        and not (target and _same_company(marked[0], target))
    ):
        return marked[0]
    return None


def _listed(first: str, other: str, sentence: str) -> bool:
    """Whether `other` is `first` or is listed after it ("acquired Janie and Jack"): the words
    that mark the first as bought mark the list."""
    between = r"[\s,]+(?:(?:and|&)\s+|(?-i:[A-Z])[\w&'’.-]*[\s,]+)*"
    return _within(first, other) or bool(
        re.search(re.escape(first) + between + re.escape(other), sentence)
    )


def _subject_buyer(kind: str, buyers: list[str], target: str, sentence: str) -> str | None:
    """The name the words make the subject of buying `target` ("Led by Walter, the private
    partnership Guggenheim Baseball Management purchased the Dodgers"), when it is none of
    `buyers` (nor another name of one): a buyer the model left out."""
    if kind not in ("acquisition", "stake"):
        return None
    # A finite verb only: not "paid 13 times Ebitda to acquire Pebble".
    bought = (
        r"(?:(?:has|have|had|also|already|recently|previously|finally)\s+)*"
        r"(?:acquired|bought|purchased|took\s+over)\s+"
        + _ADJ
        + _name_as_written(target)
        + r"(?!\w)"
    )
    for n in _words_names(sentence):
        if any(_same_company(n, b) or _within(n, b) or _within(b, n) for b in [target, *buyers]):
            continue  # "Chicago's Two Brothers Brewing Company": a buyer's longer name
        subject = rf"(?<!\w){_name_as_written(n)}{_SUFFIX}(?:\s*,[^,]{{0,80}},)?\s+{bought}"
        if (
            re.search(subject, sentence, re.IGNORECASE)
            and not _no_party(n, sentence)
            and not is_source(n, sentence)
        ):
            return n
    return None


def _target_gives_way(
    target: str | None, by_model: bool, raiser: bool, buyers: list[str], sentence: str
) -> bool:
    """Tell whether a mention's target gives way to a buyer the words put on the target's side.

    It does when there is none, or when the model named it and the words do not mark it
    ("Kroger wants to merge with Albertsons": not Kroger). To the company raising a round
    (`raiser`) it also gives way when the words mark it as an investor in the round; it then
    joins `buyers`.
    """
    if not target:
        return True
    if not by_model:
        return False
    role = role_of(target, sentence)
    if role is None:
        return True
    if raiser and role == "buyer":
        if not _among(target, buyers):
            buyers.append(target)
        return True
    return False


def _to_target_side(
    kind: str | None, buyers: list[str], target: str | None, by_model: bool, sentence: str
) -> tuple[str | None, bool, list[str]]:
    """Take out of `buyers` (in place) those the words put on the target's side: in a funding
    round the company raising the money ("MiniMax is seeking at least $600 million": MiniMax
    is no investor), then any name the words mark as the target ("acquisition of Alstom",
    "integrating merger partner Virgin America"). Each one the target gives way to
    (`_target_gives_way`) becomes the target.

    Returns the target, whether one of the taken names replaced it, and the taken names.
    """
    raising = [b for b in buyers if kind == "funding round" and raises_money(b, sentence)]
    turned = raising + [b for b in buyers if b not in raising and role_of(b, sentence) == "target"]
    replaced = False
    for b in turned:
        buyers.remove(b)
        if _target_gives_way(target, by_model and not replaced, b in raising, buyers, sentence):
            target, replaced = b, True
    return target, replaced, turned


def _reversed_party(kind: str | None, buyers: list[str], target: str, sentence: str) -> str | None:
    """The party the model named as the one buyer, when the words make its target the buyer
    instead: the sides read the wrong way round ("a deal that could give Amazon a 15% stake in
    the airline", stored as Hawaiian Airlines buying Amazon.com), so that party is the target.
    None unless that one buyer is unmarked by the words and not listed with the target as a
    co-buyer ("Blum Capital and Golden Gate acquired the chain")."""
    others = [b for b in buyers if not _same_company(b, target)]
    if kind not in ("stake", "acquisition") or len(others) != 1 or len(buyers) > 2:
        return None
    other = others[0]
    if role_of(other, sentence) is not None:
        return None
    a, b = _name_as_written(other), _name_as_written(target)
    listed = rf"(?:{a}{_SUFFIX}\s*(?:,|\band\b|&)\s*{b}|{b}{_SUFFIX}\s*(?:,|\band\b|&)\s*{a})"
    return None if re.search(listed, sentence, re.IGNORECASE) else other


def _buyers_of_other_deals(buyers: list[str], targets: Sequence[str], sentence: str) -> list[str]:
    """The buyers that buy something other than `targets` in the same sentence ("Wolverine
    acquired the group, while Blum Capital and Golden Gate acquired Payless": two deals in one
    sentence, and who buys the other is no buyer of this one); none when every buyer does,
    since the sentence then gives no better reading."""
    others = [b for b in buyers if buys_another(b, targets, sentence)]
    return others if len(others) < len(buyers) else []


# "Reed has said that he expects ... from the combination", "Reed, who will be the merged
# company's chairman, told investors": who speaks of a deal.
_SPEAKS = r"(?:\s*,[^,]{0,80},)?\s+(?:has\s+|had\s+)?(?:said|says|told|tells)\b"


def speaks_of_merger(target: str, kind: str | None, buyers: list[str], sentence: str) -> bool:
    """Tell whether a merger's target is only who speaks of it: the sentence names the merging
    companies as its buyers (two or more), and the target is the subject of "said" or "told"
    that no word of the sentence makes a side. (One merging side speaking for itself, "Kroger
    said its merger with Albertsons", leaves a single buyer and is kept.)"""
    return (
        kind == "merger"
        and len(buyers) >= 2
        and role_of(target, sentence) is None
        and bool(re.search(rf"(?<!\w){re.escape(target)}{_SPEAKS}", sentence))
    )


def only_speaks(buyer: str, kind: str | None, sentence: str) -> bool:
    """Tell whether a merger's buyer is a person who speaks of it: "Reed, who will be the
    merged company's chairman, told investors of New Media ... that the merger would allow".
    The buyer is the subject of "said" or "told", a person ("Reed, who", "Reed has said that
    he"), no word of the sentence makes it a side, and the merger is "the merger", not "its"
    or "our" merger. A company that speaks of its merger ("Kroger said the merger with
    Albertsons") stays a side."""
    name = re.escape(buyer)
    return (
        kind == "merger"
        and role_of(buyer, sentence) is None
        and bool(re.search(rf"(?<!\w){name}{_SPEAKS}", sentence))
        and bool(
            re.search(rf"(?<!\w){name}\s*,\s*who\b", sentence)
            or re.search(rf"(?<!\w){name}{_SPEAKS}[^.;]{{0,40}}?\b(?:he|she)\b", sentence)
        )
        and not re.search(
            r"\b(?:its|their|our|his|her|we|they)\s+(?:\w+\s+){0,2}?"
            r"(?:merger|combination|tie-up|deal|union)\b|\b(?:we|they|it)\s+(?:will\s+)?merge\b",
            sentence,
            re.IGNORECASE,
        )
    )


def _verify(
    form: dict[str, Any],
    sentence: str,
    amounts: list[Money],
    published: date | None,
    resolve: Resolver | None = None,
) -> list[dict[str, Any]]:
    if not isinstance(form, dict) or form.get("deal") is not True:
        return []
    kind = form.get("type") if form.get("type") in DEAL_TYPES else None
    type_by = "model"
    if (
        kind == "acquisition"
        and not KIND_WORDS[kind].search(sentence)
        and _STAKE_BOUGHT.search(sentence)
    ):
        # "Altria ... invested $12.8 billion for a 35% stake in the start-up": a stake the
        # model called an acquisition, whose words say which.
        kind, type_by = "stake", "rule"
    if kind is None or not KIND_WORDS[kind].search(sentence):
        return []  # no word of that kind of deal in the sentence: the model's guess
    if any(is_conference(n) for n in [form.get("target"), *(form.get("buyers") or [])]):
        return []  # a school joining a sports conference: "a natural merger for the Big Ten"
    if not states_kind(kind, sentence):
        return []  # "GM will invest $7.7 billion in its plants": spending, not a round
    if kind == "acquisition" and part_stake(sentence):
        kind, type_by = "stake", "rule"  # "the purchase of a 0.6 percent stake in the company"
    buyers: list[str] = []
    for name in form.get("buyers") or []:
        checked = checked_name(name, sentence)
        if (
            checked
            and not is_source(checked, sentence)
            and not is_authority(checked)
            and not _among(checked, buyers)
            # "The Boston-based company": a description, whose company a reference may give
            and not checked.endswith(("-based", "-headquartered"))
        ):
            buyers.append(checked)
    lead = checked_name(form.get("lead"), sentence)
    if lead and is_source(lead, sentence):
        lead = None
    if lead and not _among(lead, buyers):
        buyers.insert(0, lead)
    buyers = [
        b
        for b in buyers
        if role_of(b, sentence) != "seller"
        and not sells(b, sentence)
        and not only_speaks(b, kind, sentence)
    ]
    if lead and not _among(lead, buyers):
        lead = None  # a seller, dropped with the buyers above
    target_by = "model"
    target_text = checked_name(form.get("target"), sentence)
    if target_text and (
        is_source(target_text, sentence)
        or _no_party(target_text, sentence)
        or not_bought(target_text, sentence)
        or speaks_of_merger(target_text, kind, buyers, sentence)
    ):
        target_text = None
    # Two companies joined by a hyphen are both sides, no target ("the Alaska Airlines-Virgin
    # America merger"): the second is the target, the first a buyer, as the words say.
    pair = re.fullmatch(r"(.+?)\s*[-–]\s*((?-i:[A-Z]).+)", target_text or "")
    if pair and role_of(pair.group(2), sentence) == "target":
        first = checked_name(pair.group(1), sentence)
        if first and role_of(first, sentence) == "buyer" and first not in buyers:
            buyers.append(first)
        target_text, target_by = checked_name(pair.group(2), sentence), "rule"
    # A buyer the sentence puts on the other side becomes the target, or is dropped when the
    # model's target stands ("merged with Children's Bureau": not an investor).
    target_text, replaced, turned = _to_target_side(
        kind, buyers, target_text, target_by == "model", sentence
    )
    if replaced:
        target_by = "rule"
    if lead in turned:
        lead = None
    # Who is given a stake holds it: "The purchase gave Alden an ownership stake" names no
    # company bought, and Alden is on the buying side.
    if target_text and _holds_the_stake(target_text, buyers, sentence):
        target_text = None
    # ... and a target the words mark as a buyer ("Boeing's bid for Embraer") joins the buyers.
    target_role = role_of(target_text, sentence) if target_text else None
    if target_text and target_role == "buyer":
        other = _reversed_party(kind, buyers, target_text, sentence)
        if not _among(target_text, buyers):
            buyers.append(target_text)
        target_text = None
        if other:
            buyers.remove(other)
            target_text, target_by = other, "rule"
    marked = named_target(sentence) if kind != "funding round" else None
    if marked and (target_text is None or target_role != "target") and not _among(marked, buyers):
        target_text, target_by = marked, "rule"
    given = [n for n in [*(form.get("buyers") or []), form.get("lead")] if isinstance(n, str)]
    # A buyer no name of the model's holds was made by a rule ("American" -> "Todd Boehly").
    buyers_by = (
        "model" if all(any(b.lower() in g.lower() for g in given) for b in buyers) else "rule"
    )
    # Likewise bystanders the model named as buyers give way to the one name the words mark
    # as buyer ("who previously sold Quidsi to Amazon, now runs Wal-Mart's ...").
    if marked := _marked_buyer(kind, buyers, target_text, sentence):
        buyers, lead, buyers_by = [marked], None, "rule"
    refs: dict[str, dict[str, Any]] = {}
    if resolve is not None:
        # "it will acquire Whole Foods": the buyer is the company "it" stands for.
        hit = _ref(sentence, _REF_BUYER)
        if hit and _SELLING.search(sentence[: hit.start()]):
            hit = None  # "agreed to sell its stake in GM East Africa": the seller
        found = resolve(hit.start("ref")) if hit else None
        also = hit.groupdict().get("also") if hit else None
        if hit and found and also and not _same_company(found[0], target_text):
            # Names in the clause between the reference and its buying verb are what it did
            # something else to ("signed filmmakers Joel and Ethan Coen ... and acquired
            # Millarworld"): no buyers.
            a, b = hit.span("also")
            buyers = [n for n in buyers if not _only_within(n, sentence, a, b)]
        if hit and found and not _same_company(found[0], target_text):
            known = next((b for b in buyers if _same_company(b, found[0])), None)
            if known or not buyers:
                if known is None:
                    buyers.append(found[0])
                    buyers_by = "rule"
                refs[known or found[0]] = _ref_record(hit, found[1])
    if resolve is not None and target_text is None and kind in ("acquisition", "stake"):
        # "bought the club": the company the article is about, when its title names it.
        hit = _ref(sentence, _REF_TARGET)
        found = resolve(hit.start("ref"), subject=True, besides=buyers) if hit else None
        if (
            hit
            and found
            and not any(_same_company(b, found[0]) for b in buyers)
            and not is_authority(found[0])
            and found[0].lower() not in _NOT_A_PARTY
        ):
            target_text, target_by = found[0], "rule"
            refs[found[0]] = _ref_record(hit, found[1])
    if (
        kind == "merger"
        and target_text
        and len(buyers) >= 2
        and (_one_of(target_text, buyers) or merger_result(target_text, sentence))
    ):
        # "Alaska Airlines, Virgin America kick off merger", both given as buyers and one of
        # them (or a company of one of them) as the target too: the sides are read as when no
        # target is given.
        target_text = None
    if kind == "merger" and target_text and not buyers:
        who = merging_with(target_text, sentence)
        if who:
            buyers, buyers_by = [who], "rule"
    if kind == "merger" and target_text is None and len(buyers) >= 2:
        last = _second_party(buyers, sentence)
        if last:
            buyers.remove(last)
            if lead == last:
                lead = None
            target_text, target_by = last, "rule"
    targets = [target_text] if target_text else []
    if target_text and re.search(r"\s+and\s+", target_text):
        parts = [checked_name(p, sentence) for p in re.split(r"\s*,\s*|\s+and\s+", target_text)]
        if all(parts):
            targets = [p for p in parts if p]
    if kind == "funding round" and not targets:
        # "Google Ventures then led Nest's Series B round": whose round it is, the target.
        owner = round_owner(sentence, buyers)
        if owner:
            targets, target_by = [owner], "rule"
    targets = [
        t
        for t in targets
        if not _among(t, buyers)
        and not unmarked_target(t, sentence)
        and not in_another_merger(t, buyers, sentence)
        and not before_the_one_meant(t, sentence)
        and not heads_a_list(t, sentence)
    ]
    others = _buyers_of_other_deals(buyers, targets, sentence)
    buyers = [
        b
        for b in buyers
        if b not in others
        and not any(works_at(b, t, sentence) for t in targets)
        and not outside_named_merger(b, buyers, targets[0] if targets else None, sentence)
    ]
    if lead in others:
        lead = None
    if len(targets) == 1 and (who := _subject_buyer(kind, buyers, targets[0], sentence)):
        buyers.append(who)
        buyers_by = "rule"
    if not targets and not buyers:
        return []
    amount = _pick(amounts, form.get("amount"))
    valuation = _pick(amounts, form.get("valuation"))
    if valuation is not None and valuation == amount:
        valuation = None
    if amount is not None and is_valuation(sentence, amount.start):
        if valuation is not None and not is_valuation(sentence, valuation.start):
            # The two swapped: "its valuation had risen to $127 billion and it has raised $2
            # billion"
            amount, valuation = valuation, amount
        else:
            amount, valuation = None, valuation or amount  # "valued at $2 billion" is no price
    if amount is not None and (not_a_price(sentence, amount.end) or not deal_sized(amount)):
        amount = None  # "a start-up with around $1 billion in sales", "$0.06 a share"
    if not _shows_a_deal(kind, buyers, targets[0] if targets else None, amount):
        return []  # a buyer alone: no deal the table can show
    stage, cue = stage_of(sentence, published)
    when = event_date(sentence, published)
    year = event_year(sentence, published)
    out = []
    parties: list[str | None] = [*targets] or [None]
    for target in parties:
        fields: dict[str, Any] = {
            "type": kind,
            "buyers": buyers,
            "lead": lead,
            "target": target,
            "round": round_of(sentence) if kind == "funding round" else None,
            "stage": stage,
            "stage_cue": cue,
            "event_date": when.isoformat() if when else None,
            "event_year": year,
            "by": {"type": type_by, "buyers": buyers_by, "target": target_by, "stage": "rule"},
            "refs": {k: v for k, v in refs.items() if k == target or k in buyers},
        }
        if lead:
            fields["by"]["lead"] = (
                "model" if lead.lower() in str(form.get("lead")).lower() else "rule"
            )
        if amount is not None:
            fields.update(
                amount=amount.text,
                amount_low=amount.low,
                amount_high=amount.high,
                currency=amount.currency,
                amount_usd=_usd(amount, published),
            )
            fields["by"]["amount"] = "rule+model"  # the parser's span, the model's choice
        if valuation is not None:
            fields.update(valuation=valuation.text, valuation_usd=_usd(valuation, published))
            fields["by"]["valuation"] = "rule+model"
        if kind in _SHARED and (share := stake_share(sentence, target)):
            fields.update(share=share)
            fields["by"]["share"] = "rule"
        if fields["round"]:
            fields["by"]["round"] = "rule"
        if when:
            fields["by"]["event_date"] = "rule"
        if year is not None:
            fields["by"]["event_year"] = "rule"
        out.append(fields)
    return out


_FIGURE_AFTER = re.compile(
    # "$1 billion in sales", "$139 million of third-quarter harm": a company's own figure.
    r"\s*(?:(?:in|of)\s+[\"“‘']?(?:[\w-]+\s+)?[\"“‘']?"  # 'in “synergies”' too
    r"(?:sales|revenues?|turnover|profits?|earnings|losses|income|harm|damages?|costs|"
    r"expenses|spending|capital\s+expenditures?|synerg(?:y|ies)|(?:cost\s+)?savings)\b"
    # "as much as $300 million in synergies from the combination": what a merger is to save.
    # "a $1 billion increase in its capital expenditures": a change of a figure.
    r"|(?:increase|decrease|rise|jump|drop|decline|boost|cut|reduction|shortfall)\b)",
    re.IGNORECASE,
)


# "valued at $2 billion", "a valuation of about $1 billion", "funding that valued Daily
# Harvest at over $1 billion": what the company is worth, not what the deal costs.
_VALUED = re.compile(
    # "assessed at around $16 million", "appraised at": what it is worth, too.
    r"(?:valu(?:ation|ed|ing)|assessed|appraised)\s+"
    r"(?:(?:(?-i:[A-Z])[\w&.'’-]*\s+|it\s+|the\s+company\s+){0,4}"
    r"(?:of|at)\s+"
    # "its valuation had risen to $127 billion"
    r"|(?:has\s+|had\s+|have\s+)?(?:risen|rose|jumped|climbed|grown|grew|soared|increased|"
    r"reached|hit|topped|doubled|tripled|swelled)\s+(?:to\s+)?)?"
    r"(?:(?:about|around|nearly|over|almost|roughly|some|more\s+than|"
    r"at\s+least|up\s+to)\s+)?$",
    re.IGNORECASE,
)


def is_valuation(sentence: str, start: int) -> bool:
    """Tell whether the money span starting at `start` is a valuation ("valued Pebble at over
    $1 billion"), not the amount of the deal."""
    return bool(_VALUED.search(sentence[:start]))


def not_a_price(sentence: str, end: int) -> bool:
    """Tell whether the money span ending at `end` is a company's figure, not what a deal
    costs: "$1 billion in sales", "$90 million of revenue"."""
    return bool(_FIGURE_AFTER.match(sentence, end))


def _holds_the_stake(target: str, buyers: list[str], sentence: str) -> bool:
    """Tell whether the sentence gives `target` a stake ("gave Alden an ownership stake of
    nearly 25%"): the one who holds it, not the company it is in. If so it joins `buyers`."""
    given = re.search(
        rf"\bg(?:ave|ive|ives|iving|iven)\s+{re.escape(target)}\s+(?:a|an|the|its)\s+"
        r"(?:[\w%.,-]+\s+){0,4}?(?:stake|holding|interest|share)s?\b",
        sentence,
    )
    if given and not _among(target, buyers):
        buyers.append(target)
    return bool(given)


def _one_of(target: str, buyers: list[str]) -> bool:
    """Whether a merger's target is one of its buyers, or a company of one of them: "United
    Community Banks, Inc. and Aquesta Financial Holdings, Inc., the parent of Aquesta Bank,
    announce merger agreement" with the target "Aquesta Bank". (The same name shares its first
    word too.)"""
    return any(_same_company(target, b) for b in buyers)


def _second_party(buyers: list[str], sentence: str) -> str | None:
    """Of a merger's parties given as buyers, the one named second, which is the target as
    annotators of mergers mark it ("Kroger and Albertsons planned to merge"), so that the deal
    has two sides; None when the words give it a side."""
    last = max(buyers, key=lambda b: sentence.find(b))
    return last if sentence.find(last) > 0 and not role_of(last, sentence) else None


def _shows_a_deal(kind: str, buyers: list[str], target: str | None, amount: Any) -> bool:
    if kind == "stake" and not target:
        return False
    return bool(
        target
        or (buyers and amount)
        or (kind == "merger" and len(buyers) >= 2)  # "Kroger and Albertsons say their merger"
    )


def joins_a_conference(m: Mention) -> bool:
    """Tell whether a stored mention makes a sports conference a side: a school joining it
    ("this was a natural merger for the Big Ten", of USC and UCLA), not a deal; `verify`
    keeps no such mention now."""
    return any(is_conference(n) for n in [m.target, *m.buyers])


def states_a_deal(m: Mention) -> bool:
    """Tell whether a mention names what is bought or invested in, or how much, or two
    companies merging: a buyer alone ("Netflix's first-ever acquisition", "a takeover of
    elections") is no row of a deal table. On SENTiVENT, 5 of the 7 buyers stored without
    either were wrong. Nor is a mention whose words cannot state its kind of deal
    (`states_kind`, as `verify` reads them now)."""
    return _shows_a_deal(m.type, m.buyers, m.target, m.amount) and states_kind(
        m.type or "", m.sentence
    )


def refresh_rules(m: Mention) -> Mention:
    """The mention with its rule-made fields (stage, round, event date) made by today's rules.

    They depend on the stored sentence and date alone, so a change of rules reaches stored
    mentions without the model reading anything again.
    """
    published = None
    if m.published:
        try:
            published = date.fromisoformat(m.published[:10])
        except ValueError:
            published = None
    if m.type == "acquisition" and part_stake(m.sentence):
        m.type = "stake"  # as `verify` reads it
        m.by["type"] = "rule"
    # "American investor Todd Boehly": the name a stored nationality stands before.
    for i, name in enumerate(m.buyers):
        if (who := described(name, m.sentence)) and not _among(who, m.buyers):
            m.buyers[i] = who
            m.by["buyers"] = "rule"
            if m.lead == name:
                m.lead = who
    if m.target and (who := described(m.target, m.sentence)) and not _among(who, m.buyers):
        m.target = who
        m.by["target"] = "rule"
    if m.target:
        m.target = _with_s(_BASED.sub("", m.target), m.sentence)
    m.buyers = [
        _with_amp(_with_s(_unasked(b, m.sentence), m.sentence), m.sentence) for b in m.buyers
    ]
    if m.target:
        m.target = _with_amp(_unasked(m.target, m.sentence), m.sentence)
    m.lead = _with_s(m.lead, m.sentence) if m.lead else m.lead
    m.buyers = [
        b
        for b in m.buyers
        if not _no_party(b, m.sentence)
        and not sells(b, m.sentence)
        and not (m.target and works_at(b, m.target, m.sentence))
        and not only_speaks(b, m.type, m.sentence)
        and not outside_named_merger(b, m.buyers, m.target, m.sentence)
    ]
    if m.target and m.type != "funding round" and role_of(m.target, m.sentence) == "buyer":
        # Sides reversed ("one week after it was acquired by billionaire Elon Musk"), as
        # `verify` now reads them: the target joins the buyers, and a buyer the words mark as
        # the target takes its place.
        turned = [b for b in m.buyers if role_of(b, m.sentence) == "target"]
        if not turned:
            turned = [b for b in [_reversed_party(m.type, m.buyers, m.target, m.sentence)] if b]
        m.buyers = [b for b in m.buyers if b not in turned[:1]]
        if not _among(m.target, m.buyers):
            m.buyers.append(m.target)
        m.target = turned[0] if len(turned) == 1 else None
        m.by["target"] = "rule"
    # Buyers the words put on the target's side, and buyers of another deal named in the same
    # sentence, as `verify` reads them.
    m.target, replaced, _ = _to_target_side(
        m.type, m.buyers, m.target, m.by.get("target") == "model", m.sentence
    )
    if replaced:
        m.by["target"] = "rule"
    # The one name the words mark as what is bought replaces a target they do not mark ("the
    # controlling shareholder of MediaNews Group, ... a hostile takeover effort for Gannett").
    named = named_target(m.sentence) if m.type != "funding round" else None
    if (
        named
        and (m.target is None or role_of(m.target, m.sentence) != "target")
        and not _among(named, m.buyers)
        and not (m.target and (m.target in m.refs or _listed(named, m.target, m.sentence)))
    ):
        m.target = named
        m.by["target"] = "rule"
    others = _buyers_of_other_deals(m.buyers, [m.target] if m.target else [], m.sentence)
    m.buyers = [b for b in m.buyers if b not in others]
    if marked := _marked_buyer(m.type, m.buyers, m.target, m.sentence):
        m.buyers, m.lead = [marked], None  # bystanders give way, as `verify` reads them
        m.by["buyers"] = "rule"
    owners = [b for b in m.buyers if owns_the_deal(b, m.sentence)]
    if m.type == "acquisition" and len(owners) == 1 and len(m.buyers) > 1:
        # "Sinclair and the Walt Disney Company announced ... Sinclair's RSN acquisition"
        m.buyers = owners
    if m.lead and m.lead not in m.buyers:
        m.lead = None
    if m.target:
        m.target = _DEAL_WORD_AFTER.sub("", m.target)
    if m.target and (
        _no_party(m.target, m.sentence)
        or not_bought(m.target, m.sentence)
        or heads_a_list(m.target, m.sentence)
        or in_another_merger(m.target, m.buyers, m.sentence)
        or before_the_one_meant(m.target, m.sentence)
        or is_source(m.target, m.sentence)
        or (m.target not in m.refs and unmarked_target(m.target, m.sentence))
        or speaks_of_merger(m.target, m.type, m.buyers, m.sentence)
    ):
        m.target = None
    if m.target and (who := _subject_buyer(m.type, m.buyers, m.target, m.sentence)):
        m.buyers.append(who)  # as `verify` reads it
        m.by["buyers"] = "rule"
    if (
        m.type == "merger"
        and m.target
        and len(m.buyers) >= 2
        and (_one_of(m.target, m.buyers) or merger_result(m.target, m.sentence))
    ):
        m.target = None  # as `verify` reads a merger whose target is also a side, or its result
    if m.type == "merger" and m.target and not m.buyers:
        who = merging_with(m.target, m.sentence)  # as `verify` reads it
        if who:
            m.buyers = [who]
            m.by["buyers"] = "rule"
    if m.type == "merger" and not m.target and len(m.buyers) >= 2:
        last = _second_party(m.buyers, m.sentence)  # as `verify` reads a merger
        if last:
            m.buyers = [b for b in m.buyers if b != last]
            m.lead = None if m.lead == last else m.lead
            m.target = last
            m.by["target"] = "rule"
    if m.type == "funding round" and not m.target:
        owner = round_owner(m.sentence, m.buyers)
        if owner:
            m.target = owner
            m.by["target"] = "rule"
    if m.amount and m.valuation:
        _swap_valuation(m, published)
    if m.amount:
        at = m.sentence.find(m.amount)
        value = m.amount_usd if m.amount_usd is not None else (m.amount_low or m.amount_high)
        small = value is not None and value < DEAL_SIZE_USD
        if at >= 0 and is_valuation(m.sentence, at) and not m.valuation:
            m.valuation, m.valuation_usd = m.amount, m.amount_usd
        if (
            small
            or (at >= 0 and not_a_price(m.sentence, at + len(m.amount)))
            or (at >= 0 and is_valuation(m.sentence, at))
        ):
            m.amount = None
            m.amount_low = m.amount_high = m.amount_usd = None
            m.currency = None
    m.stage, m.stage_cue = stage_of(m.sentence, published)
    closed_in = (list_ref(m) or {}).get("closed_in")
    if closed_in and m.stage == "announced":
        stage, cue = stage_of(closed_in, published)  # a list line: its deal's stage
        if stage == "closed":
            m.stage, m.stage_cue = stage, cue
    if m.type == "funding round":
        m.round = round_of(m.sentence)
    when = event_date(m.sentence, published)
    m.event_date = when.isoformat() if when else None
    m.event_year = event_year(m.sentence, published)
    if m.event_year is None:
        m.by.pop("event_year", None)
    else:
        m.by["event_year"] = "rule"
    if m.target and _holds_the_stake(m.target, m.buyers, m.sentence):  # as `verify` reads it
        m.target = None
        m.by["target"] = "rule"
    m.share = stake_share(m.sentence, m.target) if m.type in _SHARED else None
    if m.share:
        m.by["share"] = "rule"
    else:
        m.by.pop("share", None)
    return m


def _swap_valuation(m: Mention, published: date | None) -> None:
    """Swap a stored amount that is a valuation ("its valuation had risen to $127 billion")
    with the stored valuation when that one is no valuation ("and it has raised $2 billion"),
    as `verify` does."""
    at, v_at = m.sentence.find(m.amount or ""), m.sentence.find(m.valuation or "")
    if at < 0 or v_at < 0 or not is_valuation(m.sentence, at) or is_valuation(m.sentence, v_at):
        return
    money = next((x for x in find_money(m.sentence) if x.text == m.valuation), None)
    if money is None:
        return
    m.valuation, m.valuation_usd = m.amount, m.amount_usd
    m.amount, m.amount_low, m.amount_high = money.text, money.low, money.high
    m.currency, m.amount_usd = money.currency, _usd(money, published)


def _usd(money: Money, on: date | None) -> float | None:
    return to_usd(money.value, money.currency, on)


def extract(
    article_id: str,
    text: str,
    fill: FormFiller,
    *,
    published: date | None = None,
    outlet: str | None = None,
    url: str | None = None,
    title: str | None = None,
    found: Iterable[tuple[int, int, list[Money]]] | None = None,
) -> list[Mention]:
    """Every checked deal mention in one article's text (`found`: its `candidates`, when the
    caller has them already)."""
    if tells_a_plot(title):
        return []  # the plot of a show: its deals are fiction
    day = published.isoformat() if published else None

    def mention(start: int, end: int, fields: dict[str, Any]) -> Mention:
        return Mention(article_id=article_id, sentence=text[start:end], start=start, end=end,
                       published=day, outlet=outlet, url=url, title=title, **fields)  # fmt: skip

    mentions: list[Mention] = []
    for start, end, amounts in candidates(text) if found is None else found:
        sentence = text[start:end]
        resolve = resolver(text, start, end, title)
        for fields in verify(fill(sentence, amounts), sentence, amounts, published, resolve):
            mentions.append(mention(start, end, fields))
    for start, end, who, money, base, lead_in in list(list_items(text, mentions)):
        # "$800 million from Sequoia Capital Fund, which also invested in The Boring Company":
        # the line's amount is what the investor put into the listed deal, whatever else the
        # model read in it.
        mentions = [m for m in mentions if not (m.start < end and start < m.end)]
        stage, cue = stage_of(text[start:end], published)
        # The line names no deal: it is the one the article states before the list.
        ref = {"text": "", "start": 0, "end": 0, "context": base.sentence, "lead_in": lead_in}
        done = next(
            (
                m
                for m in mentions
                if m.end <= start
                and m.stage == "closed"
                and m.type == base.type
                and _same_company(m.target, base.target)
            ),
            None,
        )
        if done is not None and stage == "announced":
            # "Musk has finally closed his $44 billion purchase of Twitter": so has the money
            # each investor put into it.
            ref["closed_in"] = done.sentence
            stage, cue = done.stage, done.stage_cue
        fields = {
            "type": "stake",
            "buyers": [who],
            "target": base.target,
            "amount": money.text,
            "amount_low": money.low,
            "amount_high": money.high,
            "currency": money.currency,
            "amount_usd": _usd(money, published),
            "stage": stage,
            "stage_cue": cue,
            "by": {k: "rule" for k in ("type", "buyers", "target", "amount", "stage")},
            "refs": {base.target: ref} if base.target else {},
        }
        mentions.append(mention(start, end, fields))
    return mentions
