"""CloudFormation YAML loading and intrinsic-function resolution.

The template is the single description of the stack, so everything local is computed by
resolving the template's own intrinsics against parameters, pseudo parameters and the physical
ids of the resources the local stack created (``PhysicalIds``).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


class TemplateError(Exception):
    """The template cannot be understood or resolved locally."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns ``!Tag value`` into the long ``{"Fn::Tag": value}`` form."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        logical, _, attr = value.partition(".")
        return {"Fn::GetAtt": [logical, attr]}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML file, short tags included."""
    with path.open(encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(doc, dict) or "Resources" not in doc:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return doc


@dataclass
class PhysicalIds:
    """What ``Ref`` and ``Fn::GetAtt`` return for each resource (planned, then real)."""

    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)

    def set(self, logical_id: str, ref: str, **attrs: str) -> None:
        self.refs[logical_id] = ref
        self.attrs.setdefault(logical_id, {}).update(attrs)

    def logical_for(self, value: str) -> str | None:
        """Reverse lookup: which resource has this Ref value or attribute value."""
        for logical, ref in self.refs.items():
            if ref == value or value in self.attrs.get(logical, {}).values():
                return logical
        return None


class _NoValue:
    """``AWS::NoValue``: the enclosing key or list item disappears."""


NO_VALUE = _NoValue()
_SUB_VAR = re.compile(r"\$\{([^}]+)\}")


class Resolver:
    """Evaluates intrinsic functions; see the CloudFormation intrinsic function reference."""

    def __init__(
        self,
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        resources: dict[str, Any],
        physical: PhysicalIds,
        conditions: dict[str, Any] | None = None,
        mappings: dict[str, Any] | None = None,
    ) -> None:
        self.parameters = parameters
        self.pseudo = pseudo
        self.resources = resources
        self.physical = physical
        self._conditions_raw = conditions or {}
        self._conditions: dict[str, bool] = {}
        self.mappings = mappings or {}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key in ("Ref", "Condition") or key.startswith("Fn::"):
                    return self._intrinsic(key, arg)
            out = {}
            for k, v in value.items():
                r = self.resolve(v)
                if r is not NO_VALUE:
                    out[k] = r
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._conditions_raw:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(self._conditions_raw[name]))
        return self._conditions[name]

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical.refs:
            return self.physical.refs[name]
        raise TemplateError(f"cannot resolve Ref {name}")

    def get_att(self, name: str, attr: str) -> str:
        try:
            return self.physical.attrs[name][attr]
        except KeyError:
            raise TemplateError(f"cannot resolve Fn::GetAtt {name}.{attr}") from None

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(arg)
        if key == "Condition":
            return self.condition(arg)
        fn = key[4:]
        handler = getattr(self, f"_fn_{fn.lower()}", None)
        if handler is None:
            raise TemplateError(f"intrinsic {key} is not supported locally")
        return handler(arg)

    def _fn_getatt(self, arg: Any) -> str:
        name, attr = arg.split(".", 1) if isinstance(arg, str) else arg
        return self.get_att(name, self.resolve(attr))

    def _fn_sub(self, arg: Any) -> str:
        template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        variables = self.resolve(variables)

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] not in self.parameters:
                logical, attr = name.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(name))

        return _SUB_VAR.sub(substitute, template)

    def _fn_join(self, arg: Any) -> str:
        delimiter, items = arg
        return str(delimiter).join(str(i) for i in self.resolve(items))

    def _fn_select(self, arg: Any) -> Any:
        index, items = self.resolve(arg)
        return items[int(index)]

    def _fn_split(self, arg: Any) -> list[str]:
        delimiter, text = self.resolve(arg)
        return str(text).split(delimiter)

    def _fn_if(self, arg: Any) -> Any:
        name, if_true, if_false = arg
        return self.resolve(if_true if self.condition(name) else if_false)

    def _fn_equals(self, arg: Any) -> bool:
        left, right = self.resolve(arg)
        return str(left) == str(right)

    def _fn_not(self, arg: Any) -> bool:
        return not self._truth(arg[0])

    def _fn_and(self, arg: Any) -> bool:
        return all(self._truth(a) for a in arg)

    def _fn_or(self, arg: Any) -> bool:
        return any(self._truth(a) for a in arg)

    def _truth(self, value: Any) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        return bool(self.resolve(value))

    def _fn_findinmap(self, arg: Any) -> Any:
        name, top, second = self.resolve(arg[:3])
        try:
            return self.mappings[name][top][second]
        except KeyError:
            if len(arg) > 3:  # DefaultValue form of the LanguageExtensions transform
                return self.resolve(arg[3]).get("DefaultValue")
            raise TemplateError(f"Fn::FindInMap {name}/{top}/{second} not found") from None

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(str(self.resolve(arg)).encode()).decode()

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_length(self, arg: Any) -> int:
        return len(self.resolve(arg))

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))


def references(value: Any) -> set[str]:
    """Names that ``value`` refers to through Ref, Fn::GetAtt or Fn::Sub (for ordering)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add((arg.split(".", 1) if isinstance(arg, str) else arg)[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                for name in _SUB_VAR.findall(text):
                    if not name.startswith("!"):
                        found.add(name.split(".", 1)[0])
                if not isinstance(arg, str):
                    found |= references(arg[1])
            else:
                found |= references(arg)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids ordered so that every resource comes after what it references."""
    deps: dict[str, set[str]] = {}
    for logical, body in resources.items():
        depends_on = body.get("DependsOn", [])
        wanted = references(body.get("Properties", {})) | set(
            [depends_on] if isinstance(depends_on, str) else depends_on
        )
        deps[logical] = {d for d in wanted if d in resources and d != logical}
    ordered: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, chain: tuple[str, ...]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise TemplateError(f"circular dependency: {' -> '.join((*chain, node))}")
        state[node] = 1
        for dep in sorted(deps[node]):
            visit(dep, (*chain, node))
        state[node] = 2
        ordered.append(node)

    for logical in resources:
        visit(logical, ())
    return ordered


def parameter_values(declared: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Parameter values: defaults, then overrides, checked against AllowedValues/AllowedPattern."""
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"unknown parameters: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name not in overrides and "Default" not in spec:
            raise TemplateError(f"parameter {name} has no default; pass an override")
        value = overrides.get(name, spec.get("Default"))
        allowed = spec.get("AllowedValues")
        if allowed is not None and str(value) not in [str(a) for a in allowed]:
            raise TemplateError(f"parameter {name}={value} not in {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, str(value)):
            raise TemplateError(f"parameter {name}={value} does not match {pattern}")
        if str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")):
            value = [v.strip() for v in str(value).split(",")] if isinstance(value, str) else value
        values[name] = value
    return values
