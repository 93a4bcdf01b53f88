"""The chat: HTML rendering (escaping, links, citations, highlights), the chat service with the
fake LLM, and `newsrag serve` for real in headless Chromium and from gradio_client.

Browser tests save a screenshot each under tests/artifacts/. They need Debian's chromium at
/usr/bin/chromium (`.ci/run` installs it) and skip, saying so, without it.
"""

from __future__ import annotations

import html.parser
import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rag.answering import Answerer
from rag.config import Settings
from rag.llms import FakeChatModel
from rag.types import Answer, Citation, Passage, Timings
from tests.conftest import CHROMIUM, ROOT, newsrag_env, start_serve
from ui import render
from ui.index_info import example_questions, names_in
from ui.service import ChatState, Service, describe_filters, parse_filters, split_urls

ARTIFACTS = ROOT / "tests" / "artifacts"
XSS_TITLE = "<img src=x onerror=alert(1)>"
ALLOWED_TAGS = {"div", "span", "a", "mark", "details", "summary", "section", "ul", "li"}


# -- what the rendered HTML may contain -----------------------------------------------------------


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.elements


def assert_inert(markup: str) -> None:
    """Only our own tags, no event handlers, every link http(s) or to a source in the page."""
    for tag, attrs in elements(markup):
        assert tag in ALLOWED_TAGS, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            if name == "href":
                assert value and value.lower().startswith(("https://", "http://", "#src-")), value
                if not value.startswith("#"):
                    assert attrs.get("target") == "_blank"
                    assert attrs.get("rel") == "noopener noreferrer"


def passage(n: int = 1, **kw: Any) -> Passage:
    values: dict[str, Any] = {
        "chunk_id": f"a{n}:0",
        "article_id": f"a{n}",
        "text": "First sentence. MiniMax is seeking at least $600 million. Last one.",
        "score": 1.0,
        "title": f"Title {n}",
        "url": f"https://news.example/{n}",
        "source": "news.example",
        "published": "2024-03-05",
        "start": 100,
        "end": 166,
    }
    values.update(kw)
    return Passage(**values)


def citation(
    p: Passage, number: int = 1, quote: str = "MiniMax is seeking at least $600 million.", **kw: Any
) -> Citation:
    start = p.start + p.text.index(quote)
    values: dict[str, Any] = {
        "number": number,
        "article_id": p.article_id,
        "chunk_id": p.chunk_id,
        "title": p.title,
        "url": p.url,
        "source": p.source,
        "published": p.published,
        "quote": quote,
        "quote_start": start,
        "quote_end": start + len(quote),
    }
    values.update(kw)
    return Citation(**values)


def answer(
    text: str, passages: tuple[Passage, ...], citations: tuple[Citation, ...] = (), **kw: Any
) -> Answer:
    refused = kw.pop("refused", False)
    return Answer(
        question="q",
        standalone_question="q",
        text=text,
        refused=refused,
        citations=citations,
        passages=passages,
        as_of="2024-03-08",
        llm="fake",
        timings=Timings(total=0.5),
        **kw,
    )


# -- rendering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://news.example/a?b=1#c", "http://127.0.0.1:8000/x", "HTTPS://NEWS.EXAMPLE/"],
)
def test_http_urls_are_links(url: str):
    assert render.safe_url(url) == url
    html = render.link(url, "Title")
    assert html.startswith("<a ") and 'rel="noopener noreferrer"' in html
    assert_inert(html)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
     "data:text/html,<script>alert(1)</script>", "vbscript:x", "//evil.example/x", "/relative",
     "mailto:a@b.c", 'https://evil.example/"><img src=x onerror=alert(1)>', "https://", "",
     None],
)  # fmt: skip
def test_other_urls_are_inert_text(url: str | None):
    assert render.safe_url(url) is None
    html = render.link(url, XSS_TITLE)
    assert "href" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_source_card_escapes_title_outlet_text_and_url():
    p = passage(
        title=XSS_TITLE,
        url="javascript:alert(1)",
        source="<script>alert(2)</script>",
        published='2024-01-01"><b onmouseover=alert(3)>',
        text="Before <img src=x onerror=alert(4)> the quote. After.",
        start=0,
        end=50,
    )
    c = citation(p, quote="Before <img src=x onerror=alert(4)> the quote.")
    html = render.source_card(2, 1, p, c)
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<mark>Before &lt;img src=x onerror=alert(4)&gt; the quote.</mark> After." in html


def test_quote_is_highlighted_at_its_offsets_inside_the_passage():
    p = passage()
    html = render.source_card(3, 2, p, citation(p, number=2))
    assert 'id="src-3-2"' in html
    assert (
        "First sentence. <mark>MiniMax is seeking at least $600 million.</mark> Last one." in html
    )
    # Offsets that do not match the passage (an older index): the quote is found by its text.
    moved = citation(p, quote_start=0, quote_end=5)
    assert "<mark>MiniMax is seeking at least $600 million.</mark>" in render.source_card(
        1, 1, p, moved
    )


