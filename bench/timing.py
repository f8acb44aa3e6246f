"""Timing the steps of a function from outside: each named function of a module is
wrapped for the duration of a block, and the seconds spent in it are added up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def timed_steps(module: Any, names: list[str] | dict[str, str]) -> Iterator[dict[str, float]]:
    """Inside the block, calls of ``module.<name>`` add their seconds to ``parts[name]``;
    ``names`` may map a function's name to the part it counts in."""
    mapping = names if isinstance(names, dict) else {n: n for n in names}
    parts = dict.fromkeys(mapping.values(), 0.0)
    originals = {name: getattr(module, name) for name in mapping}

    def wrap(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[mapping[name]] += time.perf_counter() - started

        return wrapper

    for name, fn in originals.items():
        setattr(module, name, wrap(name, fn))
    try:
        yield parts
    finally:
        for name, fn in originals.items():
            setattr(module, name, fn)


def emit(rows: list[str], markdown: str = "") -> None:
    """Print a benchmark's Markdown table, and write it to ``markdown`` when given."""
    table = "\n".join(rows)
    print(table)
    if markdown:
        with open(markdown, "w") as out:
            out.write(table + "\n")
