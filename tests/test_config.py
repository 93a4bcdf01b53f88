from __future__ import annotations

import pytest

from rag.config import SETTINGS, Settings
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