def test_answer_markers_become_citation_links_and_model_output_is_escaped():
    p1, p2 = passage(1), passage(2)
    a = answer(
        "MiniMax wants $600 million <img src=x onerror=alert(1)> *now* [1]. Also this [2]. "
        "And [7].",
        (p1, p2),
        (citation(p1, 1),),
    )
    html = render.answer_html(a, turn=4)
    assert_inert(html)
    cites = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert [c["href"] for c in cites] == ["#src-4-1"]  # [2] is not a citation, [7] no source
    assert cites[0]["class"] == "nr-cite"
    assert "&#91;2&#93;" in html and "&#91;7&#93;" in html
    # Markdown and LaTeX characters are entities, so the chat's Markdown leaves them alone.
    assert "*" not in html and "$" not in html
    assert "&#42;now&#42;" in html and "&#36;600" in html
    assert "&amp;lt;" not in html and "&lt;img" in html


def test_refusal_is_a_note_not_an_error():
    a = answer("The articles don't say.", (passage(),), refused=True)
    html = render.answer_html(a, 1)
    assert "nr-refusal" in html and "nr-error" not in html
    assert "1 passage retrieved as of 2024&#45;03&#45;08" in html
    panel = render.sources_html(a, 1)
    assert '<details class="nr-uncited"><summary>1 passage retrieved, none answered' in panel


def test_uncited_passages_are_collapsed_and_earlier_turns_folded():
    p1, p2, p3 = passage(1), passage(2), passage(3)
    a = answer("Yes [2].", (p1, p2, p3), (citation(p2, 2),))
    body = render.sources_html(a, 5)
    cited, _, rest = body.partition('<details class="nr-uncited">')
    assert 'id="src-5-2"' in cited and "nr-cited" in cited
    assert 'id="src-5-1"' in rest and 'id="src-5-3"' in rest
    assert "2 passages retrieved, not cited" in rest
    panel = render.sources_panel(["<p>turn 1</p>", "<p>turn 2</p>", "<p>turn 3</p>"])
    latest, _, earlier = panel.partition('<details class="nr-earlier">')
    assert "turn 3" in latest and "turn 1" not in latest
    assert "Sources of 2 earlier answers" in earlier
    assert earlier.index("turn 2") < earlier.index("turn 1")


def test_unsupported_sentences_are_listed_under_the_answer():
    p = passage()
    cites = (citation(p, supported=False),)
    a = answer("It raised $9 billion [1].", (p,), cites, unsupported=("It raised $9 billion.",))
    html = render.answer_html(a, 1)
    assert "Not backed by the cited sources" in html and "&#36;9 billion" in html
    assert "does not back every claim" in render.sources_html(a, 1)


def test_status_line_names_index_size_dates_and_backend():
    html = render.status_html(12, 80, "2023-10-01", "2023-12-31", 2, "local (model.gguf)")
    assert "12 articles" in html and "80 chunks" in html
    assert "2023-10-01 → 2023-12-31 (2 undated)" in html and "local (model.gguf)" in html
    down = render.status_html(0, 0, None, None, 0, "openai", 'down "<b>"')
    assert "unavailable" in down and "&lt;b&gt;" in down
    assert_inert(down)


# -- example questions, filters, settings -----------------------------------------------------


def test_example_questions_come_from_the_newest_articles():
    text = (ROOT / "corpus" / "000_88f83b42e28a9b6c.txt").read_text().split("---\n", 2)[2]
    demo = passage(title="Alibaba reportedly to lead MiniMax's latest funding round", text=text)
    questions = example_questions([demo])
    assert questions[0] == "How much is MiniMax seeking?"
    assert "Who founded MiniMax?" in questions
    assert all("MiniMax" in q or "Alibaba" in q for q in questions)
    assert names_in("Harbor Bridge closes for repairs", "The Harbor Bridge closed.") == [
        "Harbor Bridge"
    ]
    assert example_questions([passage(title=XSS_TITLE, text="no names here")]) == []


def test_filters_from_the_form():
    f = parse_filters("2024-03-08", "", " 2024-01-01 ", ["reuters.com"])
    assert str(f.as_of) == "2024-03-08" and f.date_from is None
    assert str(f.date_to) == "2024-01-01" and f.sources == ("reuters.com",)
    with pytest.raises(ValueError, match="Published from: 'March' is not a date"):
        parse_filters("", "March", "", None)
    with pytest.raises(ValueError, match="is after Published to"):
        parse_filters("", "2024-02-01", "2024-01-01", None)
    assert describe_filters(f) == "published … → 2024-01-01 · reuters.com"
    assert describe_filters(parse_filters("2024-03-08", "", "", None)) == ""
    assert split_urls("https://a.example/x\njavascript:alert(1), http://b.example") == (
        ["https://a.example/x", "http://b.example"],
        ["javascript:alert(1)"],
    )


