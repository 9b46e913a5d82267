"""Click options shared by several commands: the data directory, KEY=VALUE options, and the task
with its options (``--task``, ``--task-option KEY=VALUE`` and the first-class task flags)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

# The task options the issues name, as first-class flags. Each is forwarded to the task only when
# given; a task that does not take it rejects it with an error naming the options it takes.
TASK_FLAGS = (
    click.option("--split", multiple=True, metavar="DB",
                 help="Task option: a split (e.g. a NISQA db) to use; repeatable."),
    click.option("--with-reference", is_flag=True, default=None,
                 help="Task option: give the model the clean reference as a second audio."),
    click.option("--score-mode", metavar="MODE", help="Task option: how scores are read (text or expected)."),
    click.option("--pairs", type=click.IntRange(min=1), help="Task option: how many pairs to build."),
)
_FLAG_NAMES = ("split", "with_reference", "score_mode", "pairs")


def data_dir_option(function: Any) -> Any:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        show_default="the task's dataset directory; JASCO: $JASCO_DATA_DIR or ~/.cache/jasco/...",
        help="Where the dataset is (or goes).",
    )(function)


def task_options(function: Callable[..., Any]) -> Any:
    """Add ``--task``, ``--task-option KEY=VALUE`` and the first-class task flags to a command."""
    for option in reversed(TASK_FLAGS):
        function = option(function)
    function = click.option("--task-option", "task_option", multiple=True, metavar="KEY=VALUE",
                            help="An option of the task (repeatable; `jasco tasks` lists each task's).")(function)
    return click.option("--task", "task", default="jasco", show_default=True,
                        help="The task (`jasco tasks` lists them).")(function)


def pop_task(values: dict[str, Any]) -> tuple[str, dict[str, list[Any]]]:
    """Pop the task options out of a command's keyword arguments: (task name, options as given)."""
    from jasco.tasks.options import TaskOptionError, parse_option_pairs

    task = values.pop("task")
    try:
        given = parse_option_pairs(values.pop("task_option", ()))
    except TaskOptionError as error:
        raise click.BadParameter(str(error), param_hint="--task-option") from None
    for name in _FLAG_NAMES:
        value = values.pop(name, None)
        if value in (None, ()):
            continue
        if name in given:
            raise click.BadParameter(f"{name} is given twice (flag and --task-option)", param_hint="--task-option")
        given[name] = list(value) if isinstance(value, tuple) else [value]
    return task, given


def resolve_task(task: str, given: dict[str, list[Any]]) -> tuple[Any, dict[str, Any]]:
    """The task and its checked options; a usage error (one line) for an unknown task or option."""
    from jasco.core.registry import UnknownNameError
    from jasco.tasks.base import get_task
    from jasco.tasks.options import TaskOptionError

    try:
        the_task = get_task(task)
        return the_task, the_task.resolve_options(given)
    except (UnknownNameError, TaskOptionError) as error:
        raise click.UsageError(str(error)) from None


def parse_key_value(text: str, param_hint: str = "--option") -> tuple[str, Any]:
    """``key=value`` -> (key with dashes as underscores, the JSON value or the text)."""
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key.isidentifier():
        raise click.BadParameter(f"expected key=value, got {text!r}", param_hint=param_hint)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def resolve_data_dir(value: Path | None, task: Any = None) -> Path:
    """``--data-dir``, else the task's dataset directory (JASCO's by default), absolute."""
    from jasco.stages.items import task_data_dir
    from jasco.tasks.base import get_task

    return task_data_dir(task or get_task(), value)
