"""The error every store failure becomes, and what the message needs to say about the disk."""

from __future__ import annotations

import shutil
from pathlib import Path


class StoreError(RuntimeError):
    """The index cannot be opened or used; the message says what to do."""


def free_mb(path: Path) -> float:
    """Free space on the disk that holds `path` (or its nearest existing parent), in MB."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free / 1e6
