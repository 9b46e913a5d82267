"""Every ALLM adapter jasco knows, by name. Importing this module imports no adapter.

Add an adapter: write ``jasco/infer/<name>.py`` with a factory, then register it here with one
line. Code that looks adapters up by name imports this module first.
"""

from __future__ import annotations

from jasco.infer.base import ADAPTERS  # noqa: F401 - registrations below

# ADAPTERS.register("name", "jasco.infer.module:factory", "one-line summary")
