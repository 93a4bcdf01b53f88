from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.config import setting
from tests.conftest import make_record, write_jsonl


@pytest.fixture
def cli(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NEWSRAG_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSRAG_EMBEDDING_MODEL", "fake")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_ingest_search_stats(cli, tmp_path: Path):
    recs = [make_record(i) for i in range(5)]
    recs[3]["text"] += "\n\nA hot air balloon crossed the Alps on Sunday."
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    result = cli("ingest", str(f))
    assert result.exit_code == 0, result.output
    assert "5 added, 0 updated, 0 unchanged, 0 failed, 0 removed;" in result.output

    result = cli("search", "hot air balloon Alps", "--k", "2")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("1. [") and lines[0].endswith(f"] {recs[3]['title']}")
    assert lines[1].strip() == f"example.com · {recs[3]['published']} · {recs[3]['url']}"
    assert "hot air balloon crossed the Alps" in result.output

    passages = json.loads(cli("search", "hot air balloon Alps", "--json", "-k", "3").output)
    assert len(passages) == 3 and passages[0]["article_id"] == recs[3]["id"]
    assert passages[0]["score"] >= passages[1]["score"] >= passages[2]["score"]

    stats = json.loads(cli("stats", "--json").output)
    assert stats["articles"] == 5 and stats["incomplete_articles"] == 0
    assert stats["keyword_index_in_step"] is True
    assert stats["top_sources"] == {"example.com": 5}
    assert stats["oldest"] == min(r["published"] for r in recs)


def test_ingest_reports_bad_lines_and_exits_nonzero(cli, tmp_path: Path):
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps(make_record(0)) + "\n{oops\n" + json.dumps(make_record(1)) + "\n")
    result = cli("ingest", str(f))
    assert result.exit_code == 1
    assert f"error: {f}:2: malformed JSON at column 2" in result.output
    assert "2 added, 0 updated, 0 unchanged, 1 failed" in result.output


def test_search_without_an_index_says_what_to_do(cli, tmp_path: Path):
    result = cli("search", "anything", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert f"No index at {tmp_path / 'none'}: run `newsrag ingest PATH` first" in result.output


def test_unreachable_chroma_server_is_one_clear_line(cli, tmp_path: Path):
    result = cli("stats", "--chroma-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "Cannot reach the Chroma server at http://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output


STORE = ["index", "chroma_url", "collection", "embedding_model"]
OPTIONS = {
    "ingest": STORE + ["chunk_tokens", "batch_size", "fetch_timeout"],
    "search": STORE,
    "stats": STORE,
    "ask": STORE + ["llm", "llm_model", "openai_base_url", "openai_model", "context_tokens"],
}


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_documents_every_option_and_its_env_var(cli, command):
    out = cli(command, "--help").output
    for name in OPTIONS[command]:
        s = setting(name)
        assert f"--{name.replace('_', '-')}" in out and s.envvar in out, name


def test_ask_rejects_bad_input_before_any_model_call(cli, tmp_path: Path):
    index = str(tmp_path / "none")
    empty = cli("ask", "   ", "--index", index, "--llm", "fake")
    assert empty.exit_code == 1 and "The question is empty" in empty.output
    bad_date = cli("ask", "Who?", "--as-of", "31/12/2023", "--llm", "fake")
    assert (
        bad_date.exit_code == 2 and "'31/12/2023' is not a date; use YYYY-MM-DD" in bad_date.output
    )
    no_index = cli("ask", "Who?", "--index", index, "--llm", "fake")
    assert no_index.exit_code == 1 and "No index at" in no_index.output
    assert "Traceback" not in empty.output + bad_date.output + no_index.output


def test_ask_prints_the_cited_answer_and_its_sources(cli, tmp_path: Path):
    from tests.conftest import ROOT

    index = str(tmp_path / "ix")
    assert (
        cli("ingest", str(ROOT / "corpus"), "--index", index, "--embedding-model", "fake").exit_code
        == 0
    )
    args = ["--index", index, "--embedding-model", "fake", "--llm", "fake"]
    result = cli("ask", "How much is MiniMax seeking to raise?", *args)
    assert result.exit_code == 0, result.output
    assert "$600 million [1]" in result.output
    assert (
        "Sources:\n[1] Alibaba reportedly to lead MiniMax's latest funding round" in result.output
    )
    as_json = json.loads(
        cli("ask", "How much is MiniMax seeking to raise?", "--json", *args).output
    )
    assert as_json["refused"] is False and as_json["citations"][0]["number"] == 1
    assert as_json["passages"] and as_json["timings"]["total"] > 0
