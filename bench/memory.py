"""Memory of `newsrag serve` with the corpus loaded: resident set after start and peak in use.

Starts `newsrag serve` (default local LLM, loopback, a free port) on an index, reads its
resident memory once the page answers, asks a few questions through the `/ask` API (which loads
the LLM and the keyword index), then reads the resident set again and the peak (VmHWM) from
/proc. Prints a table and writes bench/results/memory.json.

    .venv/bin/python bench/memory.py --index DIR [--questions 3]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "questions.jsonl"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def proc_mib(pid: int, field: str) -> float:
    """A VmRSS/VmHWM line of /proc/PID/status, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the corpus")
    parser.add_argument("--questions", type=int, default=3, help="questions asked")
    args = parser.parse_args()
    from gradio_client import Client

    from bench.load import start_server

    questions = ["Who is leading MiniMax's new funding round?"]
    if QUESTIONS.exists():
        with open(QUESTIONS) as fh:
            questions = [json.loads(line)["question"] for line in fh]
    RESULTS.mkdir(exist_ok=True)
    proc, url = start_server(args.index, "local", RESULTS / "memory-serve.log", timeout=300)
    try:
        started = proc_mib(proc.pid, "VmRSS")
        client = Client(url, verbose=False)
        for question in questions[: args.questions]:
            client.predict(question, api_name="/ask")
        result = {
            "index": str(args.index),
            "questions": args.questions,
            "rss_started_mib": started,
            "rss_after_answers_mib": proc_mib(proc.pid, "VmRSS"),
            "peak_mib": proc_mib(proc.pid, "VmHWM"),
        }
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"\n`newsrag serve --index {args.index}`, default local LLM\n")
    print("| memory of the serve process | MiB |\n|---|---:|")
    print(f"| resident once the page answers | {result['rss_started_mib']:.0f} |")
    print(f"| resident after {args.questions} answers | {result['rss_after_answers_mib']:.0f} |")
    print(f"| peak resident (VmHWM) | {result['peak_mib']:.0f} |")
    (RESULTS / "memory.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
