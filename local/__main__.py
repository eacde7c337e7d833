"""``python -m local``: run the Mediaflow stack locally (moto + functions + API + pollers).

``python -m local invoke <LogicalId> -e events/<file>.json`` runs one function against the running
stack instead (see ``local/invoke.py``).

Prints ``Mediaflow local stack ready`` once everything is up, writes the connection settings to
an env file (``.mediaflow/local.env``) and stops cleanly on Ctrl-C or SIGTERM (exit code 0).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from local.runtime import MIN_TIMEOUT_ENV
from local.stack import AdminUnavailable, LocalStack

REPO = Path(__file__).resolve().parent.parent
READY_LINE = "Mediaflow local stack ready"
# local.env names what a deployment's stack outputs name (MediaBucketName, EventsTopicArn, ...)
LOCAL_ENV_REFS = {
    "MEDIAFLOW_BUCKET": "MediaBucket",
    "EVENTS_TOPIC_ARN": "EventsTopic",
    "MEDIAFLOW_TABLE": "MediaTable",
}
STATE_FILE = "local-stack.json"  # beside the env file: physical ids for `python -m local invoke`
CI_ENDPOINT = "ci.mediaflow.test"  # RFC 2606: never a real host; the SDK connects to IP/Port anyway


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="API port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--moto-port", type=int, default=0, help="moto port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--demo-project", metavar="NAME", help="create a project and print its token")
    parser.add_argument("--env-file", type=Path, default=REPO / ".mediaflow" / "local.env")
    parser.add_argument(
        "--allow-loopback-callbacks",
        action="store_true",
        help="let functions call back to 127.0.0.1 (MEDIAFLOW_ALLOW_LOOPBACK=true)",
    )
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter override (repeatable)",
    )
    parser.add_argument("--workers", type=int, default=2, help="concurrent workers per function")
    parser.add_argument(
        "--ci-endpoint",
        default=CI_ENDPOINT,
        help="host suffix Tencent CI's SDK uses as its endpoint (requests come as <bucket>.<suffix>)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser.parse_args(argv)


def write_env_file(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds a token
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.writelines(f"{key}={value}\n" for key, value in values.items())


def write_state_file(path: Path, state: dict[str, object]) -> None:
    path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")


def local_env(stack: LocalStack, project: dict[str, str] | None, ci_endpoint: str) -> dict[str, str]:
    """What `make run` writes to .mediaflow/local.env: the endpoint, the demo project's credentials,
    the AWS endpoint, and the names a deployment's stack outputs give (bucket, topic, table)."""
    values = {"MEDIAFLOW_ENDPOINT": stack.endpoint}
    if project is not None:
        values.update(MEDIAFLOW_PROJECT_ID=project["project_id"], MEDIAFLOW_TOKEN=project["token"])
        if project.get("signing_secret"):
            values["MEDIAFLOW_SIGNING_SECRET"] = project["signing_secret"]
        if project.get("access_key_id"):  # the vendors' SDKs sign with these
            values["MEDIAFLOW_ACCESS_KEY_ID"] = project["access_key_id"]
            values["MEDIAFLOW_ACCESS_KEY_SECRET"] = project["access_key_secret"]
    env = stack.aws_env
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        values[key] = env[key]
    ids = stack.physical_ids
    values.update({key: ids[logical] for key, logical in LOCAL_ENV_REFS.items() if logical in ids})
    values.update(
        MEDIAFLOW_REGION=env["AWS_DEFAULT_REGION"],
        # Tencent CI's SDK addresses <bucket>.<suffix> (on this gateway's port)
        MEDIAFLOW_CI_ENDPOINT=ci_endpoint,
        MEDIAFLOW_CONSOLE_URL=f"{stack.endpoint}/console/",
    )
    shared = stack.admin_env()  # what `python -m mediaflow.admin` needs (bucket-policy, ...)
    for key in ("MEDIAFLOW_ACCOUNT_ID", "MEDIAFLOW_STACK_NAME"):
        if key in shared:
            values[key] = shared[key]
    return values


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["invoke"]:
        from local.invoke import main as invoke_main

        return invoke_main(argv[1:])
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("botocore", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    os.environ.setdefault(MIN_TIMEOUT_ENV, "15")  # one shared moto: see local/runtime.py
    extra_env = {"MEDIAFLOW_ALLOW_LOOPBACK": "true"} if args.allow_loopback_callbacks else {}
    overrides = dict(p.split("=", 1) for p in args.parameter)
    stack = LocalStack(
        REPO,
        api_port=args.port,
        moto_port=args.moto_port,
        extra_env=extra_env,
        template=args.template,
        parameter_overrides=overrides,
        pool_size=args.workers,
    )
    try:
        stack.start()
        created: dict[str, str] | None = None
        if args.demo_project:
            try:
                created = stack.create_project_doc(args.demo_project)
            except AdminUnavailable as exc:
                logging.warning("no demo project: mediaflow.admin is not importable (%s)", exc)
        values = local_env(stack, created, args.ci_endpoint)
        write_env_file(args.env_file, values)
        write_state_file(args.env_file.with_name(STATE_FILE), stack.state())
        print("\n".join(f"{k}={v}" for k, v in values.items()))
        print(f"(written to {args.env_file})")
        fragment = (
            f"#project={values['MEDIAFLOW_PROJECT_ID']}&token={values['MEDIAFLOW_TOKEN']}"
            if "MEDIAFLOW_TOKEN" in values
            else ""
        )
        print(f"Console: {stack.endpoint}/console/{fragment}")
        print(READY_LINE, flush=True)
        stopping.wait()
    finally:
        print("stopping...", file=sys.stderr, flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
