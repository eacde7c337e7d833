"""CPU seconds of a process tree from /proc (Linux): what each part of the local stack spent.

A snapshot reads, for this process and every descendant, its own CPU time and the CPU time of
its children that it has already reaped (``cutime``/``cstime`` in /proc/<pid>/stat): a function
worker's ffmpeg and ffprobe runs end up there once they exit. The difference of two snapshots,
grouped by a labelling function, says who spent what in between. A process that started and
ended within the interval is counted in its parent's reaped children.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    own: float  # seconds of the process itself (all its threads)
    reaped: float  # seconds of its children that have exited and been waited for
    cmdline: str


def _read(pid: int) -> tuple[int, Usage] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None  # ended meanwhile
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) / TICK for x in fields[11:15])
    return ppid, Usage(utime + stime, cutime + cstime, cmdline)


def snapshot(root: int | None = None) -> dict[int, Usage]:
    """Usage of ``root`` (default: this process) and all its descendants."""
    root = os.getpid() if root is None else root
    table: dict[int, tuple[int, Usage]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (read := _read(int(entry.name))) is not None:
            table[int(entry.name)] = read
    tree, changed = {root}, True
    while changed:
        changed = False
        for pid, (ppid, _) in table.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return {pid: table[pid][1] for pid in tree if pid in table}


def spent(
    before: dict[int, Usage], after: dict[int, Usage], label: Callable[[int, Usage], tuple[str, str]]
) -> dict[str, float]:
    """CPU seconds between two snapshots by label; ``label`` names (own, reaped) of a process."""
    totals: dict[str, float] = defaultdict(float)
    for pid, now in after.items():
        was = before.get(pid)
        if was is not None and was.cmdline != now.cmdline:
            was = None  # a reused pid
        own_label, reaped_label = label(pid, now)
        totals[own_label] += now.own - (was.own if was else 0.0)
        totals[reaped_label] += now.reaped - (was.reaped if was else 0.0)
    return totals
