"""Property-based fuzzing of every operation in openapi.json against the local stack (issue 16).

schemathesis (pinned in pyproject) generates valid and invalid requests from the committed
document and sends them over HTTP; the run must find no 5xx and no "validation mismatch" warning
(positive data the API refuses, i.e. a document that does not state what the API accepts).

What the test supplies, as schemathesis asks for it:
- identifiers of real resources (a video, templates, a group, a job, a secret), seeded first;
- the deployment's own values: the document says ``bucket`` is the stack's media bucket and
  ``location`` its region; this run states them as enums, as a per-deployment document would,
  and names the seeded input object (requests on a missing input are refused by design);
- state the schema cannot carry: a PUT renaming a template or group to a name another one holds
  is refused (names are unique per project), so those names are drawn long and random.
One fuzzing phase, so a pinned resource that an operation consumes (DELETE) is there for its
first positive case. Three operations depend on a resource's state at the very moment (cancel a
task or a job, replay a failed delivery): they are fuzzed with invalid data only; their positive
paths have their own e2e tests (test_transcoding, test_smart_cover, test_notifications).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Api, Project
from tests.support.clips import make_clip

EXAMPLES = 20  # per operation: about 450 cases, under a minute on 2 quiet cores
NEGATIVE_ONLY = (
    "DELETE /v1/{project_id}/transcodings",
    "PUT /v1/{project_id}/jobs/{JobId}",
    "POST /v1/{project_id}/notification/deliveries/{delivery_id}/replay",
)
FAIL_ON = {"validation_mismatch", "missing_auth", "base_url_mismatch", "unsupported_regex"}
# Operations added with the media operations, packaging and the vendors' SDKs (issues 11-13) whose
# documents do not yet state everything they check - an existing task or template id, an authorized
# bucket, the RPC parameters of /acs/<Action>, the access keys' ids - so schemathesis' positive
# cases are mostly refused. They are fuzzed like every operation (no 5xx allowed); this list may
# only shrink: a new operation must have an exact document.
KNOWN_MISMATCH = {
    *("DELETE /v1/{project_id}/animated-graphics", "DELETE /v1/{project_id}/extract-metadata"),
    *("DELETE /v1/{project_id}/remux", "DELETE /v1/{project_id}/remux/task"),
    *("DELETE /v1/{project_id}/template/watermark", "DELETE /v1/{project_id}/thumbnails"),
    *("GET /v1.0-ext/{project_id}/objects", "GET /v1/{project_id}/play-url"),
    *("GET /v1/{project_id}/transcodings/detail", "GET /v1/{project_id}/transcodings/summaries"),
    *("POST /acs/CreateUploadVideo", "POST /acs/GetURLUploadInfos", "POST /acs/GetVideoInfo"),
    *("POST /acs/RefreshUploadVideo", "POST /acs/UploadMediaByURL"),
    *("POST /v1/{project_id}/animated-graphics", "POST /v1/{project_id}/extract-metadata"),
    *("POST /v1/{project_id}/remux", "POST /v1/{project_id}/thumbnails"),
    *("PUT /jobs/{JobId}", "PUT /queue/{QueueId}", "PUT /v1/{project_id}/access-keys/{access_key_id}"),
    *(
        "PUT /v1/{project_id}/authority",
        "PUT /v1/{project_id}/remux",
        "PUT /v1/{project_id}/template/watermark",
    ),
}


def ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), response.text[:500]
    return response


def seed(api: Api, project: Project, clip_dir: Path) -> dict[str, Any]:
    """Real resources for the fuzzer's identifiers."""
    pid, base = project.project_id, f"/v1/{project.project_id}"
    clip = make_clip(clip_dir, seconds=1, width=128, height=72)
    key = "fuzz/in.mp4"
    api.aws("s3").upload_file(str(clip), api.ref("MediaBucket"), f"outputs/{pid}/{key}")
    video = ok(api.call("POST", f"{base}/videos", project.token, json={"Title": "f", "FileName": "f.mp4"}))
    templates = [
        ok(
            api.call(
                "POST",
                f"{base}/template/transcodings",
                project.token,
                json={"template_name": f"fuzz_{i}", "common": {"pack_type": 4}, "audio": {"channels": 2}},
            ),
            201,
        ).json()["template_id"]
        for i in range(2)
    ]
    group = {
        "name": "fuzz_group",
        "videos": [{"width": 0, "height": 72, "bitrate": 100}],
        "common": {"pack_type": 4},
    }
    groups = [
        ok(
            api.call(
                "POST", f"{base}/template_group/transcodings", project.token, json={**group, "name": f"fg{i}"}
            )
        ).json()["template_group"]["group_id"]
        for i in range(2)
    ]
    secret = ok(api.call("GET", f"{base}/notification", project.token)).json()["signing_secrets"][0][
        "secret_id"
    ]
    job = (
        "<Request><Tag>SmartCover</Tag><Input><Object>fuzz/in.mp4</Object></Input><Operation><SmartCover>"
        "<Count>1</Count></SmartCover><Output><Region>us-east-1</Region>"
        f"<Bucket>{api.ref('MediaBucket')}</Bucket><Object>fuzz/c-${{number}}.jpg</Object></Output>"
        "</Operation></Request>"
    )
    answer = ok(
        api.call("POST", f"{base}/jobs", project.token, data=job, headers={"Accept": "application/json"})
    )
    return {
        "key": key,
        "video_id": video.json()["VideoId"],
        "templates": templates,
        "groups": groups,
        "secret_id": secret,
        "job_id": answer.json()["Response"]["JobsDetail"][0]["JobId"],
        "queue_id": answer.json()["Response"]["JobsDetail"][0]["QueueId"],
    }


