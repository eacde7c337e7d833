"""``python -m mediaflow_cli.console_deploy``: copy the built console to the ConsoleBucket.

The stack (``ConsoleEnabled=true``) creates the bucket and its CloudFront distribution; this
uploads ``console/`` (with ``vendor/hls.min.js`` from ``make console``) and a ``config.json`` that
names the API endpoint, so the page only asks for the project id and token. Bucket and endpoint
come from the stack's outputs (``--stack``) or are given directly.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from pathlib import Path

import boto3

CONSOLE = Path(__file__).resolve().parents[2] / "console"
FILES = (
    "index.html",
    "app.js",
    "api.js",
    "player.js",
    "s3upload.js",
    "style.css",
    "vendor/hls.min.js",
    "vendor/LICENSE",
)
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", "": "text/plain"}


def stack_outputs(name: str) -> dict[str, str]:
    stack = boto3.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def deploy(bucket: str, api_endpoint: str, source: Path = CONSOLE) -> list[str]:
    missing = [f for f in FILES if not (source / f).is_file()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: run `make console` first")
    s3 = boto3.client("s3")
    written = []
    for name in FILES:
        path = source / name
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        cache = "no-cache" if name == "index.html" else "public, max-age=300"
        s3.upload_file(str(path), bucket, name, ExtraArgs={"ContentType": kind, "CacheControl": cache})
        written.append(name)
    config = json.dumps({"endpoint": api_endpoint}).encode()
    s3.put_object(
        Bucket=bucket, Key="config.json", Body=config, ContentType="application/json", CacheControl="no-cache"
    )
    return [*written, "config.json"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", help="the deployed stack's name (reads its outputs)")
    parser.add_argument("--bucket", help="ConsoleBucketName (instead of --stack)")
    parser.add_argument("--api-endpoint", help="ApiEndpoint (instead of --stack)")
    args = parser.parse_args(argv)
    outputs = stack_outputs(args.stack) if args.stack else {}
    bucket = args.bucket or outputs.get("ConsoleBucketName")
    endpoint = args.api_endpoint or outputs.get("ApiEndpoint")
    if not (bucket and endpoint):
        parser.error("give --stack (deployed with ConsoleEnabled=true) or --bucket and --api-endpoint")
    for name in deploy(bucket, endpoint):
        print(f"uploaded s3://{bucket}/{name}")
    if outputs.get("ConsoleUrl"):
        print(f"console: {outputs['ConsoleUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
