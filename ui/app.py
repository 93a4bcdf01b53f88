"""The Gradio chat: its layout and event wiring around `ui.service.Service`, and its launch.

`build_app(settings)` returns the Blocks, with the service as `.newsrag_service`.
`launch_options` says where the chat listens (settings.host, 127.0.0.1 by default), whether it
asks for a login (--auth, failed logins slowed down per address by `ui.login`) and how it looks.
`warm_up` loads the embedding model and reads the index at once, and the local LLM in the
background. `serve(settings)` does all three, then serves until interrupted. Gradio is imported
inside the functions, with its analytics switched off first.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rag.answering import Answerer
from rag.config import Settings
from rag.corpus import SUFFIXES
from rag.llms import LLMError, preload
from ui import render
from ui.assets import CSS, JS
from ui.deals_tab import DealsView, build_deals_tab
from ui.service import ChatState, Service

log = logging.getLogger(__name__)

# What ingest reads (each also gzipped).
FILE_TYPES = [*sorted(SUFFIXES), ".gz"]
# Chats handled at once. The local model still answers one at a time: the others wait in
# ui.model_queue.MODEL_QUEUE and see their place in it; chats beyond this wait in Gradio's queue.
CONCURRENCY = 16
EMPTY_CHAT = (
    "Ask a question about the indexed news. Answers cite their sources as [n]: click one to see "
    "the passage it comes from."
)


def _gradio() -> Any:
    # Off before Gradio is first imported: it reads these at import time.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import gradio as gr

    return gr


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """Read `USER:PASSWORD` (from --auth or NEWSRAG_AUTH); empty means no login.

    Raises:
        ValueError: the value is not USER:PASSWORD with both parts non-empty.
    """
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth / NEWSRAG_AUTH must be USER:PASSWORD, both non-empty.")
    return user, password


def theme() -> Any:
    """Gradio's default theme with the system's fonts: nothing is fetched from font CDNs."""
    gr = _gradio()
    return gr.themes.Default(
        primary_hue="orange",
        font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def build_app(settings: Settings, answerer: Answerer | None = None) -> Any:
    """Build the chat app for the index and LLM that `settings` name.

    Args:
        settings: index location, embedding model, LLM backend, top_k...
        answerer: answer with this instead of a new `Answerer(settings)` (tests pass one with
            a scripted LLM).

    Returns:
        The `gr.Blocks`, queued, not yet launched; launch it with `launch_options(...)`.
    """
    gr = _gradio()
    service = Service(settings, answerer)

    with gr.Blocks(title="newsrag", analytics_enabled=False) as demo:
        state = gr.State(ChatState())
        with gr.Row(elem_id="nr-header"):
            gr.HTML("<h1>newsrag</h1>", elem_id="nr-title", container=False, js_on_load=None)
            status = gr.HTML(service.status_html(), elem_id="nr-status", js_on_load=None)
        with gr.Tabs(elem_id="nr-tabs"):
            with gr.Tab("Chat", elem_id="nr-tab-chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    w = _chat_column(gr, service)
                with gr.Column(scale=2, min_width=340):
                    gr.HTML('<h2 class="nr-h2">Sources</h2>', container=False, js_on_load=None)
                    panel = gr.HTML(render.sources_panel([]), elem_id="nr-sources", js_on_load=None)
            with gr.Tab("Deals", elem_id="nr-tab-deals"):
                deals_initial, deals_outputs = build_deals_tab(
                    gr, DealsView(service.answerer.retriever.store)
                )
        _wire_chat(gr, service, w, state, panel, status)
        _wire_add_news(gr, demo, service, w, status)
        demo.load(deals_initial, outputs=deals_outputs, api_visibility="private")
        _add_api(gr, service)

    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.newsrag_service = service  # type: ignore[attr-defined]
    return demo


@dataclass
class ChatWidgets:
    """The components of the chat column that events read or update."""

    chatbot: Any
    question: Any
    ask: Any
    clear: Any
    examples: Any
    as_of: Any
    date_from: Any
    date_to: Any
    outlets: Any
    files: Any
    urls: Any
    add: Any
    added: Any


def _chat_column(gr: Any, service: Service) -> ChatWidgets:
    """Lay out the chat: the conversation, the question box, examples, filters, adding news."""
    examples = service.examples()
    chatbot = gr.Chatbot(
        elem_id="nr-chat",
        show_label=False,
        height="58vh",
        placeholder=EMPTY_CHAT,
        buttons=["copy"],
        feedback_options=None,
        latex_delimiters=[],
        sanitize_html=True,
        layout="bubble",
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            placeholder="Ask about the news: who, what, when, how much…",
            show_label=False,
            container=False,
            scale=8,
            autofocus=True,
            max_length=1000,
            elem_id="nr-question",
        )
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="nr-ask")
        clear = gr.Button("Clear chat", scale=1, min_width=130, elem_id="nr-clear")
    example_set = gr.Dataset(
        components=["textbox"],
        samples=[[q] for q in examples],
        label="Try asking",
        visible=bool(examples),
        elem_id="nr-examples",
    )
    with gr.Accordion("Filters", open=True, elem_id="nr-filters"):
        with gr.Row():
            as_of = gr.Textbox(label="As of", placeholder="YYYY-MM-DD (today)", elem_id="nr-as-of")
            date_from = gr.Textbox(
                label="Published from", placeholder="YYYY-MM-DD", elem_id="nr-from"
            )
            date_to = gr.Textbox(label="Published to", placeholder="YYYY-MM-DD", elem_id="nr-to")
        outlets = gr.Dropdown(
            choices=service.outlet_choices(),
            value=[],
            multiselect=True,
            label="Outlets (all when empty)",
            elem_id="nr-outlets",
        )
    with gr.Accordion("Add news", open=False, elem_id="nr-add-news"):
        files = gr.File(
            label="Article files (.txt/.md with front matter, .json/.jsonl, .html, feeds)",
            file_count="multiple",
            file_types=FILE_TYPES,
            elem_id="nr-files",
        )
        urls = gr.Textbox(
            label="Article or feed URLs, one per line",
            lines=2,
            placeholder="https://…",
            elem_id="nr-urls",
        )
        add = gr.Button("Add to the index", elem_id="nr-add")
        added = gr.HTML(elem_id="nr-add-result", js_on_load=None)
    return ChatWidgets(
        chatbot, question, ask, clear, example_set, as_of, date_from, date_to, outlets, files,
        urls, add, added,
    )  # fmt: skip


def _wire_chat(
    gr: Any, service: Service, w: ChatWidgets, state: Any, panel: Any, status: Any
) -> None:
    """Asking (button, Enter, an example), and clearing the chat."""
    chat_inputs = [w.question, state, w.as_of, w.date_from, w.date_to, w.outlets]
    chat_outputs = [w.question, w.chatbot, panel, state, status]

    def on_ask(
        text: str, st: ChatState, as_of_: str, from_: str, to_: str, outlets_: list[str]
    ) -> Iterator[tuple[Any, ...]]:
        if not (text or "").strip():
            yield tuple(gr.skip() for _ in chat_outputs)
            return
        for u in service.chat(text, st, as_of_, from_, to_, outlets_):
            yield "", u.messages, u.panel, u.state, u.status

    chat_event = {"fn": on_ask, "inputs": chat_inputs, "outputs": chat_outputs,
                  "api_visibility": "private", "show_progress": "hidden"}  # fmt: skip
    # The chat itself, callable by gradio_client as /chat (each Client is one session with its
    # own history) for load tests such as bench/load.py; /ask is the documented API.
    w.question.submit(**{**chat_event, "api_visibility": "undocumented"}, api_name="chat")
    w.ask.click(**chat_event)
    w.examples.click(
        lambda sample: sample[0], w.examples, w.question, queue=False, api_visibility="private"
    ).then(**chat_event)
    w.clear.click(
        lambda: ([], render.sources_panel([]), ChatState(), ""),
        outputs=[w.chatbot, panel, state, w.question],
        queue=False,
        api_visibility="private",
    )
    w.chatbot.clear(  # the chat's own trash button
        lambda: (render.sources_panel([]), ChatState()),
        outputs=[panel, state],
        queue=False,
        api_visibility="private",
    )


def _wire_add_news(gr: Any, demo: Any, service: Service, w: ChatWidgets, status: Any) -> None:
    """Adding files and URLs, and refreshing the status, outlets and examples after it."""

    def refresh() -> tuple[Any, ...]:
        qs = service.examples()
        return (
            service.status_html(),
            gr.Dropdown(choices=service.outlet_choices()),
            gr.Dataset(samples=[[q] for q in qs], visible=bool(qs)),
        )

    tracker = gr.Progress(track_tqdm=True)  # shows ingest's tqdm bar in the page

    def on_add(paths: list[str] | None, text: str, progress: Any = tracker) -> tuple[Any, ...]:
        progress(0, desc="Reading the articles…")
        result = service.add_news(paths, text, progress=True)
        return (result, None, "", *refresh())

    w.add.click(
        on_add,
        [w.files, w.urls],
        [w.added, w.files, w.urls, status, w.outlets, w.examples],
        concurrency_limit=1,
        api_visibility="private",
    )
    demo.load(refresh, outputs=[status, w.outlets, w.examples], api_visibility="private")


def _add_api(gr: Any, service: Service) -> None:
    """The documented API: /ask, one question in, the Answer as JSON out."""

    def ask_api(
        question: str,
        as_of: str = "",
        date_from: str = "",
        date_to: str = "",
        outlets: list[str] | None = None,
        history: list[list[str]] | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the indexed news, with [n] citations.

        Args:
            question: the question.
            as_of: YYYY-MM-DD; articles published later are ignored (default today).
            date_from: YYYY-MM-DD; only articles published on or after it.
            date_to: YYYY-MM-DD; only articles published on or before it.
            outlets: only these outlets (as stored, e.g. reuters.com); all when empty.
            history: earlier [question, answer] pairs, for follow-up questions.

        Returns:
            The Answer: text, refused, citations (number, title, url, source, published,
            quote...), passages, as_of, llm, timings.
        """
        try:
            return service.ask(question, as_of, date_from, date_to, outlets, history)
        except (ValueError, LLMError) as exc:
            raise gr.Error(str(exc)) from None

    gr.api(ask_api, api_name="ask")


