"""Every shell and Python block of the README runs, in order, against a local stack.

A block whose first line is ``# not run by the README test: <why>`` is skipped (the convention is
visible to readers; keep that list short). Bash blocks share one shell, so variables carry over
from block to block as they do for a reader; Python blocks run with the virtualenv's interpreter
at their place in the sequence. curl runs with ``--fail-with-body``, so an API error fails the
block. The stack is the e2e session's; the working directory is a view of the repository whose
``.mediaflow/`` holds that stack's ``local.env``, so a developer's own ``make run`` is untouched.
On failure the message names the block (number, line in README.md, first line) and its output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.__main__ import CI_ENDPOINT, STATE_FILE, local_env, write_env_file, write_state_file
from tests.e2e.conftest import REPO, Api

SKIP = "# not run by the README test"
FENCE = re.compile(r"^```(bash|sh|python)[^\n]*\n(.*?)^```", re.M | re.S)
MARK = "@@readme-block"


@dataclass
class Block:
    number: int
    line: int
    language: str
    code: str

    @property
    def title(self) -> str:
        return (
            f"block {self.number} (README.md line {self.line}, {self.language}): {self.code.splitlines()[0]}"
        )


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    for number, match in enumerate(FENCE.finditer(text), start=1):
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(number, line, match.group(1), match.group(2)))
    return blocks


def test_the_skip_list_stays_short() -> None:
    skipped = [b.title for b in readme_blocks((REPO / "README.md").read_text()) if b.code.startswith(SKIP)]
    assert len(skipped) <= 4, skipped


@pytest.fixture
def workdir(api: Api, tmp_path: Path) -> Path:
    """The repository seen through symlinks, with this test stack's .mediaflow/local.env."""
    view = tmp_path / "repo"
    view.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in (".mediaflow", "demo.mp4", "outputs"):
            (view / entry.name).symlink_to(entry)
    mediaflow = view / ".mediaflow"
    mediaflow.mkdir()
    (mediaflow / "layers").symlink_to(REPO / ".mediaflow" / "layers")
    values = local_env(api.stack, api.stack.create_project_doc("readme"), CI_ENDPOINT)
    write_env_file(mediaflow / "local.env", values)
    write_state_file(mediaflow / STATE_FILE, api.stack.state())
    return view


def script_for(blocks: list[Block], workdir: Path) -> str:
    lines = [
        "set -Eeo pipefail",
        'curl() { command curl --fail-with-body --max-time 120 "$@"; }',
        f"trap 'echo \"{MARK} failed $BLOCK (exit $?)\" >&2' ERR",
        f"cd {workdir}",
    ]
    for block in blocks:
        lines.append(f"BLOCK={block.number}; echo '{MARK} start {block.number}'")
        if block.language == "python":
            path = workdir / f".readme-block-{block.number}.py"
            path.write_text(block.code)
            lines.append(f"{sys.executable} {path}")
        else:
            lines.append(block.code)
        lines.append(f"echo; echo '{MARK} ok {block.number}'")
    return "\n".join(lines) + "\n"


def test_every_readme_block_runs_in_order(workdir: Path) -> None:
    blocks = [b for b in readme_blocks((REPO / "README.md").read_text()) if not b.code.startswith(SKIP)]
    script = script_for(blocks, workdir)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(workdir), "BROWSER": "true"}
    env["GCONV_PATH"] = "/dev/null"
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    finished = {int(n) for n in re.findall(rf"{MARK} ok (\d+)", done.stdout)}
    failed = next((b for b in blocks if b.number not in finished), None)
    if failed is not None or done.returncode != 0:
        name = failed.title if failed else "after the last block"
        section = done.stdout.split(f"{MARK} start {failed.number}")[-1] if failed else done.stdout
        pytest.fail(
            f"README {name} failed (exit {done.returncode}):\n{section[-3000:]}\n{done.stderr[-3000:]}"
        )
    assert "Traceback" not in output
