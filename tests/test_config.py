from __future__ import annotations

from dataclasses import fields

import pytest

from rag.config import README_END, README_START, SETTINGS, Settings, with_settings_table
from rag.config import main as config_main
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.envvar for s in SETTINGS if f"`{s.envvar}`" not in readme]
    assert not missing, f"README.md does not document: {missing}"


def test_flag_beats_environment_beats_default(monkeypatch):
    monkeypatch.delenv("NEWSRAG_CHUNK_TOKENS", raising=False)
    assert Settings.load().chunk_tokens == 200
    monkeypatch.setenv("NEWSRAG_CHUNK_TOKENS", "150")
    assert Settings.load().chunk_tokens == 150
    assert Settings.load(chunk_tokens=120).chunk_tokens == 120


def test_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("NEWSRAG_BATCH_SIZE", "lots")
    with pytest.raises(ValueError, match="NEWSRAG_BATCH_SIZE='lots' is not a valid int"):
        Settings.load()


def test_the_readme_settings_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_settings_table(readme) == readme, (
        "README.md's settings table is out of date: run `python -m rag.config --write README.md`"
    )


def test_the_table_check_fails_on_a_stale_table(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{README_START}\n| old |\n{README_END}\n")
    assert config_main(["--check", str(readme)]) == 1
    assert config_main(["--write", str(readme)]) == 0
    assert config_main(["--check", str(readme)]) == 0
    assert "`--top-k` | `NEWSRAG_TOP_K` | `5` |" in readme.read_text()


def test_each_setting_is_declared_once_with_its_flag_and_variable():
    assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
    for s in SETTINGS:
        assert s.envvar == "NEWSRAG_" + s.name.upper()
        assert s.option == "--" + s.name.replace("_", "-")
        assert getattr(Settings(), s.name) == s.default
