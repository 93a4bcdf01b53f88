"""The keyword index's generations: a reader never loads a folder that a build removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag.store import KeywordIndex


def _rows(word: str, n: int = 3) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (f"{word}-{i}:0", f"The {word} number {i} was seen near the harbour.", {"title": word})
        for i in range(n)
    ]


def _build(index: KeywordIndex, word: str) -> str:
    """Build `index` over chunks about `word` (no store needed: the rows are given)."""
    index.build(None, f"fp-{word}", rows=_rows(word))  # type: ignore[arg-type]
    return str(index._read_current()["dir"])


def _builds_after_the_next_read_of_current(
    monkeypatch: pytest.MonkeyPatch, reader: KeywordIndex, writer: KeywordIndex, words: list[str]
) -> None:
    """Make the reader's next read of CURRENT return what it read, after `words` builds ran.

    That is the race without a thread: a reader that has read CURRENT, then builds by another
    process (each one switching CURRENT and cleaning up) before it opens the folder.
    """
    real_read_text = Path.read_text
    current = reader.dir / "CURRENT"
    pending = [True]

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        text = real_read_text(self, *args, **kwargs)
        if self == current and pending:
            pending.clear()  # before building: a build reads CURRENT too
            for word in words:
                _build(writer, word)
        return text

    monkeypatch.setattr(Path, "read_text", read_text)


@pytest.mark.parametrize("builds", [1, 2])
def test_a_reader_that_read_current_before_builds_still_searches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builds: int
):
    writer, reader = KeywordIndex(tmp_path / "keyword"), KeywordIndex(tmp_path / "keyword")
    _build(writer, "walrus")
    later = ["yak", "zebra"][:builds]
    _builds_after_the_next_read_of_current(monkeypatch, reader, writer, later)

    # With one build, the folder it read about is the previous one: kept, and still whole. With
    # two, that folder is gone: it reads CURRENT again and searches the newest index.
    used = "walrus" if builds == 1 else "zebra"
    assert {cid for cid, _ in reader.search("harbour", 5)} == {f"{used}-{i}:0" for i in range(3)}
    # The next query sees the newest index.
    newest = later[-1]
    assert {cid for cid, _ in reader.search("harbour", 5)} == {f"{newest}-{i}:0" for i in range(3)}


@pytest.mark.parametrize("builds", [1, 2])
def test_ids_read_before_builds_come_from_one_whole_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builds: int
):
    writer, reader = KeywordIndex(tmp_path / "keyword"), KeywordIndex(tmp_path / "keyword")
    _build(writer, "walrus")
    later = ["yak", "zebra"][:builds]
    _builds_after_the_next_read_of_current(monkeypatch, reader, writer, later)
    word = "walrus" if builds == 1 else "zebra"
    assert sorted(reader.ids()) == [f"{word}-{i}:0" for i in range(3)]


def test_a_build_keeps_the_index_it_replaces_and_removes_older_ones(tmp_path: Path):
    index = KeywordIndex(tmp_path / "keyword")
    _build(index, "walrus")
    (index.dir / "bm25-from-a-killed-build").mkdir()
    second = _build(index, "yak")
    third = _build(index, "zebra")
    assert sorted(p.name for p in index.dir.iterdir()) == sorted(["CURRENT", second, third])


def test_current_naming_a_missing_folder_is_an_error_not_a_loop(tmp_path: Path):
    index = KeywordIndex(tmp_path / "keyword")
    folder = index.dir / _build(index, "walrus")
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    with pytest.raises(FileNotFoundError):
        index.ids()