def test_safe_by_default_local_only_no_share_no_analytics(monkeypatch):
    from ui.app import launch_options, parse_auth

    for var in ("NEWSRAG_HOST", "NEWSRAG_PORT", "NEWSRAG_AUTH"):
        monkeypatch.delenv(var, raising=False)
    options = launch_options(Settings.load())
    assert options["server_name"] == "127.0.0.1" and options["server_port"] == 7860
    assert options["share"] is False and options["auth"] is None
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    monkeypatch.setenv("NEWSRAG_AUTH", "ana:s3cr:et")
    assert launch_options(Settings.load())["auth"] == ("ana", "s3cr:et")
    for bad in ("ana", ":pw", "ana:"):
        with pytest.raises(ValueError, match="USER:PASSWORD"):
            parse_auth(bad)


def test_serve_command_options_and_a_bad_login(tmp_path: Path):
    from click.testing import CliRunner

    from newsrag.cli import main

    runner = CliRunner()
    help_text = runner.invoke(main, ["serve", "--help"]).output
    for option in ("--index", "--host", "--port", "--auth", "--llm", "--share", "NEWSRAG_AUTH"):
        assert option in help_text
    result = runner.invoke(main, ["serve", "--index", str(tmp_path / "ix"), "--auth", "nopass"])
    assert result.exit_code == 1 and "must be USER:PASSWORD" in result.output


# -- the chat service with the fake LLM and the fake embedder ----------------------------------


@pytest.fixture
def service(settings: Settings) -> Service:
    from rag.ingest import ingest

    ingest([str(ROOT / "corpus")], settings)
    settings = replace(settings, llm="fake")
    return Service(settings, Answerer(settings, llm=FakeChatModel()))


def test_chat_streams_then_shows_the_checked_answer_and_its_sources(service: Service):
    updates = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))
    assert "Searching" in updates[0].messages[-1]["content"]
    streamed = [u for u in updates if "nr-streaming" in u.messages[-1]["content"]]
    assert len(streamed) > 3  # the fake model yields word by word
    assert "600" in streamed[-1].messages[-1]["content"]
    final = updates[-1]
    assert [m["role"] for m in final.messages] == ["user", "assistant"]
    assert 'href="#src-1-1"' in final.messages[-1]["content"]
    assert 'id="src-1-1"' in final.panel and "<mark>" in final.panel
    assert final.state.turns[0].question == "How much is MiniMax seeking to raise?"
    assert 'LLM: <span class="nr-llm">fake' in final.status and "1 article<" in final.status


def test_sources_show_before_the_model_writes_and_stay_while_it_streams(service: Service):
    updates = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))
    reading = next(i for i, u in enumerate(updates) if "Reading the sources" in str(u.messages))
    first_word = next(i for i, u in enumerate(updates) if "nr-streaming" in str(u.messages))
    assert reading < first_word
    assert 'id="src-1-1"' in updates[reading].panel and "is reading these" in updates[reading].panel
    assert all('id="src-1-1"' in u.panel for u in updates[reading:])
    assert "<mark>" not in updates[reading].panel and "<mark>" in updates[-1].panel


def test_an_answer_read_from_each_source_alone_shows_whole_after_the_sources(settings: Settings):
    from rag.ingest import ingest

    ingest([str(ROOT / "corpus")], settings)
    # Threshold 0: the fake model's answers are weighed like the real model's, and how low
    # they score is the refusal rule's concern (tests/test_refusal.py), not the chat's.
    each = replace(settings, llm="fake", read_each=3, refusal_threshold=0.0)
    service = Service(each, Answerer(each, llm=FakeChatModel()))
    updates = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))
    reading = next(i for i, u in enumerate(updates) if "Reading the sources" in str(u.messages))
    assert 'id="src-1-1"' in updates[reading].panel and "is reading these" in updates[reading].panel
    final = updates[-1]
    assert "don't say" not in final.messages[-1]["content"]  # one read is kept and shown
    assert 'href="#src-1-' in final.messages[-1]["content"] and "<mark>" in final.panel
    streamed = [u for u in updates if "nr-streaming" in str(u.messages)]
    assert len(streamed) == 1  # the chosen answer arrives whole, in one piece
    assert 'class="nr-cited-dates"' in final.messages[-1]["content"]
    prompts = service.answerer.llm.prompts
    assert len(prompts) >= 2 and all("[1] " not in str(p[-1].content) for p in prompts[1:])


def test_the_answer_shows_each_cited_sources_date(service: Service):
    final = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))[-1]
    assert 'class="nr-cited-dates"' in final.messages[-1]["content"]


def test_follow_up_questions_get_the_chat_history(service: Service):
    llm = service.answerer.llm
    first = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))[-1]
    second = list(service.chat("And who founded it?", first.state))[-1]
    condense = [m for m in llm.prompts[-2] if "Conversation:" in str(m.content)]
    assert condense and "How much is MiniMax seeking to raise?" in str(condense[-1].content)
    assert len(second.state.turns) == 2 and len(second.messages) == 4
    assert 'id="src-2-1"' in second.panel and "Sources of 1 earlier answer" in second.panel


