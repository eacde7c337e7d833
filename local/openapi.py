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


FAMILY_ERRORS = {
    "400": "Invalid request: the operation's family error body (VOD Code/Message, MPC error_code/"
    "error_msg, CI <Error>)",
    "413": "The request body is larger than the operation's limit (x-mediaflow-body.maxBytes)",
    "415": "A Content-Type the operation does not take (x-mediaflow-body.contentTypes)",
}


def build_document() -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "layers" / "core"))
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.openapi.models import Server

    app = APIGatewayRestResolver(enable_validation=True)
    modules = [_load(function_dir) for function_dir in api_function_dirs()]
    for module in modules:
        app.include_router(module.router)
    schema = app.get_openapi_json_schema(
        title="Mediaflow API",
        version="1.0.0",
        summary="Upload credentials, URL ingest, transcoding, smart covers, notifications.",
        servers=[Server(url="/")],
        openapi_version="3.1.0",
    )
    doc = dict(json.loads(schema))
    for module in modules:
        for key, rule in module.lambda_handler.body_rules().items():
            method, path = key.split(" ", 1)
            if path not in doc["paths"]:  # a route kept out of the schema (the catch-all)
                continue
            _describe_input(doc, doc["paths"][path][method.lower()], rule)
    _family_errors(doc)
    return doc


def _describe_input(doc: dict[str, Any], operation: dict[str, Any], rule: Any) -> None:
    """What the input boundary (mediaflow.api.boundary) takes, and the CI family's XML bodies."""
    from mediaflow.api.boundary import BodyKind

    operation["x-mediaflow-body"] = rule.describe()
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    if rule.kind is BodyKind.DOCUMENT and rule.model is not None:
        schema = rule.model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        schema["xml"] = {"name": "Request"}  # <Request>...</Request>; JSON: the bare object
        components[rule.model.__name__] = schema
        ref = {"$ref": f"#/components/schemas/{rule.model.__name__}"}
        content = {media: {"schema": ref} for media in ("application/xml", "application/json")}
        operation["requestBody"] = {"required": True, "content": content}
    if rule.forbid_unknown:
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        _close_objects(components, body.get("schema", {}), set())


def _close_objects(components: dict[str, Any], schema: Any, seen: set[str]) -> None:
    """additionalProperties: false on every object schema reachable from ``schema``."""
    if isinstance(schema, list):
        for item in schema:
            _close_objects(components, item, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _close_objects(components, components[name], seen)
    if "properties" in schema:
        schema["additionalProperties"] = False
    for value in schema.values():
        _close_objects(components, value, seen)


def _family_errors(doc: dict[str, Any]) -> None:
    """Powertools documents a 422 HTTPValidationError; every family answers 400 in its own shape."""
    for operations in doc["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            body = "x-mediaflow-body" in operation and operation["x-mediaflow-body"]["kind"] != "none"
            for status, description in FAMILY_ERRORS.items():
                if status == "400" or body:
                    responses[status] = {"description": description}
    schemas = doc.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


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
