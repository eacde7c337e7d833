"""The SAM template as the local stack sees it: Globals applied, intrinsics resolved, typed views.

``Template.load`` parses template.yaml, merges SAM ``Globals`` into each serverless resource and
plans a physical id for every resource (what Ref/GetAtt return).  The local resource creator then
overwrites planned ids with the real ones moto returned (queue URLs), so env vars and event
sources are always resolved against what actually exists.  Nothing here opens a socket.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.cfn import (
    ACCOUNT_ID,
    REGION,
    PhysicalIds,
    Resolver,
    TemplateError,
    dependency_order,
    load_yaml,
    parameter_values,
)
from local.naming import (
    API_TYPES,
    FUNCTION_TYPES,
    LAYER_TYPES,
    NAME_PROPERTIES,
    api_id,
    plan_ids,
)
from local.views import Api, Function, Layer, Route, Schedule, SnsEvent, SqsMapping, build_api

STACK_NAME = "mediaflow-local"
GLOBAL_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "LayerVersion": "AWS::Serverless::LayerVersion",
    "StateMachine": "AWS::Serverless::StateMachine",
}
IMPLICIT_API = "ServerlessRestApi"
# the function properties the local runtime uses; others (Policies, VpcConfig...) are never resolved
FUNCTION_PROPERTIES = frozenset(
    {"CodeUri", "Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Layers", "Events"}
)


def _is_intrinsic(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and (next(iter(value)) in ("Ref", "Condition") or next(iter(value)).startswith("Fn::"))
    )


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM rules: maps merge (resource wins), lists concatenate globals-first, scalars override."""
    if _is_intrinsic(global_value) or _is_intrinsic(local_value):
        return copy.deepcopy(local_value)
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        merged = copy.deepcopy(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return copy.deepcopy(global_value) + copy.deepcopy(local_value)
    return copy.deepcopy(local_value)


def apply_globals(doc: dict[str, Any]) -> dict[str, Any]:
    """Resources with the template's Globals merged into each matching serverless resource."""
    resources = copy.deepcopy(doc["Resources"])
    for section, values in (doc.get("Globals") or {}).items():
        rtype = GLOBAL_SECTIONS.get(section)
        for body in resources.values():
            if rtype and body.get("Type") == rtype:
                body["Properties"] = merge_globals(values, body.get("Properties") or {})
    return resources


@dataclass
class Template:
    """A loaded template: raw resources (Globals applied), parameters and a resolver."""

    path: Path
    doc: dict[str, Any]
    resources: dict[str, Any]
    parameters: dict[str, Any]
    stack_name: str = STACK_NAME
    physical: PhysicalIds = field(default_factory=PhysicalIds)

    @classmethod
    def load(
        cls,
        path: Path,
        parameter_overrides: dict[str, Any] | None = None,
        stack_name: str = STACK_NAME,
    ) -> Template:
        path = path.resolve()
        doc = load_yaml(path)
        parameters = parameter_values(doc.get("Parameters") or {}, parameter_overrides or {})
        template = cls(path, doc, apply_globals(doc), parameters, stack_name)
        template.drop_false_conditions()
        template.plan()
        return template

    @property
    def root(self) -> Path:
        """Directory CodeUri/ContentUri paths are relative to."""
        return self.path.parent

    @property
    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }

    @property
    def resolver(self) -> Resolver:
        return Resolver(
            self.parameters,
            self.pseudo,
            self.resources,
            self.physical,
            self.doc.get("Conditions"),
            self.doc.get("Mappings"),
        )

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    def order(self) -> list[str]:
        return dependency_order(self.resources)

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    def props(self, logical_id: str, only: frozenset[str] | None = None) -> dict[str, Any]:
        """A resource's Properties (or just ``only`` of them), resolved against current physical ids."""
        raw = self.resources[logical_id].get("Properties") or {}
        if only is not None:
            raw = {k: v for k, v in raw.items() if k in only}
        return dict(self.resolve(raw))

    def drop_false_conditions(self) -> None:
        """Resources whose ``Condition`` is false do not exist (e.g. the console without ConsoleEnabled)."""
        resolver = self.resolver
        for logical, body in list(self.resources.items()):
            if "Condition" in body and not resolver.condition(body["Condition"]):
                del self.resources[logical]

    def plan(self) -> None:
        """Plan every physical id (resources in dependency order, then SAM's implicit ones)."""
        resolver = self.resolver
        for logical in self.order():
            body = self.resources[logical]
            raw = body.get("Properties") or {}
            names = {}
            for key in NAME_PROPERTIES:
                if key in raw:
                    with contextlib.suppress(TemplateError):  # keep the default name
                        names[key] = resolver.resolve(raw[key])
            ref, attrs = plan_ids(logical, body.get("Type", ""), names, self.stack_name)
            self.physical.set(logical, ref, **attrs)
        for logical, body in self.of_type(*FUNCTION_TYPES).items():
            if "Role" not in (body.get("Properties") or {}):
                ref, attrs = plan_ids(f"{logical}Role", "AWS::IAM::Role", {}, self.stack_name)
                self.physical.set(f"{logical}Role", ref, **attrs)
        for logical in [*self.of_type("AWS::Serverless::Api"), IMPLICIT_API]:
            self.physical.set(f"{logical}UsagePlan", f"{self.stack_name}-{logical}UsagePlan")
        self.physical.set(IMPLICIT_API, api_id(IMPLICIT_API, self.stack_name))

    # ------------------------------------------------------------------ typed views
    def layers(self) -> dict[str, Layer]:
        out = {}
        for logical in self.of_type(*LAYER_TYPES):
            props = self.props(logical)
            content = props.get("ContentUri") or props.get("Content")
            out[logical] = Layer(
                logical_id=logical,
                arn=self.physical.refs[logical],
                content_uri=(self.root / content) if isinstance(content, str) else None,
            )
        return out

    def functions(self) -> dict[str, Function]:
        layers = self.layers()
        return {
            logical: self._function(logical, self.props(logical, FUNCTION_PROPERTIES), layers)
            for logical in self.of_type(*FUNCTION_TYPES)
        }

    def global_function(self) -> Function:
        """The Globals.Function settings alone: the environment shared by every function."""
        raw = (self.doc.get("Globals") or {}).get("Function") or {}
        props = self.resolve({k: v for k, v in raw.items() if k in FUNCTION_PROPERTIES})
        return self._function("Globals", {"CodeUri": ".", **props}, self.layers())

    def _function(self, logical: str, props: dict[str, Any], layers: dict[str, Layer]) -> Function:
        env = (props.get("Environment") or {}).get("Variables") or {}
        fn_layers = []
        for arn in props.get("Layers") or []:
            owner = self.physical.logical_for(str(arn))
            if owner in layers:
                fn_layers.append(layers[owner])
        code = props.get("CodeUri") or "."
        ref, attrs = (self.physical.refs.get(logical), self.physical.attrs.get(logical, {}))
        if ref is None:
            ref, attrs = plan_ids(logical, "AWS::Serverless::Function", {}, self.stack_name)
        return Function(
            logical_id=logical,
            name=ref,
            arn=attrs["Arn"],
            code_uri=self.root / str(code),
            handler=str(props.get("Handler", "app.lambda_handler")),
            runtime=str(props.get("Runtime", "")),
            timeout=float(props.get("Timeout", 3)),
            memory_size=int(props.get("MemorySize", 128)),
            environment={str(k): env_str(v) for k, v in env.items()},
            layers=tuple(fn_layers),
            events=dict(props.get("Events") or {}),
        )

    def apis(self) -> dict[str, Api]:
        out = {}
        for logical in self.of_type(*API_TYPES):
            props = self.props(logical)
            out[logical] = build_api(logical, self.physical.refs[logical], props, self._function_for)
        if any(r.rest_api_id == IMPLICIT_API for r in self.routes()):
            implicit = dict(self.resolve((self.doc.get("Globals") or {}).get("Api") or {}))
            implicit.setdefault("StageName", "Prod")
            out[IMPLICIT_API] = build_api(
                IMPLICIT_API, self.physical.refs[IMPLICIT_API], implicit, self._function_for
            )
        return out

    def _function_for(self, arn_or_name: str) -> str:
        logical = self.physical.logical_for(arn_or_name)
        if logical is None or logical not in self.of_type(*FUNCTION_TYPES):
            raise TemplateError(f"{arn_or_name} is not a function of this template")
        return logical

    def routes(self) -> list[Route]:
        """Every Api event of every function (path templates as written in the template)."""
        routes = []
        for logical, fn in self.functions().items():
            for event_name, event in fn.events.items():
                if event.get("Type") != "Api":
                    continue
                props = event.get("Properties") or {}
                api = props.get("RestApiId")
                auth = props.get("Auth") or {}
                api_logical = self.physical.logical_for(str(api)) if api else None
                routes.append(
                    Route(
                        function_id=logical,
                        event_name=event_name,
                        path=str(props["Path"]),
                        method=str(props["Method"]).upper(),
                        rest_api_id=api_logical or IMPLICIT_API,
                        authorizer=auth.get("Authorizer"),
                        api_key_required=auth.get("ApiKeyRequired"),
                    )
                )
        return routes

    def sqs_mappings(self) -> list[SqsMapping]:
        out = []
        for logical, fn in self.functions().items():
            for event_name, event in fn.events.items():
                props = event.get("Properties") or {}
                if event.get("Type") == "SQS" and props.get("Enabled", True) is not False:
                    out.append(
                        SqsMapping(
                            function_id=logical,
                            event_name=event_name,
                            queue_arn=str(props["Queue"]),
                            batch_size=int(props.get("BatchSize", 10)),
                            batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                            report_batch_item_failures="ReportBatchItemFailures"
                            in (props.get("FunctionResponseTypes") or []),
                        )
                    )
        return out

    def schedules(self) -> list[Schedule]:
        out = []
        for logical, fn in self.functions().items():
            for event_name, event in fn.events.items():
                props = event.get("Properties") or {}
                if event.get("Type") in ("Schedule", "ScheduleV2"):
                    enabled = (
                        props.get("Enabled", True) is not False and props.get("State", "ENABLED") == "ENABLED"
                    )
                    out.append(
                        Schedule(
                            function_id=logical,
                            event_name=event_name,
                            expression=str(props.get("Schedule") or props.get("ScheduleExpression")),
                            input=props.get("Input"),
                            enabled=enabled,
                        )
                    )
        return out

    def sns_events(self) -> list[SnsEvent]:
        out = []
        for logical, fn in self.functions().items():
            for event_name, event in fn.events.items():
                props = event.get("Properties") or {}
                if event.get("Type") == "SNS":
                    out.append(
                        SnsEvent(
                            function_id=logical,
                            event_name=event_name,
                            topic_arn=str(props["Topic"]),
                            filter_policy=props.get("FilterPolicy"),
                        )
                    )
        return out


def env_str(value: Any) -> str:
    """Render a resolved value the way CloudFormation renders an env var (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(env_str(v) for v in value)
    return str(value)