def test_a_failing_model_is_one_line_in_the_chat_and_the_status(settings: Settings):
    from rag.ingest import ingest

    ingest([str(ROOT / "corpus")], settings)
    problem = "openai LLM at http://127.0.0.1:9/v1 cannot be reached: check that it is running."
    service = Service(settings, Answerer(settings, llm=FakeChatModel(fail=problem)))
    final = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))[-1]
    message = final.messages[-1]["content"]
    assert "nr-error" in message and "unavailable" in message and "\n" not in message
    assert "unavailable" in final.status
    assert final.state.turns == []  # nothing half-answered is kept as history
    # The app keeps working: a bad date is still explained, and the status still renders.
    bad = list(service.chat("Who?", final.state, as_of="yesterday"))[-1]
    assert "As of: 'yesterday' is not a date" in bad.messages[-1]["content"]


def test_added_files_are_searchable_at_once_and_bad_urls_are_reported(
    service: Service, tmp_path: Path
):
    article = tmp_path / "walrus.md"
    article.write_text(WALRUS)
    html = service.add_news([str(article)], "javascript:alert(1)")
    assert "Added 1 article (1 new" in html and "Searchable now" in html
    assert "Not an http(s) URL, skipped: javascript:alert(1)" in html
    assert service.index_info().articles == 2
    final = list(service.chat("How many listeners did the Walrus Choir have?", ChatState()))[-1]
    assert "4200" in final.messages[-1]["content"]
    assert "Choose article files" in service.add_news([], "")


def test_api_answer_is_json_ready(service: Service):
    import json

    data = service.ask("How much is MiniMax seeking to raise?", history=[["Hi?", "Hello."]])
    assert "600" in data["text"] and data["citations"][0]["number"] == 1
    json.dumps(data)
    with pytest.raises(ValueError, match="As of"):
        service.ask("x", as_of="soon")


def _shown(update: Any) -> str:
    return update.messages[-1]["content"]


def test_chats_wait_their_turn_for_the_model_and_see_their_place(service: Service):
    from ui.model_queue import ModelQueue

    shared = Service(service.settings, service.answerer, queue=ModelQueue())
    first = shared.chat("How much is MiniMax seeking to raise?", ChatState())
    assert "Searching" in _shown(next(first))  # it has the model now
    second = shared.chat("Who founded MiniMax?", ChatState())
    third = shared.chat("Who is leading MiniMax's new funding round?", ChatState())
    assert "Waiting for the model: 1 answer ahead of you" in _shown(next(second))
    assert "Waiting for the model: 2 answers ahead of you" in _shown(next(third))
    assert "Searching" not in _shown(next(third))  # still waiting, a second later
    assert "600" in _shown(list(first)[-1])
    assert "Waiting for the model: 1 answer ahead of you" in _shown(next(third))
    assert "Searching" in _shown(next(second))  # first come, first served
    assert "Yan Junjie" in _shown(list(second)[-1])
    assert "Searching" in _shown(next(third))
    assert "Alibaba" in _shown(list(third)[-1])


def test_a_closed_chat_gives_its_place_up_and_the_api_queues_too(service: Service):
    import threading

    from ui.model_queue import ModelQueue

    shared = Service(service.settings, service.answerer, queue=ModelQueue())
    first = shared.chat("How much is MiniMax seeking to raise?", ChatState())
    next(first)
    gone = shared.chat("Who founded MiniMax?", ChatState())
    last = shared.chat("Who founded MiniMax?", ChatState())
    next(gone)
    assert "2 answers ahead" in _shown(next(last))
    gone.close()  # the tab was closed while waiting
    assert "1 answer ahead" in _shown(next(last))
    api: list[dict] = []
    caller = threading.Thread(target=lambda: api.append(shared.ask("Who founded MiniMax?")))
    caller.start()
    caller.join(1.5)
    assert caller.is_alive() and not api  # behind the two chats
    list(first)
    assert "Yan Junjie" in _shown(list(last)[-1])
    caller.join(30)
    assert "Yan Junjie" in api[0]["text"]


