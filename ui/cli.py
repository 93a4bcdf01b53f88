"""`newsrag serve`: the chat's command, added to `newsrag` by `newsrag.cli`."""

from __future__ import annotations

from typing import Any

import click

from rag.cli import USER_ERRORS, load_settings, settings_options


@click.command()
@click.option("--share", is_flag=True, help="Also publish the chat on a public gradio.live URL "
              "(off by default; consider --auth).")  # fmt: skip
@settings_options(
    "index", "host", "port", "auth", "llm", "chroma_url", "collection", "embedding_model",
    "llm_model", "openai_base_url", "openai_model", "top_k", "context_tokens",
    "read_each",
)  # fmt: skip
def serve(share: bool, **values: Any) -> None:
    """Open the chat in the browser: cited answers, sources, filters, adding news.

    Listens on 127.0.0.1:7860 unless --host/--port say otherwise; --auth USER:PASS asks for a
    login. The Gradio API is at /ask for scripted use (see the README).
    """
    from ui.app import serve as serve_app  # turns Gradio's analytics off before importing it

    settings = load_settings(**values)
    if not settings.chroma_url and not (settings.index / "chroma").is_dir():
        click.echo(
            f"note: no index at {settings.index} yet: add articles from the chat's "
            '"Add news" panel, or run `newsrag ingest PATH`.',
            err=True,
        )
    try:
        serve_app(settings, share=share)
    except OSError as exc:
        raise click.ClickException(
            f"Cannot listen on {settings.host}:{settings.port} ({exc}): pass another --port."
        ) from None
    except USER_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
