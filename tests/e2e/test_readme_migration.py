"""The README's "Migrating from Alibaba VOD / Tencent CI / Huawei MPC" snippets run as written,
with the values ``make run`` writes to .mediaflow/local.env (here: the e2e stack's)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from local.cfn import REGION
from tests.e2e.conftest import Api
from tests.support.sdks import CI_ENDPOINT

REPO = Path(__file__).resolve().parents[2]


def _snippets() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Migrating from Alibaba VOD / Tencent CI / Huawei MPC", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_each_migration_snippet_runs_against_the_local_stack(api: Api) -> None:
    project = api.new_project("e2e-readme")
    env = {
        **os.environ,
        "MEDIAFLOW_ENDPOINT": api.endpoint,
        "MEDIAFLOW_PROJECT_ID": project.project_id,
        "MEDIAFLOW_ACCESS_KEY_ID": project.access_key_id,
        "MEDIAFLOW_ACCESS_KEY_SECRET": project.access_key_secret,
        # what `make run` writes to .mediaflow/local.env besides the keys
        "MEDIAFLOW_BUCKET": api.stack.physical_ids["MediaBucket"],
        "MEDIAFLOW_REGION": REGION,
        "MEDIAFLOW_CI_ENDPOINT": CI_ENDPOINT,
    }
    snippets = _snippets()
    assert len(snippets) == 3
    outputs = []
    for code in snippets:
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout.strip())
    assert outputs[0].endswith(" Uploading") and '"task_array"' in outputs[1] and outputs[2] == "Active"
