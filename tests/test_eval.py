"""`newsrag eval` end to end with the fake LLM: outputs, resume, settings changes, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eval.metrics import aggregate, score
from eval.questions import QuestionFileError, load_questions, week_of
from eval.runner import RESULTS, EvalError, read_results, run_eval
from newsrag.cli import main
from rag.config import Settings
from rag.ingest import ingest
from rag.llms import FakeChatModel
from tests.conftest import REALTIMEQA, make_record, write_jsonl

FACTS = [
    {
        "url": "https://news.example.com/bridge",
        "title": "River bridge reopens",
        "published": "2023-05-02",
        "source": "example.com",
        "text": "The Kestrel river bridge reopened on Monday after repairs costing 42 million "
        "dollars.\n\nThe mayor, Ada Morgan, cut the ribbon in front of a large crowd.",
    },
    {
        "url": "https://news.example.com/telescope",
        "title": "Telescope finds new galaxy",
        "published": "2023-05-03",
        "source": "example.com",
        "text": "Astronomers using the Halden telescope found a galaxy they named Pebble.\n\n"
        "The discovery was announced by Professor Ruth Okafor at a press briefing.",
    },
    {
        "url": "https://news.example.com/strike",
        "title": "Pilots end strike",
        "published": "2023-05-04",
        "source": "example.com",
        "text": "Pilots at Northwind Airlines ended a nine-day strike after agreeing a pay rise "
        "of 12 percent.\n\nThe union leader, Tom Baines, said members voted to accept it.",
    },
]

QUESTIONS = [
    {"id": "q1", "question": "How much did the Kestrel bridge repairs cost?",
     "answers": ["42 million dollars", "42 million"], "as_of": "2023-06-01"},
    {"id": "q2", "question": "What did astronomers name the galaxy found with the Halden "
     "telescope?", "answers": ["Pebble"], "choices": ["Rock", "Stone"], "as_of": "2023-06-01"},
    {"id": "q3", "question": "How long did the Northwind Airlines pilots strike last?",
     "answers": ["nine-day", "nine days"], "as_of": "2023-06-01", "evidence": "ignored"},
    {"id": "q4", "question": "Quelle heure est-il à Zanzibar?", "answers": [],
     "answer_in_corpus": False, "as_of": "2023-06-01"},
    {"id": "q5", "question": "Who announced the discovery?", "answers": ["Ruth Okafor"],
     "history": ["What did astronomers name the galaxy found with the Halden telescope?"],
     "as_of": "2023-06-01", "gold_urls": ["https://news.example.com/telescope"]},
]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", FACTS + [make_record(i) for i in range(5)])
    questions = write_jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    return {"corpus": corpus, "questions": questions, "out": tmp_path / "out"}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NEWSRAG_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSRAG_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("NEWSRAG_LLM", "fake")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def _results(out: Path) -> list[dict[str, Any]]:
    return read_results(out / RESULTS)


def test_eval_writes_consistent_outputs(cli, files):
    out = files["out"]
    result = cli("eval", files["questions"], "--corpus", files["corpus"], "--out", out)
    assert result.exit_code == 0, result.output
    for name in (RESULTS, "report.json", "report.md", "metrics.png"):
        assert (out / name).is_file(), name
    assert (out / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    records = _results(out)
    assert [r["id"] for r in records] == ["q1", "q2", "q3", "q4", "q5"]
    for r in records:
        assert r["error"] is None
        for key in ("question", "gold", "answer", "citations", "passages", "retrieved",
                    "scores", "timings", "config"):  # fmt: skip
            assert key in r
        assert len(r["retrieved"]) <= 10
    assert records[3]["answer"]["refused"] and records[3]["scores"]["category"] == "correct_refusal"
    assert records[1]["scores"]["correct"] and records[1]["scores"]["gold_rank"] == 1
    assert records[4]["history"][0]["question"].startswith("What did astronomers")
    assert records[0]["as_of"] == "2023-06-01"

    report = json.loads((out / "report.json").read_text())
    assert report["counts"] == {
        "questions": 5, "with_gold": 4, "answerable": 4, "unanswerable": 1, "follow_ups": 1,
        "errors": 0,
    }  # fmt: skip
    # The report agrees with the per-question records it was made from.
    agg = aggregate([r["scores"] for r in records])
    for key, m in report["metrics"].items():
        expected = agg["metrics"][key].to_dict()
        assert m["n"] == expected["n"] and m["value"] == pytest.approx(expected["value"]), key
    correct = sum(1 for q in report["questions"] if q["correct"])
    assert report["metrics"]["accuracy"]["k"] == correct
    assert sum(report["categories"].values()) == 5
    assert report["metrics"]["gold_url@10"]["n"] == 1

    md = (out / "report.md").read_text()
    acc = report["metrics"]["accuracy"]
    assert f"| answer accuracy (questions with a gold answer) | {acc['k']}/4 |" in md
    assert "## Where it fails" in md and "![metrics](metrics.png)" in md
    assert f"{acc['k']}/4 = " in result.output and "95% CI" in result.output


def test_interrupted_run_resumes_without_asking_again(files, settings: Settings):
    """Kill the run inside the third question; the re-run asks only what is left."""
    ingest([str(files["corpus"])], settings)
    questions = load_questions(files["questions"])
    llm_settings = Settings.load(index=settings.index, embedding_model="fake", llm="fake")

    class Crashing(FakeChatModel):
        def _reply(self, messages):  # type: ignore[no-untyped-def]
            if any("Northwind" in str(m.content) for m in messages):
                raise KeyboardInterrupt  # like Ctrl-C while q3 is being answered
            return super()._reply(messages)

    crashing = Crashing()
    with pytest.raises(KeyboardInterrupt):
        run_eval(questions, llm_settings, files["out"], questions_path=files["questions"],
                 llm=crashing, progress=False)  # fmt: skip
    assert [r["id"] for r in _results(files["out"])] == ["q1", "q2"]
    # a crash while writing leaves half a line: it is dropped, not an error
    with open(files["out"] / RESULTS, "a") as fh:
        fh.write('{"id": "q3", "quest')

    fake = FakeChatModel()
    result = run_eval(questions, llm_settings, files["out"], questions_path=files["questions"],
                      llm=fake, progress=False)  # fmt: skip
    assert (result.resumed, result.asked) == (2, 3)
    asked = "\n".join(str(m.content) for prompt in fake.prompts for m in prompt)
    assert "Kestrel" not in asked.split("Sources:")[0]  # q1 was not asked again
    assert "Question: How much did the Kestrel" not in asked
    assert "Question: What did astronomers name the galaxy" in asked  # only as q5's history
    assert asked.count("Question: What did astronomers name the galaxy") == 1
    assert [r["id"] for r in _results(files["out"])] == ["q1", "q2", "q3", "q4", "q5"]

    again = run_eval(questions, llm_settings, files["out"], questions_path=files["questions"],
                     llm=FakeChatModel(), progress=False)  # fmt: skip
    assert (again.resumed, again.asked) == (5, 0)


def test_limit_then_full_run_resumes(cli, files):
    args = ["eval", files["questions"], "--corpus", files["corpus"], "--out", files["out"]]
    first = cli(*args, "--limit", "2")
    assert first.exit_code == 0, first.output
    assert len(_results(files["out"])) == 2
    assert json.loads((files["out"] / "report.json").read_text())["counts"]["questions"] == 2

    second = cli(*args)
    assert second.exit_code == 0, second.output
    assert "resuming: 2 of 5 questions already scored" in second.output
    assert [r["id"] for r in _results(files["out"])] == ["q1", "q2", "q3", "q4", "q5"]


def test_changed_settings_error_clearly_or_start_fresh(cli, files):
    args = ["eval", files["questions"], "--corpus", files["corpus"], "--out", files["out"]]
    assert cli(*args, "--limit", "1").exit_code == 0
    changed = cli(*args, "--top-k", "3")
    assert changed.exit_code == 1
    assert "holds results made with other settings (top_k: 5 there, 3 now)" in changed.output
    assert "pass --fresh" in changed.output
    # How many sources the model reads alone changes the answers too.
    reads = cli(*args, "--read-each", "2")
    assert reads.exit_code == 1 and "(read_each: 0 there, 2 now)" in reads.output
    fresh = cli(*args, "--top-k", "3", "--fresh", "--limit", "2")
    assert fresh.exit_code == 0, fresh.output
    assert [r["config"]["top_k"] for r in _results(files["out"])] == [3, 3]


def test_records_made_before_a_setting_existed_resume_at_its_default(cli, files, monkeypatch):
    monkeypatch.delenv("NEWSRAG_REFUSAL_THRESHOLD")  # the setting at its default
    args = ["eval", files["questions"], "--corpus", files["corpus"], "--out", files["out"]]
    assert cli(*args, "--limit", "1").exit_code == 0
    results = files["out"] / "results.jsonl"
    records = _results(files["out"])
    for r in records:
        del r["config"]["refusal_threshold"]  # as written before the setting was added
    results.write_text("".join(json.dumps(r) + "\n" for r in records))
    resumed = cli(*args, "--limit", "2")
    assert resumed.exit_code == 0, resumed.output
    assert "resuming: 1 of 2 questions already scored" in resumed.output
    changed = cli(*args, "--refusal-threshold", "0.3", "--limit", "2")
    assert changed.exit_code == 1
    assert "refusal_threshold: None there, 0.3 now" in changed.output


def test_errors_are_recorded_counted_and_asked_again(files, settings: Settings):
    ingest([str(files["corpus"])], settings)
    questions = load_questions(files["questions"])[:3]
    llm_settings = Settings.load(index=settings.index, embedding_model="fake", llm="fake")
    out = files["out"]
    result = run_eval(questions, llm_settings, out, questions_path=files["questions"],
                      llm=FakeChatModel(fail="fake LLM: down"), progress=False)  # fmt: skip
    assert result.errors == 3
    records = _results(out)
    assert records[0]["error"] == "LLMError: fake LLM: down"
    assert aggregate([r["scores"] for r in records])["metrics"]["errors"].k == 3

    fixed = run_eval(questions, llm_settings, out, questions_path=files["questions"],
                     llm=FakeChatModel(), progress=False)  # fmt: skip
    assert (fixed.resumed, fixed.asked, fixed.errors) == (0, 3, 0)

    many = [q for q in load_questions(files["questions"])] * 2
    many = [type(q)(**{**q.__dict__, "id": f"{q.id}-{i}"}) for i, q in enumerate(many)]
    with pytest.raises(EvalError, match="5 questions in a row failed"):
        run_eval(many, llm_settings, out / "many", questions_path=files["questions"],
                 llm=FakeChatModel(fail="fake LLM: down"), progress=False)  # fmt: skip


def test_baseline_diff(cli, files, tmp_path: Path):
    args = ["eval", files["questions"], "--corpus", files["corpus"]]
    assert cli(*args, "--out", tmp_path / "a").exit_code == 0
    before = json.loads((tmp_path / "a" / "report.json").read_text())
    baseline = tmp_path / "baseline.json"
    shutil.copy(tmp_path / "a" / "report.json", baseline)
    # Nothing is similar enough to be shown to the model: every question is refused.
    result = cli(*args, "--out", tmp_path / "b", "--min-similarity", "0.999",
                 "--baseline", baseline)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Against the baseline {baseline}" in result.output
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    diff = report["baseline"]
    was_correct = {q["id"] for q in before["questions"] if q["correct"]}
    broken = {c["id"] for c in diff["changed"] if c["verdict"] == "broken"}
    assert was_correct and broken == was_correct
    assert "q4" not in {c["id"] for c in diff["changed"]}  # refused both times
    for qid in was_correct:
        assert f"- `{qid}` broken: correct → " in result.output
    acc = next(m for m in diff["metrics"] if m["key"] == "accuracy")
    assert acc["delta"] == pytest.approx(-before["metrics"]["accuracy"]["value"])
    assert acc["verdict"] == "worse"
    assert "## Against the baseline" in (tmp_path / "b" / "report.md").read_text()


def test_week_of_a_question_id():
    assert week_of("20231006_4") == "20231006"
    assert week_of("20231222_10") == "20231222"
    assert week_of("demo-1") == "demo-1"  # no week in the id: the id is its own group


def test_bad_question_lines_name_file_line_and_field(cli, files, tmp_path: Path):
    cases = {
        '{"id": "a", "answers": []}': "question: missing or not a non-empty string",
        '{"id": "a", "question": "Q?"}': "answers: missing (use [] for an unanswerable",
        '{"id": "a", "question": "Q?", "answers": "Pebble"}': 'answers: must be a list of '
        'strings, not "Pebble"',
        '{"id": "a", "question": "Q?", "answers": [], "as_of": "last week"}': "as_of: "
        "'last week' is not a date; use YYYY-MM-DD",
        '{"id": "a", "question": "Q?", "answers": [], "answer_in_corpus": "yes"}': (
            "answer_in_corpus: must be true or false"
        ),
        '{"id": "q1", "question": "Q?", "answers": ["x"]}': "id: 'q1' repeats the id of line 1",
        '{"id": "a", "question": "Q?", "answers": [], "history": "x"}': "history: must be a list",
        "{oops": "malformed JSON at column 2",
    }  # fmt: skip
    for line, message in cases.items():
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps(QUESTIONS[0]) + "\n" + line + "\n")
        with pytest.raises(QuestionFileError) as err:
            load_questions(path)
        assert str(err.value) == f"{path}:2: {message}" or str(err.value).startswith(
            f"{path}:2: {message}"
        ), str(err.value)
    result = cli("eval", path, "--corpus", files["corpus"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {path}:2: malformed JSON at column 2: " + (
        "Expecting property name enclosed in double quotes"
    )


def test_unknown_llm_and_missing_index_are_one_line_errors(cli, files, tmp_path: Path):
    result = cli("eval", files["questions"], "--corpus", files["corpus"], "--llm", "nope",
                 "--out", tmp_path / "o")  # fmt: skip
    assert result.exit_code == 1 and "unknown LLM 'nope'" in result.output
    assert "Traceback" not in result.output
    result = cli("eval", files["questions"], "--index", tmp_path / "none")
    assert result.exit_code == 1 and "No index at" in result.output


def test_questions_loader_defaults():
    qs = load_questions(Path(__file__).resolve().parents[1] / "eval" / "demo.jsonl")
    assert len(qs) >= 12
    assert sum(1 for q in qs if not q.answerable) >= 3
    assert sum(1 for q in qs if q.history) >= 2
    q = qs[0]
    assert q.answerable and q.as_of is not None and q.key == qs[0].key


@pytest.mark.parametrize(
    "name", ["demo", "deals", "deals-pages", "deals-sentivent", "time-honesty"]
)
def test_the_project_question_sets_load(name: str):
    qs = load_questions(Path(__file__).resolve().parents[1] / "eval" / f"{name}.jsonl")
    assert len({q.id for q in qs}) == len(qs) and all(q.as_of is not None for q in qs)
    assert any(q.answerable for q in qs)


def test_the_2023_question_set_loads_unchanged(shared: Path):
    qs = load_questions(REALTIMEQA / "questions.jsonl")
    assert len(qs) == 339
    assert sum(1 for q in qs if q.answerable) == 200  # answer_in_corpus true
    assert all(q.answers and q.as_of and len(q.choices) >= 3 for q in qs)


@pytest.mark.slow
@pytest.mark.shared
def test_eval_on_the_2023_set_with_the_real_embedder(shared: Path, tmp_path: Path, monkeypatch):
    """Fake LLM, real embedder: 5 answerable questions over 30 real articles."""
    from eval.metrics import _spans, normalise

    articles = [json.loads(line) for line in (REALTIMEQA / "articles.jsonl").open()]
    texts = [normalise(a["title"] + "\n" + a["text"]) for a in articles]
    chosen: dict[str, dict[str, Any]] = {}
    questions = []
    for q in load_questions(REALTIMEQA / "questions.jsonl"):
        if not q.answerable or min(len(a) for a in q.answers) < 4:
            continue
        # up to two articles that hold the gold answer and exist as of the question's date
        holding = [
            a
            for a, text in zip(articles, texts)
            if (a["published"] or "") <= str(q.as_of)
            and any(_spans(text, normalise(g)) for g in q.answers)
        ][:2]
        if holding:
            questions.append(q)
            chosen.update({a["id"]: a for a in holding})
        if len(questions) == 5:
            break
    for a in articles:
        if len(chosen) >= 30:
            break
        chosen.setdefault(a["id"], a)
    corpus = write_jsonl(tmp_path / "articles.jsonl", list(chosen.values()))
    qfile = write_jsonl(
        tmp_path / "questions.jsonl",
        [json.loads(line) for line in (REALTIMEQA / "questions.jsonl").open()
         if json.loads(line)["id"] in {q.id for q in questions}],
    )  # fmt: skip
    monkeypatch.delenv("NEWSRAG_EMBEDDING_MODEL", raising=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["eval", str(qfile), "--corpus", str(corpus), "--index", str(tmp_path / "index"),
         "--llm", "fake", "--out", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["questions"] == 5 and report["counts"]["errors"] == 0
    assert report["config"]["embedding_model"] == ""
    records = _results(out)
    recomputed = [score(r["gold"], r) for r in records]
    assert [s["category"] for s in recomputed] == [q["category"] for q in report["questions"]]
    # Articles holding each gold answer are in the index: most are found in the top 10.
    assert report["metrics"]["retrieval@10"]["k"] >= 3, report["metrics"]["retrieval@10"]


def test_help_documents_the_options_and_their_env_vars(cli):
    out = cli("eval", "--help").output
    for option in ("--corpus", "--limit", "--out", "--baseline", "--fresh", "--index", "--llm",
                   "--top-k", "NEWSRAG_INDEX", "NEWSRAG_LLM", "NEWSRAG_TOP_K"):  # fmt: skip
        assert option in out, option
