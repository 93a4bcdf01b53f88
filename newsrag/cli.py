"""The `newsrag` command: the library's commands (`rag.cli`), `serve` (`ui.cli`) and `eval`
(`eval.cli`) in one group. Each layer declares its own commands; only this module sees them all.
"""

from __future__ import annotations

import click

from eval.cli import eval_command
from rag.cli import COMMANDS
from ui.cli import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="newsrag")
def main() -> None:
    """Question answering over news, with citations. Runs offline on a laptop CPU."""


for command in (*COMMANDS, serve, eval_command):
    main.add_command(command)
