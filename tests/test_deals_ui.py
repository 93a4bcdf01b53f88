"""The Deals tab and deal questions in a real browser, against a real `newsrag serve`.

The index holds the articles of tests/test_deals.py (fake embedder) with deals from scripted
forms, plus one whose deal sentence carries HTML: the tab must show it as text.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM, ROOT, newsrag_env
from tests.test_ui import ARTIFACTS, _start_server

BUILD = """
import json, sys
from pathlib import Path
from rag.config import Settings
from rag.deals.forms import ScriptedForms
from rag.deals.pipeline import update_deals
from rag.ingest import ingest
from rag.store import VectorStore
from tests.test_deals import ARTICLES, FORMS, _articles, _form

evil = {"id": "x1", "url": "https://evil.example/x", "title": "<img src=x onerror=alert(1)>",
        "published": "2024-03-06", "source": "evil.example",
        "text": "Intro.\\n<b onmouseover=alert(2)>Evil Corp</b> agreed to acquire Gullible Inc "
                "for $5 billion."}
records = [*ARTICLES, evil]
settings = Settings.load(index=Path(sys.argv[1]), embedding_model="fake")
path = Path(sys.argv[1]).parent / "news.jsonl"
path.write_text("".join(json.dumps(r) + "\\n" for r in records))
ingest([str(path)], settings)
forms = {**FORMS, "Gullible": _form(buyers=["Evil Corp"], target="Gullible Inc", amount=1)}
report = update_deals(_articles(records), VectorStore(settings, "fake"), settings,
                      fill=ScriptedForms(forms))
assert report.deals == 3, report
"""


@pytest.fixture(scope="module")
def deal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    tmp = tmp_path_factory.mktemp("deals")
    subprocess.run([sys.executable, "-c", BUILD, str(tmp / "index")], env=newsrag_env(),
                   check=True, cwd=ROOT, capture_output=True, timeout=300)  # fmt: skip
    yield from _start_server(
        tmp / "index", tmp / "serve.log", "fake", NEWSRAG_EMBEDDING_MODEL="fake"
    )


def _deals_tab(chromium: Any, url: str) -> Any:
    page = chromium.new_page(viewport={"width": 1400, "height": 1100})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    page.goto(url)
    page.get_by_role("tab", name="Deals").click()
    page.wait_for_selector("#nr-deal-message p", timeout=60_000)
    return page


@pytest.mark.slow
def test_deals_tab_lists_filters_and_opens_a_deal(deal_server: str, chromium: Any) -> None:
    page = _deals_tab(chromium, deal_server)
    table = page.locator("#nr-deal-table")
    assert "3 deal(s)" in page.locator("#nr-deal-message").inner_text()
    for name in ("Veldt AI", "Quintel Games", "Gullible Inc"):
        assert table.get_by_text(name, exact=True).count() >= 1  # Gradio may render a cell twice
    # Filter by company (as either party): only Harlow's deal is left.
    page.locator("#nr-deal-company input, #nr-deal-company textarea").first.fill("Harlow")
    page.locator("#nr-deal-apply").click()
    page.wait_for_function(
        "() => document.querySelector('#nr-deal-message').innerText.includes('1 deal(s)')"
    )
    assert table.get_by_text("Veldt AI", exact=True).count() == 0
    page.locator("#nr-deal-company input, #nr-deal-company textarea").first.fill("")
    page.locator("#nr-deal-apply").click()
    page.wait_for_function(
        "() => document.querySelector('#nr-deal-message').innerText.includes('3 deal(s)')"
    )
    # A click opens the deal: its conflict and each quoted sentence highlighted in its article.
    table.get_by_text("Veldt AI", exact=True).first.click()
    detail = page.locator("#nr-deal-detail")
    detail.locator(".nr-mention").first.wait_for(timeout=30_000)
    assert detail.locator(".nr-mention").count() == 2
    marks = [m.inner_text() for m in detail.locator("mark").all()]
    assert any(m.startswith("Nordwind Capital is reportedly leading") for m in marks)
    assert any(m.startswith("Veldt AI raised $800 million") for m in marks)
    assert "Sources disagree on the amount" in detail.inner_text()
    assert "technode.example" in detail.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deals_tab.png"), full_page=True)
    page.close()


@pytest.mark.slow
def test_deal_text_is_shown_as_text(deal_server: str, chromium: Any) -> None:
    page = _deals_tab(chromium, deal_server)
    page.locator("#nr-deal-table").get_by_text("Gullible Inc", exact=True).first.click()
    detail = page.locator("#nr-deal-detail")
    detail.locator(".nr-mention").first.wait_for(timeout=30_000)
    assert "<b onmouseover=alert(2)>Evil Corp</b>" in detail.inner_text()
    assert detail.locator("b[onmouseover], img[onerror]").count() == 0
    page.evaluate("() => new Promise(r => setTimeout(r, 0))")  # let any handler run
    assert page.dialogs == []
    page.close()


def _ask(chromium: Any, url: str, question: str) -> tuple[Any, str]:
    """A new chat page with `question` asked, and the text of its answer once whole."""
    page = chromium.new_page()
    page.goto(url)
    box = page.locator("#nr-question textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.locator("#nr-chat .nr-answer:not(.nr-streaming)")
    answer.first.wait_for(timeout=60_000)
    return page, answer.first.inner_text()


@pytest.mark.slow
def test_a_deal_question_in_the_chat_is_answered_from_the_table(
    deal_server: str, chromium: Any
) -> None:
    page, text = _ask(chromium, deal_server, "Who bought Quintel Games, and for how much?")
    assert "Harlow Systems" in text and "$6.8 billion" in text and "[1]" in text
    sources = page.locator("#nr-sources").inner_text()
    assert "Harlow Systems agreed to acquire Quintel Games" in sources
    page.close()
    # A list of deals keeps one deal a line.
    page, text = _ask(chromium, deal_server, "What are the largest deals?")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) >= 2 and all(line.startswith("- ") for line in lines), lines
    page.close()
