"""Cold start of every API handler against the smallest boto3 function, like for like.

Before a Lambda function answers its first request it imports its handler module and creates the
DynamoDB client. The handlers import boto3 lazily (inside ``mediaflow.aws.client``), so importing
``app`` alone skips work that the first request then does; the like-for-like figure is therefore
**import + first client** on both sides:

- baseline: ``import boto3; boto3.client('dynamodb')``
- handler:  ``import app; mediaflow.aws.client('dynamodb')``

Target: handler / baseline <= 1.3x for the worst API handler (exit 1 on a miss). The import alone
(``import app`` against the same baseline, the figure this benchmark used to headline) is printed
as secondary information: it is what the init phase costs, not what the first answer waits for.

Method: fresh interpreters with the .pyc files and page cache warm (as a Lambda init has them),
timed inside the interpreter (interpreter start-up is the same on both sides). The headline uses
the interpreter's **CPU time**: importing is CPU-bound once files are cached, and on a shared
machine the wall time mostly measures the wait for a core (measured at load 8 on 2 cores: wall
1.4-4.8 s for a 0.45-0.52 s CPU import). Wall-time ratios are printed too, marked load-sensitive.
Handlers that import exactly the same modules (33 handlers, 12 sets today) differ only by their
own ``app.py``, a few route declarations, so they are measured as one group: its runs go round
its handlers, alternating with baseline runs, and its ratio is median(handler) / median(baseline)
over the group's own runs. One ``-X importtime`` run of the worst group then shows which packages
the difference comes from.

    .venv/bin/python benchmarks/cold_import.py     # ~2-4 min on 2 cores, depending on their load
    COLD_IMPORT_RUNS=9 .venv/bin/python benchmarks/cold_import.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.common import load_line, verdict  # noqa: E402 - needs the repo on sys.path
from local.openapi import api_function_dirs  # noqa: E402

TARGET = 1.3
RUNS = int(os.environ.get("COLD_IMPORT_RUNS", "5"))
CORE = str(REPO / "layers" / "core")
ENV = {
    "PATH": os.environ.get("PATH", ""),
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "mediaflow",
    "POWERTOOLS_METRICS_NAMESPACE": "Mediaflow",
    "MEDIAFLOW_TABLE": "bench",
}
# (what the init phase imports, what the first request adds)
BASELINE = ("import boto3", "boto3.client('dynamodb')")
HANDLER = ("import app", "from mediaflow import aws; aws.client('dynamodb')")
TIMER = (
    "import time; w0, c0 = time.perf_counter(), time.process_time(); {0}; "
    "w1, c1 = time.perf_counter(), time.process_time(); {1}; "
    "w2, c2 = time.perf_counter(), time.process_time(); print(c1 - c0, c2 - c0, w2 - w0)"
)


@dataclass
class Runs:
    """Milliseconds per fresh interpreter: CPU for the import alone and import + first client,
    wall for import + first client."""

    imports: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)

    def add(self, code: tuple[str, str], path: list[str], extra: list[str] | None = None) -> str:
        env = {**ENV, "PYTHONPATH": os.pathsep.join(path)}
        argv = [sys.executable, *(extra or []), "-c", TIMER.format(*code)]
        out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        first, total, wall = (float(x) * 1000 for x in out.stdout.split())
        self.imports.append(first)
        self.totals.append(total)
        self.walls.append(wall)
        return out.stderr


def median(values: list[float]) -> float:
    return statistics.median(values)


@dataclass
class Figures:
    function_dirs: list[Path]  # handlers that import the same modules
    handler: Runs
    baseline: Runs

    @property
    def name(self) -> str:
        names = [d.name for d in self.function_dirs]
        return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")

    @property
    def ratio(self) -> float:
        """The headline: import + first client (CPU), handler / baseline."""
        return median(self.handler.totals) / median(self.baseline.totals)

    @property
    def import_ratio(self) -> float:
        """Secondary: the handler's import alone against the baseline's import + client."""
        return median(self.handler.imports) / median(self.baseline.totals)

    @property
    def wall_ratio(self) -> float:
        return median(self.handler.walls) / median(self.baseline.walls)

    def row(self) -> str:
        h, b = self.handler, self.baseline
        return (
            f"{self.name:26s} {median(h.totals):4.0f} / {median(b.totals):3.0f} ms = {self.ratio:4.2f}x"
            f" | {median(h.imports):4.0f} ms {self.import_ratio:4.2f}x"
            f" | {median(h.walls):5.0f} / {median(b.walls):5.0f} ms = {self.wall_ratio:4.2f}x"
        )


HEADER = (
    "handler                    import+client, CPU       | import alone | wall time (load-sensitive)\n"
    "                           handler / boto3+client    | (secondary)  | handler / boto3+client"
)


def modules(function_dir: Path) -> str:
    """The modules a handler has loaded once it has its client (this run also warms its files)."""
    code = f"{HANDLER[0]}; {HANDLER[1]}; import sys; print(sorted(set(sys.modules) - {{'app'}}))"
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(function_dir), CORE])}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def measure(function_dirs: list[Path], runs: int) -> Figures:
    figures = Figures(function_dirs, Runs(), Runs())
    for index in range(runs):  # alternate which goes first, so neither always follows the other
        path = [str(function_dirs[index % len(function_dirs)]), CORE]
        order = [(figures.handler, HANDLER, path), (figures.baseline, BASELINE, [CORE])]
        for runs_of, code, where in order if index % 2 == 0 else reversed(order):
            runs_of.add(code, where)
    return figures


def self_times(code: tuple[str, str], path: list[str]) -> dict[str, float]:
    """Self import time per top-level package (ms) in one ``-X importtime`` run."""
    stderr = Runs().add(code, path, ["-X", "importtime"])
    by_package: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        by_package[name.split(".")[0]] += int(self_us) / 1000
    return by_package


def extra_packages(function_dir: Path) -> list[tuple[str, float]]:
    """Packages the handler imports and the baseline does not, by self import time (ms)."""
    baseline = self_times(BASELINE, [CORE])
    handler = self_times(HANDLER, [str(function_dir), CORE])
    return sorted(((p, ms) for p, ms in handler.items() if p not in baseline), key=lambda item: -item[1])


def main() -> int:
    print(load_line())
    dirs = api_function_dirs()
    # .pyc files for every handler and the core, and a warm page cache, as a Lambda init has them
    subprocess.run([sys.executable, "-m", "compileall", "-q", CORE, *map(str, dirs)], check=True)
    groups: dict[str, list[Path]] = defaultdict(list)
    for function_dir in dirs:
        groups[modules(function_dir)].append(function_dir)
    print(f"{len(dirs)} API handlers in {len(groups)} groups importing the same modules; {RUNS} runs each")
    print(HEADER)
    results = sorted((measure(g, RUNS) for g in groups.values()), key=lambda f: -f.ratio)
    for figures in results:
        print(figures.row())
    worst = results[0]
    print(f"\n{worst.name}: {', '.join(d.name for d in worst.function_dirs)}")
    print("what it imports that the baseline does not (self import time of one -X importtime run):")
    extra = extra_packages(worst.function_dirs[0])
    print("  " + ", ".join(f"{package} {ms:.0f} ms" for package, ms in extra[:8]))
    worst_import = max(f.import_ratio for f in results)
    print(f"secondary: worst import alone (no client) {worst_import:.2f}x the baseline's import + client")
    return verdict(
        worst.ratio <= TARGET,
        f"worst handler ({worst.name}) import + first client is {worst.ratio:.2f}x "
        f"import boto3 + client in CPU time (target <= {TARGET}x)",
    )


if __name__ == "__main__":
    sys.exit(main())
