"""Evaluation: run a question set through the answer chain and score it (see eval/README.md).

questions.py  load and validate a JSONL question set
metrics.py    pure scoring functions and their aggregation, with Wilson intervals
runner.py     ask every question, appending one fsynced record per question (resumable)
report.py     report.json, report.md, the chart, and the diff against a baseline report
"""
