"""What every benchmark prints besides its figures: the machine's load and one verdict line.

A figure measured on a shared machine means little without the load it was measured under, so
each benchmark prints ``load_line()`` first, and ends with ``verdict()``, whose return value is
the process's exit code (0 met, 1 missed).
"""

from __future__ import annotations

import os


def load_line() -> str:
    """CPUs and the 1-minute load average: above the CPU count, timings are stretched by others."""
    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0]
    busy = load > cpus * 0.5
    note = "shared and busy: timings are load-sensitive" if busy else "mostly idle"
    return f"machine: {cpus} cpus, load average {load:.2f} ({note})"


def verdict(met: bool, what: str) -> int:
    """Print ``VERDICT: MET|MISSED - what`` and return the exit code."""
    print(f"VERDICT: {'MET' if met else 'MISSED'} - {what}")
    return 0 if met else 1
