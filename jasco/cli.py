"""The ``jasco`` command line: a click group whose subcommands are imported only when run.

``jasco --help`` lists commands from the table below without importing any of them, so it stays
fast and never touches torch, transformers, vllm or pandas. Each stage adds one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from jasco import __version__

# command name -> ("module:attribute" of a click.Command, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "data": ("jasco.commands.data:data", "Fetch and verify a dataset (default: What Are They Doing)."),
    "expand": ("jasco.commands.expand:expand", "Write a task's item table (JASCO: 80 clips x 8 instructions)."),
    "infer": ("jasco.commands.infer:infer", "Answer a task's items with an audio LLM (resumable)."),
    "report": ("jasco.commands.report:report", "A task's report: tables, CIs and an HTML page from scored files."),
    "judge-check": ("jasco.commands.judge_check:judge_check", "Measure a judge on JASCO's control answers."),
    "run": ("jasco.commands.run:run", "A whole benchmark: expand -> infer -> score or judge -> report, resumable."),
    "judge": ("jasco.commands.judge:judge", "Rate answers with an LLM judge or panel (JASCO: Rating, Orientation)."),
    "score": ("jasco.commands.score:score", "Score a rule-scored task's answers (no model)."),
    "analyze": ("jasco.commands.analyze:analyze", "Signal features, quality dimensions and MOS per audio file."),
    "tasks": ("jasco.commands.tasks:tasks", "List the tasks, their datasets and options."),
    "captions": ("jasco.commands.captions:captions", "ALLD: quality captions and A/B comparisons from meta info "
                 "with a text LLM."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        target, _ = COMMANDS[cmd_name]
        module_name, _, attribute = target.partition(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jasco")
def cli() -> None:
    """jasco: benchmark audio large language models (first task: JASCO, arXiv 2409.14526).

    The pipeline is file to file: expand -> infer -> score or judge -> report; each stage resumes.
    `jasco tasks` lists the tasks; --task NAME picks one (default jasco).
    """


def main() -> None:
    cli()
