"""Text helpers that several stages share: sentence spans, and word lists.

`split_sentences` is how chunking, citations, refusal, retrieval and the evaluation cut text
into sentences. The word lists are words that carry no topic of their own, for matching texts
by their content, one per use: the citation check, the refusal evidence and the fake model each
match with their own (they differ on purpose: the refusal evidence also ignores time and
reporting words); `NOT_NAMES` and `HEADLINE_NOT_NAMES` are capitalised words that start no
name in an answer and in a headline.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep", "col",
    "lt", "sgt", "capt", "cmdr", "adm", "rev", "hon", "pres", "inc", "ltd", "co", "corp", "vs",
    "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "est", "dept", "univ", "ave", "blvd",
}  # fmt: skip

# A candidate sentence end: terminal punctuation, optional closing quotes/brackets, whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_START_OK = re.compile(r"[\s]*[\"'“‘(\[]*[A-Z0-9]")
# Initials end no sentence ("J. Smith", "J.T. Realmuto", "J.R.R. Tolkien"); the times of day
# often do ("at 5 p.m. The vote"), so they are not initials.
_INITIALS = re.compile(r"(?!(?:a|p)\.m$)(?:[a-z]\.)*[a-z]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentence spans (start, end), trimmed of surrounding whitespace.

    Line breaks always end a sentence (news paragraphs, bullets, headings).
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        seg = line.group()
        start = 0
        for m in _END.finditer(seg):
            end = m.end()
            if not _START_OK.match(seg, end):
                continue  # next word is lower-case: "e.g. this", "3.5 million"
            word = re.search(r"(\S+?)[.!?…]+[\"'”’)\]]*$", seg[start:end])
            if word and seg[m.start()] == ".":
                w = word.group(1).lower().lstrip("\"'“‘([")
                if w in _ABBREVIATIONS or _INITIALS.fullmatch(w):
                    continue  # "Mr. Smith", "J. Smith", "J.T. Realmuto", "U.S. officials"
            spans.append((base + start, base + end))
            start = end
        spans.append((base + start, base + len(seg)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


# The fake model matches a question with source sentences on the other words (rag/llms/fake.py).
FAKE_MODEL_STOP_WORDS = frozenset(
    """
    a an the of to in on at for and or but is are was were be been do does did what who whom
    which when where why how much many this that these those it its with by from as about
    into than then there their they them he she his her we you i
    """.split()  # noqa: SIM905
)

# Capitalised words that are not names, even in the middle of a sentence.
NOT_NAMES = frozenset({
    "I", "The", "A", "An", "In", "On", "At", "It", "Its", "This", "That", "These", "Those",
    "He", "She", "They", "We", "You", "His", "Her", "Their", "Our", "According", "However",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Source", "Sources", "Article", "Articles",
    "There", "Yes", "No", "Based", "As", "Both", "Some", "Also", "And", "But", "So", "If",
    "While", "After", "Before", "When", "Since", "For", "With", "By", "From", "To", "Of",
    "Answer", "Note", "Here", "Not", "Neither", "Each", "All", "Other", "Unfortunately",
})  # fmt: skip

# The citation check compares a claim's words with its source's (rag/citations.py).
CITATION_STOP_WORDS = frozenset({
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "was", "are", "were",
    "be", "by", "with", "as", "at", "that", "this", "it", "its", "from", "has", "have", "had",
    "will", "would", "not", "but", "which", "who", "what", "their", "his", "her", "they",
})  # fmt: skip

# The refusal evidence's topic words (rag/refusal.py): no question, time or reporting words.
REFUSAL_STOP_WORDS = frozenset(
    """a an the of to in on at for and or but is are was were be been being do does did what who
    whom whose which when where why how much many this that these those it its with by from as
    about into than then there their they them he she his her we you i has have had will would
    can could should may might after before over under new recent recently latest week month
    year years according said says say one two also not no more most other some such called
    named announced reported""".split()  # noqa: SIM905
)

# Capitalised headline words that start no name: the chat's example questions take names from
# headlines (ui/index_info.py).
HEADLINE_NOT_NAMES = frozenset({
    "A", "An", "The", "How", "Why", "What", "When", "Where", "Who", "Which", "Is", "Are", "New",
    "In", "On", "At", "As", "To", "For", "Of", "And", "But", "After", "Before", "With", "From",
    "By", "Amid", "Over", "Says", "Said", "Report", "Reports", "Reportedly", "Latest", "Breaking",
    "Live", "Update", "Updates", "Exclusive", "Analysis", "Opinion", "Video", "Watch", "It",
})  # fmt: skip


# A country and the word for its people or things, where neither holds the other ("Turkey" and
# "the Turkish Football Federation"; "Cuba" and "Cuban" need no entry: the name is in the
# word). Lower case; several words for one country are separated by "|".
_DEMONYMS = {
    "afghanistan": "afghan", "argentina": "argentine|argentinian", "belgium": "belgian",
    "britain": "british|briton", "canada": "canadian", "china": "chinese", "denmark": "danish|dane",
    "england": "english", "finland": "finnish|finn", "france": "french", "germany": "german",
    "greece": "greek", "holland": "dutch", "hungary": "hungarian", "ireland": "irish",
    "italy": "italian", "lebanon": "lebanese", "mexico": "mexican", "morocco": "moroccan",
    "netherlands": "dutch", "norway": "norwegian", "palestine": "palestinian",
    "philippines": "filipino|philippine", "poland": "polish|pole", "portugal": "portuguese",
    "scotland": "scottish|scot", "singapore": "singaporean", "spain": "spanish|spaniard",
    "sweden": "swedish|swede", "switzerland": "swiss", "thailand": "thai", "turkey": "turkish",
    "emirates": "emirati", "wales": "welsh", "uk": "british",
}  # fmt: skip


def _kin(demonyms: dict[str, str]) -> dict[str, frozenset[str]]:
    """Each country's words and each word's countries, both ways."""
    kin: dict[str, set[str]] = {}
    for country, words in demonyms.items():
        for word in words.split("|"):
            kin.setdefault(country, set()).add(word)
            kin.setdefault(word, set()).add(country)
    return {k: frozenset(v) for k, v in kin.items()}


KIN_WORDS = _kin(_DEMONYMS)
