"""Run every benchmark; each writes its own section of bench/RESULTS.md.

A benchmark is any module of this package whose name does not start with ``_`` (``labels``,
``scan``, …), run through its ``main()``. ``python -m bench scan`` runs only the ones named.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Sequence

import bench


def benchmark_names() -> list[str]:
    """The benchmark modules of this package, in name order."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if not module.name.startswith("_")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the named benchmarks (all by default); 1 if any failed its targets or crashed."""
    known = benchmark_names()
    names = list(sys.argv[1:] if argv is None else argv) or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    # Each benchmark parses its own options from the command line: it gets an empty one here.
    sys.argv = [sys.argv[0]]
    failed = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        started = time.monotonic()
        try:
            status = importlib.import_module(f"bench.{name}").main()
        except Exception:
            traceback.print_exc()
            status = 1
        if status:
            failed.append(name)
        print(f"== bench.{name}: {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"missed their targets or failed: {', '.join(failed)} (see bench/RESULTS.md)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