def launch_options(settings: Settings, share: bool = False) -> dict[str, Any]:
    """Return the keyword arguments for `Blocks.launch`: where to listen, login, look.

    Raises:
        ValueError: a malformed --auth value.
    """
    auth = parse_auth(settings.auth)
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": share,
        "auth": auth,
        # Gradio does not limit login tries: each failure makes its address wait longer.
        "app_kwargs": {"middleware": [_login_throttle()]} if auth else {},
        "auth_message": "newsrag: log in with the user and password it was started with.",
        "footer_links": ["api"],
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "max_file_size": "50mb",
        "show_error": False,
        "theme": theme(),
        "css": CSS,
        "js": JS,
    }


def _login_throttle() -> Any:
    from starlette.middleware import Middleware

    from ui.login import LoginThrottle

    return Middleware(LoginThrottle)


def warm_up(service: Service, background_llm: bool = True) -> None:
    """Load the embedding model and read the index now, and the local LLM in the background.

    A model that cannot load is reported in the status line (and in the chat when asked).
    """
    service.answerer.retriever.embedder.embed(["warm up"])
    service.index_info(refresh=True)

    def load_llm() -> None:
        try:
            preload(service.answerer.llm)
        except LLMError as exc:
            service.llm_problem = str(exc)
            print(f"warning: {exc}", file=sys.stderr)

    if background_llm and service.settings.llm == "local":
        # Get the model object now (it may assemble the GGUF once), then load it in the
        # background so the page is up at once; a first question waits on llama.cpp's lock.
        try:
            _ = service.answerer.llm
        except LLMError as exc:
            service.llm_problem = str(exc)
            print(f"warning: {exc}", file=sys.stderr)
            return
        threading.Thread(target=load_llm, name="newsrag-llm-warm-up", daemon=True).start()
    else:
        load_llm()


def serve(settings: Settings, share: bool = False, answerer: Answerer | None = None) -> None:
    """Build, warm up and launch the chat; blocks until interrupted.

    Raises:
        ValueError: a malformed --auth value.
        OSError: the port is taken.
    """
    options = launch_options(settings, share)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not options["auth"]:
        print(
            f"warning: listening on {settings.host} without a login: anyone who can reach this "
            "machine can use the chat and add articles; consider --auth USER:PASS.",
            file=sys.stderr,
        )
    if share and not options["auth"]:
        print("warning: --share makes the chat public; consider --auth USER:PASS.", file=sys.stderr)
    demo = build_app(settings, answerer)
    service: Service = demo.newsrag_service
    warm_up(service)
    info = service.index_info()
    print(
        f"newsrag: {info.articles} articles, {info.chunks} chunks in {settings.index}; "
        f"LLM: {service.llm_name}",
        file=sys.stderr,
    )
    demo.launch(**options)
