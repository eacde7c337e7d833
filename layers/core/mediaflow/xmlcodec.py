"""XML bodies of the CI family: dicts to ``<Response>`` documents and back.

Lists become repeated elements (``JobsDetail``, ``ObjectName``), every scalar is text, as CI
sends it. Parsing goes through defusedxml: DTDs, entities and external references are refused.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException


class XmlError(ValueError):
    """The body is not acceptable XML (malformed, or it carries a DTD or entities)."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _element(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_element(name, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(_element(k, v) for k, v in value.items() if v is not None)
        return f"<{name}>{inner}</{name}>"
    if value is None or value == "":
        return f"<{name}/>"
    return f"<{name}>{_text(value)}</{name}>"


def dumps(root: str, body: dict[str, Any]) -> str:
    return _element(root, body)


def loads(text: str | bytes, *, list_fields: frozenset[str] = frozenset()) -> tuple[str, dict[str, Any]]:
    """Parse a document into (root tag, dict). Repeated elements, and names in ``list_fields``, are lists."""
    try:
        root = ElementTree.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as exc:
        raise XmlError(f"invalid XML: {exc.__class__.__name__}") from exc
    return root.tag, _to_dict(root, list_fields)


def _to_dict(node: Any, list_fields: frozenset[str]) -> Any:
    children = list(node)
    if not children:
        return (node.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        value = _to_dict(child, list_fields)
        if child.tag in out:
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        elif child.tag in list_fields:
            out[child.tag] = [value]
        else:
            out[child.tag] = value
    return out
