"""Task options: each task declares the options it takes; the commands pass them through, validated.

A task lists ``TaskOption``s (name, type, default, help, choices, repeatable). The commands
collect options from the generic ``--task-option KEY=VALUE`` (repeatable) and from the
first-class flags the issues name (``--split DB``, ``--with-reference``, ``--score-mode MODE``,
``--pairs N``), and ``resolve_task_options`` checks them against the task: an option the task
does not take is an error naming the ones it takes, a value of the wrong type or outside the
choices is an error naming the option, and every option the task declares gets its value or its
default. Options that change items or answers (``affects_results``) go into stage stamps and
result-store keys (``result_options``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("str", "int", "float", "bool")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class TaskOptionError(ValueError):
    """A task option the task does not take, or a bad value; the message names the option."""


@dataclass(frozen=True)
class TaskOption:
    name: str  # also the flag's name with dashes: with_reference -> --task-option with-reference=...
    help: str
    kind: str = "str"  # one of KINDS
    default: Any = None
    choices: tuple[str, ...] = ()
    multiple: bool = False  # repeatable: the value is a tuple
    affects_results: bool = True  # changes items or answers: part of stamps and store keys

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"task option {self.name}: kind must be one of {KINDS}, got {self.kind!r}")

    def convert(self, value: Any, owner: str = "task") -> Any:
        """One value (text from the command line, or already typed) as this option's type;
        ``owner`` (task, dataset) names the option in errors."""
        label = f"{owner} option {self.name}"
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in _TRUE | _FALSE:
                raise TaskOptionError(f"{label}: {value!r} is not true or false")
            return text in _TRUE
        if self.kind == "int":
            try:
                return int(str(value).strip())
            except ValueError:
                raise TaskOptionError(f"{label}: {value!r} is not an integer") from None
        if self.kind == "float":
            try:
                return float(str(value).strip())
            except ValueError:
                raise TaskOptionError(f"{label}: {value!r} is not a number") from None
        text = str(value)
        if self.choices and text not in self.choices:
            raise TaskOptionError(f"{label}: {text!r} is not one of {', '.join(self.choices)}")
        return text

    def describe(self) -> str:
        kind = f"{self.kind}{', repeatable' if self.multiple else ''}"
        choices = f"; one of {', '.join(self.choices)}" if self.choices else ""
        return f"{self.name} ({kind}, default {self.default!r}{choices}): {self.help}"


def parse_option_pairs(pairs: Sequence[str], flag: str = "--task-option") -> dict[str, list[str]]:
    """``["split=A", "split=B", "pairs=3"]`` -> ``{"split": ["A", "B"], "pairs": ["3"]}``."""
    given: dict[str, list[str]] = {}
    for text in pairs:
        key, sep, value = text.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            raise TaskOptionError(f"{flag}: expected KEY=VALUE, got {text!r}")
        given.setdefault(key, []).append(value)
    return given


def as_given(values: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Option values as ``resolve_task_options`` takes them: lists, None (not given) left out, so
    already resolved options resolve again to themselves."""
    given: dict[str, list[Any]] = {}
    for name, value in dict(values or {}).items():
        if value is None:
            continue
        given[name] = list(value) if isinstance(value, list | tuple) else [value]
    return given


def resolve_task_options(
    task_name: str, declared: Sequence[TaskOption], given: Mapping[str, Sequence[Any]], owner: str = "task"
) -> dict[str, Any]:
    """Every declared option's value (given or default), type-checked; unknown names are an error.
    ``owner`` says what ``task_name`` names (a task, a dataset) in errors."""
    by_name = {option.name: option for option in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        takes = ", ".join(sorted(by_name)) or "none"
        raise TaskOptionError(f"{owner} {task_name!r} takes no option {', '.join(unknown)} (it takes: {takes})")
    resolved: dict[str, Any] = {}
    for option in declared:
        values = list(given.get(option.name, ()))
        if not values:
            resolved[option.name] = option.default
        elif option.multiple:
            resolved[option.name] = tuple(option.convert(value, owner) for value in values)
        elif len(values) > 1:
            raise TaskOptionError(f"{owner} option {option.name} is given {len(values)} times; it takes one value")
        else:
            resolved[option.name] = option.convert(values[0], owner)
    return resolved


def result_options(declared: Sequence[TaskOption], values: Mapping[str, Any]) -> dict[str, Any]:
    """The options that change items or answers, as JSON-ready values (for stamps and keys)."""
    return {o.name: list(v) if isinstance(v := values.get(o.name), tuple) else v
            for o in declared if o.affects_results}
