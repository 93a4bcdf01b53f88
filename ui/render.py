"""Answers, sources and status as HTML: pure functions, no Gradio.

Everything that comes from an article (title, text, outlet, URL) or from the model is untrusted:
it is escaped with `html.escape` before it goes into markup, and only absolute http(s) URLs become
links. Chat messages are additionally rendered by Gradio's Markdown, so text meant for the chat
also has its Markdown and LaTeX characters escaped as entities (`md_escape`).

Source `n` of turn `t` is the element `#src-t-n` of the sources panel; `[n]` markers in the
answer link there (`ui/assets.py` turns a click into "open, scroll to and highlight it").
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from rag.timescope import dated_label
from rag.types import Answer, Citation, Passage

# Characters Markdown, Gradio's LaTeX or the chat renderer would interpret.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-!|~$<>]")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


def esc(text: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(text), quote=True)


def md_escape(text: str) -> str:
    """Escape text for a Markdown-rendered chat message: HTML-escaped, Markdown made literal."""
    escaped = html.escape(text, quote=False)
    # After html.escape there is no raw < or >; & starts an entity we just wrote, so leave it.
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", escaped)


def safe_url(url: str | None) -> str | None:
    """Return `url` if it is an absolute http(s) URL without odd characters, else None."""
    if not url or _UNSAFE_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def link(url: str | None, text: str, cls: str = "") -> str:
    """Return a link that opens in a new tab, or the escaped text when the URL is not http(s)."""
    safe = safe_url(url)
    attr = f' class="{esc(cls)}"' if cls else ""
    if safe is None:
        return f"<span{attr}>{esc(text)}</span>"
    return f'<a{attr} href="{esc(safe)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


def source_id(turn: int, number: int) -> str:
    """Return the element id of source `number` of chat turn `turn` in the sources panel."""
    return f"src-{turn}-{number}"


def answer_html(answer: Answer, turn: int, scope: str = "") -> str:
    """Render a checked answer for the chat: escaped text, `[n]` markers as citation links.

    A refusal is shown as a calm note, not an error. Sentences the cited sources do not back up
    are listed under the answer. `scope` describes the filters other than the as-of date.
    """
    within = f" · {md_escape(scope)}" if scope else ""
    if answer.refused:
        n = len(answer.passages)
        what = f"{n} passage{'s' if n != 1 else ''} retrieved" if n else "no passage retrieved"
        return (
            f'<div class="nr-refusal">{md_escape(answer.text)}</div>'
            f'<div class="nr-note">Nothing in the {what} as of {md_escape(answer.as_of)}{within} '
            "answers this. Try other words, or widen the dates and outlets.</div>"
        )
    cited = {c.number: c for c in answer.citations}
    body = md_escape(answer.text)

    def anchor(m: re.Match[str]) -> str:
        n = int(m.group(1))
        c = cited.get(n)
        if c is None:
            return m.group()
        tip = esc(f"{c.title} ({c.source or 'outlet unknown'})")
        return f'<a class="nr-cite" href="#{source_id(turn, n)}" title="{tip}">&#91;{n}&#93;</a>'

    # md_escape wrote each "[n]" as "&#91;n&#93;"; make the cited ones links.
    body = re.sub(r"&#91;(\d+)&#93;", anchor, body)
    out = f'<div class="nr-answer">{body}</div>'
    if cited:
        dates = " · ".join(
            f"[{n}] {md_escape(c.source or 'outlet unknown')}, "
            + md_escape(dated_label(c.published, answer.as_of))
            for n, c in sorted(cited.items())
        )
        out += f'<div class="nr-cited-dates">{dates}</div>'
    out += (
        f'<div class="nr-note">As of {md_escape(answer.as_of)}{within} · {len(cited)} of '
        f"{len(answer.passages)} sources cited · {answer.timings.total:.1f} s</div>"
    )
    if answer.unsupported:
        items = "".join(f"<li>{md_escape(s)}</li>" for s in answer.unsupported)
        out += (
            '<div class="nr-warning">Not backed by the cited sources, check before use:'
            f"<ul>{items}</ul></div>"
        )
    return out


def pending_sources_html(passages: Sequence[Passage], turn: int) -> str:
    """Render the retrieved sources while the model is still reading them (nothing cited yet)."""
    if not passages:
        return '<div class="nr-empty">No passage matched the question and filters.</div>'
    cards = "".join(source_card(turn, n, p, None) for n, p in enumerate(passages, 1))
    return f'<div class="nr-note nr-reading">The model is reading these sources…</div>{cards}'


def reading_html() -> str:
    """Render the note shown between retrieval and the model's first word."""
    return '<div class="nr-note nr-reading-note">Reading the sources…</div>'


def partial_html(text: str) -> str:
    """Render the model's output while it is still being generated."""
    cursor = '<span class="nr-cursor">▍</span>'
    return f'<div class="nr-answer nr-streaming">{md_escape(text)}{cursor}</div>'


