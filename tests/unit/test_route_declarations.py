"""Every API route in template.yaml is served by its function's router, and nothing else is.

API Gateway routes a request to a Lambda by the template's (method, path); the Lambda's Powertools
router then matches its own declaration. If the two drift, the route answers 404 from inside the
function, so this is checked for every function, both ways."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from local.openapi import _load
from local.template import Template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = Template.load(REPO / "template.yaml")
CATCH_ALL_RULE = "/.*"  # Powertools matches a rule as a regex: the unsupported-operation function
FUNCTIONS = TEMPLATE.functions()


def _template_routes() -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for route in TEMPLATE.routes():
        found[route.function_id].add((route.method, route.path))
    return found


def _router_routes(function_id: str) -> set[tuple[str, str]]:
    router = _load(FUNCTIONS[function_id].code_uri).router
    declared = set()
    for key in router._routes:  # Powertools keeps (rule, methods, ...) per declaration
        rule, methods = key[0], key[1]
        path = re.sub(r"<(\w+)>", r"{\1}", rule)  # Powertools' <name> is API Gateway's {name}
        if path == CATCH_ALL_RULE:  # a regex rule: everything the greedy resources send
            declared |= {("ANY", "/"), ("ANY", "/{proxy+}")}
            continue
        declared |= {(method.upper(), path) for method in methods}
    return declared


TEMPLATE_ROUTES = _template_routes()


@pytest.mark.parametrize("function_id", sorted(TEMPLATE_ROUTES))
def test_each_template_route_is_the_function_s_router_route(function_id: str) -> None:
    assert _router_routes(function_id) == TEMPLATE_ROUTES[function_id]


def test_each_route_has_exactly_one_function() -> None:
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for function_id, routes in TEMPLATE_ROUTES.items():
        for route in routes:
            owners[route].append(function_id)
    assert {route: fns for route, fns in owners.items() if len(fns) != 1} == {}


def test_no_function_declares_a_route_the_template_does_not_give_it() -> None:
    for function_id, fn in FUNCTIONS.items():
        app = fn.code_uri / "app.py"
        if function_id in TEMPLATE_ROUTES or "Router()" not in app.read_text():
            continue
        assert _router_routes(function_id) == set(), f"{function_id} has routes but no Api event"