def deployment_document(api: Api, data: dict[str, Any]) -> dict[str, Any]:
    """openapi.json with this deployment's values stated (bucket, region, seeded objects)."""
    doc = copy.deepcopy(json.loads((REPO / "openapi.json").read_text()))
    schemas = doc["components"]["schemas"]
    bucket = {"type": "string", "enum": [api.ref("MediaBucket")]}
    region = {"type": "string", "enum": ["us-east-1"]}
    task = schemas["CreateTranscodingRequest"]["properties"]
    for side, key in (("input", data["key"]), ("output", "fuzz/out/")):
        where = copy.deepcopy(schemas["ObsObjInfo"])
        where["properties"].update(bucket=bucket, location=region, object={"type": "string", "enum": [key]})
        task[side] = where
    # audio-only presets and the seeded (audio-only) templates: the tasks the run queues encode quickly
    task["trans_template_id"]["items"] = {"type": "integer", "enum": [951, 961, *data["templates"]]}
    # names are unique per project: long random ones, so renaming rarely collides with an earlier case
    unique = {"type": "string", "pattern": "^fuzz_[A-Za-z0-9]{12,20}$"}
    for model, field in (("UpdateTemplateRequest", "template_name"), ("UpdateGroupRequest", "name")):
        schemas[model]["properties"][field] = unique
    schemas["OutputTarget"]["properties"].update(Bucket=bucket, Region=region)
    schemas["InputObject"]["properties"]["Object"] = {"type": "string", "enum": [data["key"]]}
    schemas["UpdateTemplateRequest"]["properties"]["template_id"] = {
        "type": "integer",
        "enum": data["templates"],
    }
    schemas["UpdateGroupRequest"]["properties"]["group_id"] = {"type": "string", "enum": data["groups"]}
    return doc


def config(project: Project, data: dict[str, Any]) -> str:
    pinned = {
        "GET /v1/{project_id}/videos/{VideoId}": {"path.VideoId": data["video_id"]},
        "POST /v1/{project_id}/videos/{VideoId}/refresh-upload": {"path.VideoId": data["video_id"]},
        "GET /v1/{project_id}/jobs/{JobId}": {"path.JobId": data["job_id"]},
        # JobIds or UploadURLs is required, which parameters cannot say: JobIds is always given
        "GET /v1/{project_id}/url-uploads": {"query.JobIds": data["video_id"]},
        "PUT /v1/{project_id}/queue/{QueueId}": {"path.QueueId": data["queue_id"]},
        "DELETE /v1/{project_id}/template/transcodings": {"query.template_id": data["templates"][0]},
        "DELETE /v1/{project_id}/template_group/transcodings": {"query.group_id": data["groups"][0]},
        "DELETE /v1/{project_id}/notification/secrets/{secret_id}": {"path.secret_id": data["secret_id"]},
    }
    lines = [
        "[parameters]",
        f'"path.project_id" = "{project.project_id}"',
    ]
    for name, parameters in pinned.items():
        lines += ["[[operations]]", f'include-name = "{name}"', "[operations.parameters]"]
        lines += [f'"{k}" = {json.dumps(v)}' for k, v in parameters.items()]
    for name in NEGATIVE_ONLY:
        lines += ["[[operations]]", f'include-name = "{name}"', 'generation.mode = "negative"']
    return "\n".join(lines) + "\n"


@pytest.mark.e2e
def test_no_generated_request_gets_a_server_error(api: Api, clip_dir: Path, tmp_path: Path) -> None:
    project = api.new_project("e2e-fuzz")
    data = seed(api, project, clip_dir)
    (tmp_path / "openapi.json").write_text(json.dumps(deployment_document(api, data)))
    (tmp_path / "schemathesis.toml").write_text(config(project, data))
    report = tmp_path / "report.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml")),
        *("run", str(tmp_path / "openapi.json"), "--url", api.endpoint),
        *("--header", f"X-Auth-Token: {project.token}", "--checks", "not_a_server_error"),
        *("--phases", "fuzzing", "--max-examples", str(EXAMPLES), "--seed", "16", "--workers", "1"),
        *("--report", "json", "--report-json-path", str(report), "--request-timeout", "60"),
    ]
    began = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    elapsed = time.monotonic() - began
    output = run.stdout[-6000:] + run.stderr[-2000:]
    assert report.exists(), output
    result = json.loads(report.read_text())
    cases = result["test_cases"]["generated"]
    warnings = {name: ops for name, ops in result["warnings"].items() if ops}
    print(
        f"\nschemathesis: {cases} cases over {result['operations']['tested']} operations in {elapsed:.0f} s"
    )
    print(f"warnings (informational unless in {sorted(FAIL_ON)}): {warnings}")
    assert result["operations"]["tested"] == result["operations"]["total"] >= 33, output
    assert result["failures"] == [] and result["errors"] == [], output
    if "validation_mismatch" in warnings:
        warnings["validation_mismatch"] = sorted(set(warnings["validation_mismatch"]) - KNOWN_MISMATCH)
    assert not {name: ops for name, ops in warnings.items() if name in FAIL_ON and ops}, output
    assert run.returncode == 0, output
