"""The CI request documents and their rules, for XML and JSON bodies alike.

``wire`` turns either body into the same dict of strings (XML text, JSON scalars as text), so one
set of models validates both. An empty element (``<UserData/>``) counts as absent; an empty
container (``<SmartCover/>``) as one with every default. Unknown elements are ignored, as CI
ignores them. Every failure is InvalidArgument naming the field (``Operation.SmartCover.Count``).
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mediaflow.api.ci_errors import from_validation

TAG = "SmartCover"
FORMATS = ("jpg", "png", "webp")
MAX_COUNT = 10
_NAME = re.compile(r"^[A-Za-z0-9_*-]{1,64}$")
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_*\-\u4e00-\u9fff]{1,128}$")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]*$")
EVENTS = ("TaskFinish", "WorkflowFinish")

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def _one_of(value: Any, choices: tuple[str, ...]) -> Any:
    """Case-insensitive match to the documented spelling (``json`` -> ``JSON``, ``url`` -> ``Url``)."""
    if isinstance(value, str):
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
    return value


class Node(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if data == "":
            return {}
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data


class CoverParams(Node):
    """``SmartCover``: the same nodes in a template and inline in a job."""

    Format: Literal["jpg", "png", "webp"] = "jpg"
    Width: int | None = Field(None, ge=128, le=4096, description="Only Width: Height from the aspect ratio")
    Height: int | None = Field(None, ge=128, le=4096, description="Only Height: Width from the aspect ratio")
    Count: int = Field(3, ge=1, le=MAX_COUNT)
    DeleteDuplicates: bool = False

    @field_validator("Format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> Any:
        return _one_of(value, FORMATS)

    @field_validator("DeleteDuplicates", mode="before")
    @classmethod
    def _true_false(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, bool):
            return value
        raise ValueError("must be true or false")

    def echo(self) -> dict[str, str]:
        """The parameters as CI echoes them (strings; Width/Height only when given)."""
        shown = {"Format": self.Format, "Width": self.Width, "Height": self.Height, "Count": self.Count}
        out = {k: str(v) for k, v in shown.items() if v is not None}
        out["DeleteDuplicates"] = "true" if self.DeleteDuplicates else "false"
        return out


# A relative key whose segments never are '.' or '..' (what storage.keys accepts, in a form a
# schema-driven client can generate; the API also takes spaces and other characters).
RELATIVE_KEY = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,7}$"


class InputObject(Node):
    Object: str = Field(min_length=1, max_length=1024, json_schema_extra={"pattern": RELATIVE_KEY})


class OutputTarget(Node):
    Region: str = Field(min_length=1, max_length=64)
    Bucket: str = Field(min_length=1, max_length=63)
    Object: str = Field(
        min_length=1,
        max_length=1024,
        description="A relative key under outputs/<project>/; ${number} is required when Count > 1",
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]{1,32}(/[A-Za-z0-9_-]{1,32}){0,3}-\$\{number\}\.jpg$"},
    )


class OperationSpec(Node):
    TemplateId: str | None = Field(
        None, max_length=64, description="Wins over SmartCover when both are given"
    )
    SmartCover: CoverParams | None = None
    Output: OutputTarget
    UserData: str | None = Field(None, max_length=1024)
    JobLevel: int = Field(0, ge=0, le=2, description="0, 1 or 2; higher runs first")

    @field_validator("UserData")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not _PRINTABLE_ASCII.match(value):
            raise ValueError("must be printable ASCII")
        return value

    @field_validator("JobLevel", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in ("0", "1", "2"):
            raise ValueError("must be 0, 1 or 2")
        return value


class MqConfig(Node):
    MqRegion: Literal["sh", "bj", "gz", "cd", "hk"]
    MqMode: Literal["Queue", "Topic"] = "Queue"
    MqName: str = Field(min_length=1, max_length=128)


def _tag() -> Any:
    return Field(json_schema_extra={"enum": [TAG]})  # documented as what the validator accepts


class SubmitRequest(Node):
    Tag: str = _tag()
    Input: InputObject
    Operation: OperationSpec
    QueueId: str | None = Field(None, max_length=64, description="Optional (older API); the project's queue")
    CallBack: str | None = Field(None, max_length=2048, description="URL, or 'no' for no callback at all")
    CallBackFormat: Literal["JSON", "XML"] | None = None
    CallBackType: Literal["Url", "TDMQ"] | None = None
    CallBackMqConfig: MqConfig | None = None

    @field_validator("Tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if value != TAG:
            raise ValueError(f"must be {TAG}")
        return value

    @field_validator("CallBackFormat", mode="before")
    @classmethod
    def _cb_format(cls, value: Any) -> Any:
        return _one_of(value, ("JSON", "XML"))

    @field_validator("CallBackType", mode="before")
    @classmethod
    def _cb_type(cls, value: Any) -> Any:
        return _one_of(value, ("Url", "TDMQ"))

    @model_validator(mode="after")
    def _mq_config(self) -> SubmitRequest:
        if self.CallBackType == "TDMQ" and self.CallBackMqConfig is None:
            raise ValueError("CallBackMqConfig is required when CallBackType is TDMQ")
        return self


class TemplateRequest(Node):
    Tag: str = _tag()
    Name: str = Field(json_schema_extra={"pattern": _NAME.pattern})
    SmartCover: CoverParams = CoverParams()

    @field_validator("Tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if value != TAG:
            raise ValueError(f"must be {TAG}")
        return value

    @field_validator("Name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("1-64 letters, digits, '_', '-' or '*'")
        return value


class NotifySpec(Node):
    State: Literal["On", "Off"] = "Off"
    Event: str | None = Field(None, max_length=64, description="TaskFinish and/or WorkflowFinish, comma list")
    ResultFormat: Literal["XML", "JSON"] | None = None
    Type: Literal["Url", "TDMQ"] | None = None
    Url: str | None = Field(None, max_length=2048)
    MqMode: Literal["Queue", "Topic"] | None = None
    MqRegion: Literal["sh", "bj", "gz", "cd", "hk"] | None = None
    MqName: str | None = Field(None, max_length=128)

    @field_validator("State", mode="before")
    @classmethod
    def _state(cls, value: Any) -> Any:
        return _one_of(value, ("On", "Off"))

    @field_validator("ResultFormat", mode="before")
    @classmethod
    def _format(cls, value: Any) -> Any:
        return _one_of(value, ("XML", "JSON"))

    @field_validator("Type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return _one_of(value, ("Url", "TDMQ"))

    @field_validator("Event")
    @classmethod
    def _events(cls, value: str | None) -> str | None:
        if value is None:
            return None
        names = [_one_of(e.strip(), EVENTS) for e in value.split(",") if e.strip()]
        if not names or any(n not in EVENTS for n in names):
            raise ValueError(f"must be {' and/or '.join(EVENTS)}")
        return ",".join(dict.fromkeys(names))

    @model_validator(mode="after")
    def _complete(self) -> NotifySpec:
        if self.State == "On":
            if not self.Event or not self.Type:
                raise ValueError("Event and Type are required when State is On")
            if self.Type == "Url" and not self.Url:
                raise ValueError("Url is required when Type is Url")
            if self.Type == "TDMQ" and not (self.MqRegion and self.MqName):
                raise ValueError("MqRegion and MqName are required when Type is TDMQ")
        return self

    def sends(self, event: str) -> bool:
        return self.State == "On" and event in (self.Event or "").split(",")


class QueueUpdate(Node):
    Name: str = Field(json_schema_extra={"pattern": _QUEUE_NAME.pattern})
    State: Literal["Active", "Paused"]
    NotifyConfig: NotifySpec | None = Field(None, description="Omitted: the current one is kept")

    @field_validator("Name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _QUEUE_NAME.match(value):
            raise ValueError("1-128 letters, digits, Chinese characters, '_', '-' or '*'")
        return value

    @field_validator("State", mode="before")
    @classmethod
    def _state(cls, value: Any) -> Any:
        return _one_of(value, ("Active", "Paused"))
