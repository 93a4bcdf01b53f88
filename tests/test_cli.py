from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsrag.cli import main
from rag.config import SETTINGS, setting
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


def test_search_shows_what_ask_retrieves_with_the_same_filters(cli, tmp_path: Path):
    """`search` ranks with ask's hybrid Retriever, as of a date, within dates and outlets."""
    from rag.config import Settings
    from rag.retrieval import Filters, Retriever, parse_date

    recs = [make_record(i) for i in range(12)]
    for r in recs[::3]:
        r["source"] = "other.example"
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    assert cli("ingest", str(f)).exit_code == 0

    def search(*args: str) -> list[dict]:
        result = cli("search", "council budget minister", "--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    retriever = Retriever(Settings.load())  # the environment of `cli`: its index, fake model
    for args, filters, k in [
        ((), Filters(), 5),
        (("--top-k", "7"), Filters(), 7),
        (("--as-of", "2023-05-31"), Filters(as_of=parse_date("2023-05-31")), 5),
        (
            ("--from", "2023-03-01", "--to", "2023-08-31", "--outlet", "example.com"),
            Filters(
                date_from=parse_date("2023-03-01"),
                date_to=parse_date("2023-08-31"),
                sources=("example.com",),
            ),
            5,
        ),
    ]:
        expected = retriever.retrieve("council budget minister", k, filters)
        assert expected and all(filters.matches(p) for p in expected)
        got = search(*args)
        assert [p["chunk_id"] for p in got] == [p.chunk_id for p in expected], args
        assert [p["score"] for p in got] == [p.score for p in expected], args

    assert {p["source"] for p in search("--outlet", "other.example")} == {"other.example"}
    assert max(p["published"] for p in search("--as-of", "2023-02-28")) <= "2023-02-28"
    assert len(search("--k", "2")) == len(search("-k", "2")) == 2  # the old flag still works
    assert cli("search", "council", "--top-k", "0").exit_code == 2
    bad = cli("search", "council", "--from", "March")
    assert bad.exit_code == 2 and "'March' is not a date; use YYYY-MM-DD" in bad.output
    help_text = cli("search", "--help").output
    for flag in ("--as-of", "--from", "--to", "--outlet", "--top-k", "NEWSRAG_TOP_K"):
        assert flag in help_text, flag
    assert "--k " not in help_text


def test_search_top_k_defaults_to_newsrag_top_k(cli, tmp_path: Path, monkeypatch):
    f = write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(12)])
    assert cli("ingest", str(f)).exit_code == 0
    monkeypatch.setenv("NEWSRAG_TOP_K", "3")
    assert len(json.loads(cli("search", "council budget", "--json").output)) == 3
    assert len(json.loads(cli("search", "council budget", "--json", "--top-k", "6").output)) == 6


STORE = ["index", "chroma_url", "collection", "embedding_model"]
OPTIONS = {
    "ingest": STORE + ["chunk_tokens", "batch_size", "fetch_timeout", "llm", "llm_model"],
    "deals": ["index", "chroma_url", "collection"],
    "search": STORE + ["top_k"],
    "stats": STORE,
    "ask": STORE
    + [
        "top_k",
        "llm",
        "llm_model",
        "openai_base_url",
        "openai_model",
        "context_tokens",
        "read_each",
    ],
}


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_documents_every_option_and_its_env_var(cli, command):
    out = cli(command, "--help").output
    for name in OPTIONS[command]:
        s = setting(name)
        assert f"{s.option} " in out and s.envvar in out, name


def _setting_params(command: click.Command) -> Iterator[str]:
    """The names of the settings a command (or any of its subcommands) takes as flags."""
    for param in command.params:
        if param.name in {s.name for s in SETTINGS}:
            assert param.opts == [setting(param.name).option], param.opts
            yield param.name
    for sub in getattr(command, "commands", {}).values():
        yield from _setting_params(sub)


def test_a_setting_has_one_flag_on_every_command_and_env_only_ones_have_none():
    taken = set(_setting_params(main))
    assert taken == {s.name for s in SETTINGS if s.flag}


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
        cli(
            "ingest",
            str(ROOT / "corpus"),
            "--index",
            index,
            "--embedding-model",
            "fake",
            "--no-deals",
        ).exit_code
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


def test_ask_takes_top_k_and_its_old_name(cli, tmp_path: Path):
    f = write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(12)])
    assert cli("ingest", str(f), "--no-deals").exit_code == 0
    for flag in ("--top-k", "--k", "-k"):
        out = cli("ask", "What about the council budget?", "--llm", "fake", "--json", flag, "3")
        assert len(json.loads(out.output)["passages"]) <= 3, flag
    bad = cli("ask", "What about the council budget?", "--llm", "fake", "--top-k", "0")
    assert bad.exit_code == 2 and "Invalid value for --top-k" in bad.output
