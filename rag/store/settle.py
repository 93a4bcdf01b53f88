"""Save an embedded Chroma database's vector indexes whole, so that every process reads the same.

Embedded Chroma (1.x) writes a collection's HNSW graph to disk only every `sync_threshold`
records (1,000 by default). The records written since then live in its log, and every process
that opens the collection inserts them into the graph again, in parallel and so in no fixed
order (chroma-core/chroma#2675). Each process then builds a slightly different graph and two
processes can disagree on the far neighbours of a search. The eval of the same questions over
the same index was not repeatable because of it.

`settle(path)` fixes that after a write: in a fresh process (this module run as a script), the
threshold is set to 1, so opening each collection inserts the pending records once and saves
the graph; then the threshold is put back. From then on every process loads the saved graph.

    python -m rag.store.settle INDEX/chroma
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEFAULT = 1000  # Chroma's sync_threshold, which newsrag's collections are created with


def settle(path: Path, timeout: float = 600.0) -> str | None:
    """Save the vector indexes of the database at `path`; return None, or why it failed.

    Runs in a child process: the calling process keeps its own open copy of each graph, which
    Chroma would not re-read. A failure leaves the database as it was (correct, only not
    repeatable), so callers report it as a warning.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rag.store.settle", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}"
    if done.returncode:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {done.returncode}"
    return None


def _settle_here(path: str) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    def open_client() -> chromadb.api.ClientAPI:
        return chromadb.PersistentClient(
            path=path, settings=ChromaSettings(anonymized_telemetry=False)
        )

    client = open_client()
    before: dict[str, int] = {}
    for listed in client.list_collections():
        coll = client.get_collection(listed.name, embedding_function=None)
        threshold = int((coll.configuration.get("hnsw") or {}).get("sync_threshold", DEFAULT))
        # 1 is this module's own setting, left behind by a settle that was killed midway.
        before[coll.name] = threshold if threshold > 1 else DEFAULT
        coll.modify(configuration={"hnsw": {"sync_threshold": 1}})
    # A new system reads the lowered threshold; counting a collection makes it insert the
    # pending records into its graph, and with the threshold at 1 it then saves the graph.
    chromadb.api.client.SharedSystemClient.clear_system_cache()
    client = open_client()
    for name, threshold in before.items():
        coll = client.get_collection(name, embedding_function=None)
        try:
            coll.count()
        finally:
            coll.modify(configuration={"hnsw": {"sync_threshold": threshold}})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m rag.store.settle INDEX/chroma")
    _settle_here(sys.argv[1])