def test_concurrent_chats_condense_follow_ups_with_their_own_history(service: Service):
    import threading

    from ui.model_queue import ModelQueue

    llm = service.answerer.llm
    llm.delay = 0.002  # slow enough for the sessions to overlap
    shared = Service(service.settings, service.answerer, queue=ModelQueue())
    firsts = [f"What did reporter number {i} learn about MiniMax's funding?" for i in range(8)]
    follow_up = "And who founded it?"
    finals: list[Any] = [None] * len(firsts)

    def session(i: int) -> None:
        state = ChatState()
        for question in (firsts[i], follow_up):
            state = list(shared.chat(question, state))[-1].state
        finals[i] = state

    threads = [threading.Thread(target=session, args=(i,)) for i in range(len(firsts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for i, state in enumerate(finals):
        assert [t.question for t in state.turns] == [firsts[i], follow_up]
    condensing = [str(p[-1].content) for p in llm.prompts if "Conversation:" in str(p[-1].content)]
    seen = sorted(i for prompt in condensing for i, q in enumerate(firsts) if q in prompt)
    assert seen == list(range(len(firsts)))  # each follow-up saw its own first question only


def test_a_follow_up_shows_what_was_searched_for(service: Service):
    first = list(service.chat("How much is MiniMax seeking to raise?", ChatState()))[-1]
    service.answerer.llm.replies = ["Who founded MiniMax?"]  # the rewritten follow-up
    second = list(service.chat("And who founded it?", first.state))[-1]
    assert "Sources for: And who founded it?" in second.panel
    assert '<div class="nr-searched">Searched for: Who founded MiniMax?</div>' in second.panel
    assert "nr-searched" not in first.panel  # a standalone question is searched as asked


# -- newsrag serve, for real, in Chromium -------------------------------------------------------

WALRUS = """---
title: Walrus Choir sings in Northport
source: northport.example
published: 2023-12-02
url: https://northport.example/walrus-choir
---
The Walrus Choir of Northport performed for 4200 listeners on Saturday, said Ada Lindqvist.
The concert raised money for the harbour museum.
"""
BRIDGES = [
    {"title": "Harbor Bridge closes for repairs", "source": "portcity.example",
     "url": "https://portcity.example/harbor-bridge-closes", "published": "2023-10-05",
     "text": "Repairs to the Harbor Bridge will cost 12 million dollars, engineer Dana Okafor "
             "said on Thursday. Ferries will run every twenty minutes until spring."},
    {"title": "Harbor Bridge reopens to traffic", "source": "baynews.example",
     "url": "https://baynews.example/harbor-bridge-reopens", "published": "2023-12-20",
     "text": "Repairs to the Harbor Bridge cost 14 million dollars in the end, Mayor Lina Ortiz "
             "said on Wednesday. Ferry timetables return to normal next week."},
]  # fmt: skip
XSS_FILE = """---
title: "<img src=x onerror=alert(1)>"
url: "https://evil.example/a?x=\\"><img src=x onerror=alert(2)>"
source: "<script>alert(3)</script>"
published: 2023-11-11
---
The zebra crossing festival in Quillton drew <img src=x onerror=alert(4)> record crowds of 9000
zebra fans. <script>alert(5)</script> [click](javascript:alert(6)) $x$ *bold*
"""
# The loaders refuse a javascript: URL, but a store may hold anything (an older version, another
# client of a Chroma server): this one is written straight into the store.
BUILD_INDEX = """
import json, sys
from pathlib import Path
from rag.chunking import chunk_articles
from rag.config import Settings
from rag.embeddings import get_embedder
from rag.ingest import ingest, sync_keyword_index
from rag.store import KeywordIndex, VectorStore
from rag.types import Article

settings = Settings.load(index=Path(sys.argv[1]))
embedder = get_embedder(settings.embedding_model)
report = ingest(sys.argv[2:], settings, embedder=embedder)
assert report.failed == 0, [str(e) for e in report.errors]
evil = Article(title="<img src=x onerror=alert(7)>", url="javascript:alert(8)",
               source="<b onmouseover=alert(9)>yaks</b>", published="2023-11-12", origin="test",
               text="The yak shaving championship in Quillton crowned a new yak champion.")
chunks = chunk_articles([evil], embedder, settings.chunk_tokens)[0]
store = VectorStore(settings, embedder.name)
store.replace([evil], chunks, embedder.embed([c.embed_text for c in chunks]))
sync_keyword_index(store, KeywordIndex(settings.index / "keyword"))
"""


def _env(**extra: str) -> dict[str, str]:
    return newsrag_env(**extra)


def _start_server(
    index: Path, log: Path, llm: str, timeout: float = 150.0, **env: str
) -> Iterator[str]:
    servers = start_serve(index, log, _env(NEWSRAG_LLM=llm, **env), timeout)
    try:
        url, _ = next(servers)
        yield url
    finally:
        servers.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`newsrag serve` with the fake LLM and the real embedder, on corpus/ plus test articles."""
    import json

    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    tmp = tmp_path_factory.mktemp("serve")
    (tmp / "bridges.jsonl").write_text("".join(json.dumps(r) + "\n" for r in BRIDGES))
    (tmp / "xss.md").write_text(XSS_FILE)
    inputs = [str(ROOT / "corpus"), str(tmp / "bridges.jsonl"), str(tmp / "xss.md")]
    subprocess.run(
        [sys.executable, "-c", BUILD_INDEX, str(tmp / "index"), *inputs],
        env=_env(), check=True, cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    yield from _start_server(tmp / "index", tmp / "serve.log", "fake")


# A finished assistant message: the checked answer, a refusal, an error or a notice.
DONE = "#nr-chat :is(.nr-answer:not(.nr-streaming), .nr-refusal, .nr-error, .nr-info)"


class Chat:
    """A page of the chat, with the few actions the tests need."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        self.box = page.locator("#nr-question textarea")
        self.box.wait_for()

    def ask(self, question: str, timeout: float = 30_000) -> Any:
        """Ask and wait for the final answer (or notice); return the last assistant message."""
        before = self.answers().count()
        self.box.fill(question)
        self.box.press("Enter")
        self.page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length > n",
            arg=[DONE, before],
            timeout=timeout,
        )
        return self.answers().last

    def answers(self) -> Any:
        return self.page.locator(DONE)

    def fill(self, elem_id: str, value: str) -> None:
        field = self.page.locator(f"#{elem_id} :is(textarea, input)").first
        field.fill(value)
        field.dispatch_event("change")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def chat(chromium: Any, server: str) -> Iterator[Chat]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield Chat(context.new_page(), server)
    finally:
        context.close()


@pytest.mark.slow
def test_browser_ask_then_click_a_citation_to_see_the_highlighted_passage(chat: Chat):
    from playwright.sync_api import expect

    page = chat.page
    expect(page.locator("#nr-status")).to_contain_text("LLM: fake")
    expect(page.locator("#nr-examples")).to_contain_text("How much is MiniMax seeking?")
    answer = chat.ask("How much is MiniMax seeking to raise?")
    expect(answer).to_contain_text("$600 million")
    cite = answer.locator("a.nr-cite").first
    expect(cite).to_have_text("[1]")
    cite.click()
    source = page.locator("#src-1-1")
    expect(source).to_have_class("nr-src nr-cited nr-active")
    expect(source).to_be_in_viewport()
    expect(source.locator("mark")).to_contain_text("MiniMax is seeking at least $600 million")
    expect(source.locator(".nr-title")).to_contain_text("Alibaba reportedly to lead MiniMax")
    assert len(page.context.pages) == 1  # the citation did not open a tab
    chat.shot("ask_and_cite")


@pytest.mark.slow
def test_browser_follow_up_and_clear(chat: Chat):
    from playwright.sync_api import expect

    page = chat.page
    page.locator("#nr-examples").get_by_text("How much is MiniMax seeking?").click()
    expect(chat.answers().first).to_contain_text("$600 million")
    follow_up = chat.ask("And who founded MiniMax?")
    expect(follow_up).to_contain_text("Yan Junjie")
    expect(page.locator("#nr-sources .nr-q").first).to_contain_text("And who founded MiniMax?")
    # The first answer's citation opens the earlier sources, folded below the latest ones.
    earlier = page.locator("details.nr-earlier")
    expect(earlier).not_to_have_attribute("open", "")
    chat.answers().first.locator("a.nr-cite").first.click()
    expect(earlier).to_have_attribute("open", "")
    expect(page.locator("#src-1-1")).to_have_class("nr-src nr-cited nr-active")
    expect(page.locator("#src-1-1")).to_be_in_viewport()
    chat.shot("follow_up")
    page.locator("#nr-clear").click()
    expect(chat.answers()).to_have_count(0)
    expect(page.locator("#nr-sources .nr-src")).to_have_count(0)


@pytest.mark.slow
def test_browser_date_filters_and_refusal(chat: Chat):
    from playwright.sync_api import expect

    page = chat.page
    question = "How much did repairs to the Harbor Bridge cost?"
    chat.fill("nr-as-of", "2023-11-01")  # before the bridge reopened
    expect(chat.ask(question)).to_contain_text("12 million")
    chat.fill("nr-as-of", "")
    chat.fill("nr-from", "2023-12-01")
    chat.fill("nr-to", "2023-12-31")
    latest = chat.ask(question)
    expect(latest).to_contain_text("14 million")
    note = page.locator("#nr-chat .nr-note").last
    expect(note).to_contain_text("published 2023-12-01 → 2023-12-31")
    panel = page.locator("#nr-sources .nr-turn").first
    expect(panel).to_contain_text("baynews.example · 2023-12-20")
    expect(panel).not_to_contain_text("portcity.example")  # outside the range: not retrieved
    link = panel.locator(".nr-cited a.nr-title")
    expect(link).to_have_attribute("href", "https://baynews.example/harbor-bridge-reopens")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    chat.shot("date_filter")
    chat.fill("nr-from", "")
    chat.fill("nr-to", "")
    refusal = chat.ask("What did the Mars rover find in the crater?")
    expect(refusal).to_have_class("nr-refusal")
    expect(page.locator("#nr-chat .nr-error")).to_have_count(0)
    chat.fill("nr-as-of", "last week")
    expect(chat.ask("Anything?")).to_contain_text("As of: 'last week' is not a date")


@pytest.mark.slow
def test_browser_upload_an_article_then_ask_about_it(chat: Chat, tmp_path: Path):
    from playwright.sync_api import expect

    page = chat.page
    article = tmp_path / "walrus.md"
    article.write_text(WALRUS)
    page.get_by_role("button", name="Add news").click()
    page.locator("#nr-files input[type=file]").set_input_files(str(article))
    # Gradio shows the name and the extension in separate spans: "walrus .md".
    expect(page.locator("#nr-files")).to_contain_text(re.compile(r"walrus\s*\.md"))
    page.locator("#nr-add").click()
    expect(page.locator("#nr-add-result")).to_contain_text("Searchable now", timeout=60_000)
    expect(page.locator("#nr-status")).to_contain_text("6 articles")
    answer = chat.ask("How many listeners did the Walrus Choir have?")
    expect(answer).to_contain_text("4200")
    expect(page.locator("#nr-sources .nr-cited")).to_contain_text("Walrus Choir sings")
    chat.shot("upload_then_ask")


@pytest.mark.slow
def test_browser_xss_article_stays_inert(chat: Chat):
    from playwright.sync_api import expect

    page = chat.page
    chat.ask("What happened at the zebra crossing festival in Quillton, with 9000 zebra fans?")
    chat.ask("Who won the yak shaving championship in Quillton?")
    for details in page.locator("#nr-sources details").all():
        details.evaluate("d => { d.open = true; }")
    panel = page.locator("#nr-sources")
    expect(panel).to_contain_text(XSS_TITLE)
    expect(panel).to_contain_text("<img src=x onerror=alert(7)>")
    expect(panel).to_contain_text("<script>alert(3)</script>")
    expect(page.locator("#nr-chat")).to_contain_text("onerror=alert(4)")
    page.locator("#nr-sources .nr-meta").last.hover()
    # Run what the hover queued: an alert() there would hold this reply until the dialog
    # handler dismissed it, and the dialog event reaches us first.
    page.evaluate("() => new Promise(done => setTimeout(done, 0))")
    assert chat.dialogs == []
    assert page.locator("#nr-sources :is(img, script, b), #nr-chat :is(img, script)").count() == 0
    hrefs = page.locator("#nr-sources a, #nr-chat .nr-answer a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs and all(h.startswith(("https://", "#src-")) for h in hrefs), hrefs
    assert page.locator("a[href^='javascript:' i]").count() == 0
    chat.shot("xss_inert")


@pytest.mark.slow
def test_gradio_client_calls_the_ask_endpoint(server: str):
    from gradio_client import Client

    client = Client(server, verbose=False)
    answer = client.predict("How much is MiniMax seeking to raise?", api_name="/ask")
    assert "600" in answer["text"] and not answer["refused"]
    assert answer["citations"][0]["title"].startswith("Alibaba reportedly to lead MiniMax")
    dated = client.predict(
        "How much did repairs to the Harbor Bridge cost?",
        date_from="2023-12-01",
        date_to="2023-12-31",
        outlets=["baynews.example"],
        api_name="/ask",
    )
    assert "14 million" in dated["text"]
    assert {p["source"] for p in dated["passages"]} == {"baynews.example"}
    with pytest.raises(Exception, match="not a date"):
        client.predict("Anything?", as_of="soon", api_name="/ask")


@pytest.mark.slow
def test_gradio_client_sessions_queue_for_the_model_and_keep_their_own_chats(
    tmp_path_factory: pytest.TempPathFactory,
):
    """Three chat sessions at once against `newsrag serve` with a slow one-at-a-time model."""
    import html
    import threading

    from gradio_client import Client

    tmp = tmp_path_factory.mktemp("serve-queue")
    env = {"NEWSRAG_EMBEDDING_MODEL": "fake"}
    subprocess.run(
        [sys.executable, "-m", "newsrag", "ingest", str(ROOT / "corpus"), "--index",
         str(tmp / "ix"), "--no-deals"],
        env=_env(**env), check=True, cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    questions = ["How much is MiniMax seeking to raise?", "Who founded MiniMax?",
                 "Who is leading MiniMax's new funding round?"]  # fmt: skip
    expected = ["600 million", "Yan Junjie", "Alibaba"]
    servers = _start_server(tmp / "ix", tmp / "serve.log", "fake", NEWSRAG_FAKE_DELAY="0.1", **env)
    url = next(servers)
    seen: list[list[str]] = [[] for _ in questions]
    finals: list[Any] = [None] * len(questions)

    clients = [Client(url, verbose=False) for _ in questions]  # a session each

    def session(i: int) -> None:
        job = clients[i].submit(questions[i], "", "", "", [], api_name="/chat")
        for _, messages, _, _ in job:
            seen[i].append(html.unescape(messages[-1]["content"][0]["text"]))
        finals[i] = job.result()

    try:
        threads = [threading.Thread(target=session, args=(i,)) for i in range(len(questions))]
        # Each session starts once the one before holds its place in the model's queue (a chat
        # shows nothing before it takes its place), so they arrive in a known order.
        for i, t in enumerate(threads):
            t.start()
            deadline = time.monotonic() + 60
            while not seen[i]:
                assert t.is_alive(), f"session {i} ended before it was queued: {seen[i]}"
                assert time.monotonic() < deadline, f"session {i} not queued in 60 s: {seen[i]}"
                time.sleep(0.02)
        for t in threads:
            t.join(120)
    finally:
        servers.close()
    assert not any(t.is_alive() for t in threads)
    # The first had the model at once, the second waited behind one answer, the third behind
    # two answers and then one.
    waits = [re.findall(r"Waiting for the model: (\d) answers? ahead of you…", "\n".join(u))
             for u in seen]  # fmt: skip
    assert [sorted(set(w)) for w in waits] == [[], ["1"], ["1", "2"]], waits
    for i, final in enumerate(finals):
        _, messages, panel, _ = final
        assert [m["content"][0]["text"] for m in messages if m["role"] == "user"] == [questions[i]]
        assert expected[i] in messages[-1]["content"][0]["text"]
        assert f"Sources for: {html.escape(questions[i])}" in panel


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """corpus/ ingested without deals, for the chat with the real local model."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("the local LLM needs llama-cpp-python: `make test` installs it")
    index = tmp_path_factory.mktemp("serve-local") / "ix"
    subprocess.run(
        [sys.executable, "-m", "newsrag", "ingest", str(ROOT / "corpus"), "--index",
         str(index), "--no-deals"],
        env=_env(), check=True, cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    return index


@contextmanager
def _local_chat(chromium: Any, index: Path, log: Path, **env: str) -> Iterator[Chat]:
    """`newsrag serve` with the real local model on `index`, and a page of its chat; both
    closed on leaving."""
    servers = _start_server(index, log, "local", **env)
    url = next(servers)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield Chat(context.new_page(), url)
    finally:
        context.close()
        servers.close()  # stops the server


@pytest.mark.slow
def test_browser_real_local_llm_answers_with_a_citation(
    chromium: Any, seed_index: Path, tmp_path: Path
):
    with _local_chat(chromium, seed_index, tmp_path / "serve.log") as chat:
        # A fixed as-of date: the prompt names today's date, and the small model's reading of
        # the seed article must not change from one day to the next.
        chat.fill("nr-as-of", "2024-03-08")
        chat.box.fill("How much is MiniMax seeking to raise?")
        chat.box.press("Enter")
        # The answer streams: part of it shows (with the cursor) before the checked answer.
        chat.page.wait_for_function(
            "() => [...document.querySelectorAll('#nr-chat .nr-streaming')]"
            ".some(e => /\\w/.test(e.textContent))",
            timeout=240_000,
            polling=50,
        )
        chat.shot("real_local_llm_streaming")
        chat.page.wait_for_selector(DONE, timeout=240_000)
        answer = chat.answers().last
        chat.shot("real_local_llm")
        text = answer.inner_text()
        assert "600" in text, text + "\n" + (tmp_path / "serve.log").read_text()[-2000:]
        assert answer.locator("a.nr-cite").count() >= 1


@pytest.mark.slow
def test_browser_real_local_llm_reading_each_source_alone(
    chromium: Any, seed_index: Path, tmp_path: Path
):
    """The default path (`read_each` 3, its own threshold) with the real model in the browser:
    the sources show while the model reads them one at a time, then the chosen answer arrives
    whole, cited, with its source's outlet and date under it."""
    from playwright.sync_api import expect

    from rag.refusal import DEFAULT_THRESHOLD

    env = {"NEWSRAG_READ_EACH": "3", "NEWSRAG_REFUSAL_THRESHOLD": str(DEFAULT_THRESHOLD)}
    with _local_chat(chromium, seed_index, tmp_path / "serve.log", **env) as chat:
        chat.fill("nr-as-of", "2024-03-08")  # the prompt names the date: keep the reading fixed
        chat.box.fill("Who is leading MiniMax's new funding round?")
        chat.box.press("Enter")
        reading = chat.page.locator("#nr-sources .nr-reading")
        expect(reading).to_be_visible(timeout=120_000)
        expect(chat.page.locator("#nr-sources #src-1-1")).to_be_visible()
        chat.page.wait_for_selector(DONE, timeout=240_000)
        answer = chat.answers().last
        chat.shot("real_local_llm_read_each")
        text = answer.inner_text()
        assert "Alibaba" in text, text + "\n" + (tmp_path / "serve.log").read_text()[-2000:]
        assert answer.locator("a.nr-cite").count() >= 1
        # Under the answer, each cited source with its outlet and date (the seed has none).
        expect(chat.page.locator("#nr-chat .nr-cited-dates").last).to_contain_text("date unknown")
        expect(reading).to_have_count(0)  # the panel no longer says the model is reading


def test_artifacts_folder_is_git_ignored():
    assert "tests/artifacts/" in (ROOT / ".gitignore").read_text().split()


def test_added_news_warnings_are_shown_without_failing(service: Service, tmp_path: Path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    html = service.add_news([str(empty)], "")
    assert "empty.jsonl" in html and "nr-ok" in html  # a warning line, not a failure