def waiting_html(ahead: int) -> str:
    """Render the note a chat shows while other chats' answers are ahead of it for the model."""
    return (
        f'<div class="nr-note nr-waiting">Waiting for the model: {ahead} '
        f"{'answer' if ahead == 1 else 'answers'} ahead of you…</div>"
    )


def notice_html(message: str, kind: str = "error") -> str:
    """Render a one-line notice in the chat (an unavailable model, a bad date)."""
    icon = "⚠️ " if kind == "error" else ""
    return f'<div class="nr-{esc(kind)}">{icon}{md_escape(message)}</div>'


def question_html(question: str) -> str:
    """Render the user's question for the chat."""
    return md_escape(question)


def _highlight(passage: Passage, citation: Citation | None) -> str:
    """Return the passage text escaped, with the citation's quote in <mark>."""
    text = passage.text
    if citation is None:
        return esc(text)
    start = citation.quote_start - passage.start
    end = citation.quote_end - passage.start
    if not (0 <= start < end <= len(text)) or text[start:end] != citation.quote:
        found = text.find(citation.quote) if citation.quote else -1
        if found < 0:
            return esc(text)
        start, end = found, found + len(citation.quote)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def _meta(source: str | None, published: str | None) -> str:
    return f"{esc(source or 'outlet unknown')} · {esc(published or 'date unknown')}"


def source_card(turn: int, number: int, passage: Passage, citation: Citation | None) -> str:
    """Render one numbered source: title (linked when http(s)), outlet, date, passage."""
    flag = ""
    if citation is not None and not citation.supported:
        flag = '<span class="nr-flag">does not back every claim citing it</span>'
    return (
        f'<div class="nr-src{" nr-cited" if citation else ""}" id="{source_id(turn, number)}">'
        f'<div class="nr-src-head"><span class="nr-num">[{number}]</span> '
        f"{link(passage.url, passage.title or 'untitled', 'nr-title')}</div>"
        f'<div class="nr-meta">{_meta(passage.source, passage.published)}{flag}</div>'
        f'<div class="nr-passage">{_highlight(passage, citation)}</div></div>'
    )


def sources_html(answer: Answer, turn: int) -> str:
    """Render the sources of one answer: cited ones open, the other retrieved ones collapsed."""
    cited = {c.number: c for c in answer.citations}
    cards = [
        source_card(turn, n, p, cited[n]) for n, p in enumerate(answer.passages, 1) if n in cited
    ]
    rest = [
        source_card(turn, n, p, None) for n, p in enumerate(answer.passages, 1) if n not in cited
    ]
    out = "".join(cards)
    if rest:
        label = f"{len(rest)} passage{'s' if len(rest) != 1 else ''} retrieved" + (
            ", not cited" if cards else ", none answered the question"
        )
        out += f'<details class="nr-uncited"><summary>{label}</summary>{"".join(rest)}</details>'
    if not out:
        out = '<div class="nr-empty">No passage matched the question and filters.</div>'
    return out


def turn_block(turn: int, question: str, body: str, searched: str = "") -> str:
    """Wrap the sources of one chat turn, headed by its question (and, for a follow-up, the
    standalone question that was searched for)."""
    also = f'<div class="nr-searched">Searched for: {esc(searched)}</div>' if searched else ""
    return (
        f'<section class="nr-turn" data-turn="{turn}"><div class="nr-q">'
        f"Sources for: {esc(question)}</div>{also}{body}</section>"
    )


def sources_panel(blocks: Sequence[str]) -> str:
    """Render the sources panel: the latest turn's sources, earlier turns collapsed below."""
    if not blocks:
        return (
            '<div class="nr-panel"><div class="nr-empty">Sources of the answers appear here. '
            "Click a [n] in an answer to jump to its passage.</div></div>"
        )
    latest, earlier = blocks[-1], blocks[:-1]
    out = latest
    if earlier:
        inner = "".join(reversed(earlier))
        out += (
            f'<details class="nr-earlier"><summary>Sources of {len(earlier)} earlier '
            f"answer{'s' if len(earlier) != 1 else ''}</summary>{inner}</details>"
        )
    return f'<div class="nr-panel">{out}</div>'


def status_html(
    articles: int,
    chunks: int,
    oldest: str | None,
    newest: str | None,
    undated: int,
    llm: str,
    llm_problem: str = "",
) -> str:
    """Render the status line: index size, date span and LLM backend (and its trouble, if any)."""
    span = f"{esc(oldest)} → {esc(newest)}" if oldest and newest else "no dates"
    if undated:
        span += f" ({undated} undated)"
    llm_part = f'LLM: <span class="nr-llm">{esc(llm)}</span>'
    if llm_problem:
        llm_part += f' <span class="nr-down" title="{esc(llm_problem)}">unavailable</span>'
    return (
        f'<div class="nr-status"><span>{articles:,} article{"" if articles == 1 else "s"}</span>'
        f" · <span>{chunks:,} chunk{'' if chunks == 1 else 's'}</span> · <span>{span}</span>"
        f" · {llm_part}</div>"
    )
