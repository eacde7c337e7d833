"""Generates ``openapi.json`` from the routes of every API function named in template.yaml.

Each API function exports its Powertools ``router``; including them all in one resolver gives
one document for the whole API. ``--check`` fails when the committed file has drifted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from local.cfn import load_yaml

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "openapi.json"


def api_function_dirs(template: Path = REPO / "template.yaml") -> list[Path]:
    doc = load_yaml(template)
    dirs = []
    for resource in doc["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        events = props.get("Events", {}) or {}
        if any(e.get("Type") == "Api" for e in events.values()):
            dirs.append(REPO / props["CodeUri"])
    return sorted(dirs)


def _load(function_dir: Path) -> ModuleType:
    name = f"mediaflow_fn_{function_dir.name}"
    spec = importlib.util.spec_from_file_location(name, function_dir / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_document() -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "layers" / "core"))
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.openapi.models import Server

    app = APIGatewayRestResolver(enable_validation=True)
    for function_dir in api_function_dirs():
        app.include_router(_load(function_dir).router)
    schema = app.get_openapi_json_schema(
        title="Mediaflow API",
        version="1.0.0",
        summary="Upload credentials, URL ingest, transcoding, smart covers, notifications.",
        servers=[Server(url="/")],
        openapi_version="3.1.0",
    )
    return dict(json.loads(schema))


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.openapi")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(REPO)}")
        return 0
    if not OUTPUT.exists() or OUTPUT.read_text() != text:
        print("openapi.json is out of date: run `make openapi`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
