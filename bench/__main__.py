"""Run every benchmark and write bench/RESULTS.md (none yet: the workshop issue adds them)."""

from __future__ import annotations


def main() -> None:
    print("no benchmarks yet")


if __name__ == "__main__":
    main()
