"""The console signs its browser uploads itself (SigV4, WebCrypto); moto does not check signatures,
so the signer is held to botocore's on the same requests, run in Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REPO = Path(__file__).resolve().parents[2]
CREDENTIALS = Credentials("ASIAEXAMPLE", "secret/with+chars", "token==/+")
URLS = [
    "https://s3.us-east-1.amazonaws.com/media-bucket/uploads/p/v/source.mp4?uploads=",
    "https://s3.us-east-1.amazonaws.com/media-bucket/uploads/p/v/source.mp4?partNumber=2&uploadId=a%2Bb~c_d",
    "https://s3.eu-west-1.amazonaws.com/media-bucket/uploads/p/v/s%20p%C3%A9.mov",
]
NODE = """
import { signS3 } from "%s";
const [method, url, when, region] = JSON.parse(process.argv[2]);
const creds = {accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret/with+chars", sessionToken: "token==/+"};
console.log(JSON.stringify(await signS3(method, new URL(url), creds, region, new Date(when))));
"""


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("url", URLS)
def test_browser_signature_matches_botocore(method: str, url: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the console's build (make console) needs Node.js")
    region = url.split(".")[1]
    request = AWSRequest(method=method, url=url)
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})  # as the console
    S3SigV4Auth(CREDENTIALS, "s3", region).add_auth(request)
    when = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    script = tmp_path / "sign.mjs"
    script.write_text(NODE % (REPO / "console" / "s3upload.js").as_posix())
    args = json.dumps([method, url, when.isoformat().replace("+00:00", "Z"), region])
    done = subprocess.run([node, str(script), args], capture_output=True, text=True, timeout=30, check=True)
    signed = json.loads(done.stdout)
    assert signed["Authorization"] == request.headers["Authorization"]
    assert signed["x-amz-security-token"] == "token==/+"
