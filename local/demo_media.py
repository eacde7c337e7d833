"""``python -m local.demo_media clip|logo``: make a small test file with the layer's ffmpeg, store it
in the demo project's own prefix of the local stack's bucket and print its object key.

For the README's examples: it takes the stack's values from the environment when a block has
exported them, else reads ``.mediaflow/local.env`` (written by ``make run``) in the current
directory or the repository, so a shell block needs nothing but this call.
``clip``: 10 s of 640x360 testsrc2 with a 440 Hz tone (H.264/AAC MP4); ``logo``: a 96x32 PNG.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent
FFMPEG = REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin" / "ffmpeg"
MEDIA = {
    "clip": (
        "clip.mp4",
        [
            *("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=10"),
            *("-f", "lavfi", "-i", "sine=frequency=440:duration=10"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"),
        ],
    ),
    "logo": ("logo.png", ["-f", "lavfi", "-i", "testsrc2=size=96x32", "-frames:v", "1", "-update", "1"]),
}


NEEDED = ("MEDIAFLOW_PROJECT_ID", "MEDIAFLOW_BUCKET", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")


def _env() -> dict[str, str]:
    if all(os.environ.get(name) for name in NEEDED):
        return dict(os.environ)
    for folder in (Path.cwd(), REPO):
        path = folder / ".mediaflow" / "local.env"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            return dict(line.split("=", 1) for line in lines if "=" in line)
    raise SystemExit("no .mediaflow/local.env: start the local stack with `make run` first")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in MEDIA:
        print(f"usage: python -m local.demo_media {'|'.join(MEDIA)}", file=sys.stderr)
        return 2
    env = _env()
    name, args = MEDIA[argv[0]]
    key = f"outputs/{env['MEDIAFLOW_PROJECT_ID']}/demo/{name}"
    with tempfile.TemporaryDirectory() as scratch:
        made = Path(scratch) / name
        run_env = {"PATH": os.environ.get("PATH", ""), "GCONV_PATH": "/dev/null"}
        command = [str(FFMPEG), "-nostdin", "-v", "error", "-y", *args, str(made)]
        subprocess.run(command, check=True, env=run_env, timeout=120)
        s3 = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        s3.upload_file(str(made), env["MEDIAFLOW_BUCKET"], key)
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
