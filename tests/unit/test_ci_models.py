"""CI request rules: SmartCover parameters, UserData, JobLevel, callbacks, NotifyConfig, and the
Output.Object wildcards and locations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mediaflow.ci import locations
from mediaflow.ci.models import CoverParams, NotifySpec, OutputTarget, SubmitRequest, TemplateRequest, parse
from mediaflow.errors import ApiError
from mediaflow.settings import reset_settings

PROJECT = "0123456789abcdef0123456789abcdef"
BUCKET = "media-test-bucket"


def request(**operation: Any) -> dict[str, Any]:
    op = {"Output": {"Region": "us-east-1", "Bucket": BUCKET, "Object": "o-${number}.jpg"}, **operation}
    return {"Tag": "SmartCover", "Input": {"Object": "in.mp4"}, "Operation": op}


def invalid(model: Any, data: Any) -> str:
    with pytest.raises(ApiError) as caught:
        parse(model, data)
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")
    return caught.value.message


def test_defaults_and_echo() -> None:
    params = parse(CoverParams, "")  # <SmartCover/>
    assert (params.Format, params.Width, params.Height, params.Count, params.DeleteDuplicates) == (
        "jpg", None, None, 3, False,
    )  # fmt: skip
    assert params.echo() == {"Format": "jpg", "Count": "3", "DeleteDuplicates": "false"}
    full = parse(CoverParams, {"Format": "WEBP", "Width": "4096", "Height": "128", "Count": "10",
                               "DeleteDuplicates": "TRUE"})  # fmt: skip
    assert full.echo() == {"Format": "webp", "Width": "4096", "Height": "128", "Count": "10",
                           "DeleteDuplicates": "true"}  # fmt: skip
    assert parse(CoverParams, {"Width": "", "Count": ""}).Count == 3  # empty elements are absent


@pytest.mark.parametrize(
    ("field", "value"),
    [("Count", "0"), ("Count", "11"), ("Count", "2.5"), ("Width", "127"), ("Width", "4097"),
     ("Height", "12x"), ("Format", "gif"), ("DeleteDuplicates", "1"), ("DeleteDuplicates", "yes")],
)  # fmt: skip
def test_bad_smart_cover_parameters_name_the_field(field: str, value: str) -> None:
    message = invalid(SubmitRequest, request(SmartCover={field: value}))
    assert message.startswith(f"Operation.SmartCover.{field}:")


@pytest.mark.parametrize("data", ["x" * 1024, "", "Printable ~ !@#$%^&*()_+{}|:<>?"])
def test_user_data_printable_ascii_up_to_1024(data: str) -> None:
    assert parse(SubmitRequest, request(UserData=data)).Operation.UserData == (data or None)


@pytest.mark.parametrize("data", ["x" * 1025, "caf\u00e9", "line\nbreak", "tab\t", "\x7f"])
def test_user_data_refused(data: str) -> None:
    assert invalid(SubmitRequest, request(UserData=data)).startswith("Operation.UserData")


@pytest.mark.parametrize(
    ("value", "ok"), [("0", True), ("2", True), ("3", False), ("-1", False), ("01", False)]
)
def test_job_level(value: str, ok: bool) -> None:
    if ok:
        assert parse(SubmitRequest, request(JobLevel=value)).Operation.JobLevel == int(value)
    else:
        assert invalid(SubmitRequest, request(JobLevel=value)).startswith("Operation.JobLevel")


def test_tag_callbacks_and_missing_parts() -> None:
    assert invalid(SubmitRequest, {**request(), "Tag": "Transcode"}) == "Tag: must be SmartCover"
    assert invalid(SubmitRequest, {"Tag": "SmartCover", "Operation": request()["Operation"]}).startswith(
        "Input"
    )
    assert invalid(SubmitRequest, request(Output="")).startswith("Operation.Output")
    ok = parse(
        SubmitRequest, {**request(), "CallBack": "no", "CallBackFormat": "json", "CallBackType": "url"}
    )
    assert (ok.CallBack, ok.CallBackFormat, ok.CallBackType) == ("no", "JSON", "Url")
    assert "CallBackMqConfig" in invalid(SubmitRequest, {**request(), "CallBackType": "TDMQ"})
    mq = {"MqRegion": "gz", "MqName": "covers"}
    assert parse(
        SubmitRequest, {**request(), "CallBackType": "TDMQ", "CallBackMqConfig": mq}
    ).CallBackMqConfig
    assert invalid(SubmitRequest, {**request(), "CallBackMqConfig": {"MqRegion": "xx", "MqName": "q"}})


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a", True),
        ("x_-*9", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("has space", False),
        ("", False),
        ("dot.name", False),
    ],
)
def test_template_names(name: str, ok: bool) -> None:
    data = {"Tag": "SmartCover", "Name": name}
    assert (parse(TemplateRequest, data).Name == name) if ok else invalid(TemplateRequest, data)


def test_notify_config_rules() -> None:
    on = {"State": "on", "Event": "TaskFinish", "Type": "Url", "Url": "https://h.example/x"}
    notify = parse(NotifySpec, on)
    assert notify.sends("TaskFinish") and not notify.sends("WorkflowFinish")
    assert not parse(NotifySpec, {"State": "Off", "Url": "https://h"}).sends("TaskFinish")
    assert invalid(NotifySpec, {**on, "Event": "Other"})
    assert invalid(NotifySpec, {**on, "Url": ""})
    assert invalid(NotifySpec, {**on, "Type": "TDMQ"})
    assert parse(NotifySpec, {**on, "Type": "TDMQ", "MqRegion": "sh", "MqName": "q"}).Type == "TDMQ"


@pytest.fixture
def media_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MEDIAFLOW_BUCKET", BUCKET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    reset_settings()
    yield
    reset_settings()


def pattern(
    obj: str, count: int = 3, fmt: str = "png", bucket: str = BUCKET, region: str = "us-east-1"
) -> str:
    target = OutputTarget(Region=region, Bucket=bucket, Object=obj)
    return locations.output_pattern(PROJECT, target, count=count, fmt=fmt, job_id="j" + "a" * 32)


def test_output_wildcards(media_bucket: None) -> None:
    prefix = f"outputs/{PROJECT}/"
    assert pattern("c/${jobid}/cover-${number}.${ext}") == f"{prefix}c/j{'a' * 32}/cover-${{number}}.png"
    assert pattern("cover-${Number}.jpg") == f"{prefix}cover-${{number}}.jpg"  # the older spelling
    assert pattern(f"{prefix}x/c-${{number}}.jpg") == f"{prefix}x/c-${{number}}.jpg"  # a full key stays
    assert pattern("one.jpg", count=1) == f"{prefix}one.jpg"
    assert locations.cover_key(f"{prefix}c-${{number}}.jpg", 7) == f"{prefix}c-7.jpg"
    assert locations.object_name(PROJECT, f"{prefix}a/b.jpg") == "a/b.jpg"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"obj": "cover.jpg"},  # Count 3 without ${number}
        {"obj": "../up-${number}.jpg"},
        {"obj": "/abs-${number}.jpg"},
        {"obj": "covers/"},
        {"obj": "uploads/x-${number}.jpg"},
        {"obj": f"uploads/{PROJECT}/x-${{number}}.jpg"},  # own uploads/: still not an output place
        {"obj": "outputs/ffffffffffffffffffffffffffffffff/x-${number}.jpg"},
        {"obj": "c-${number}.jpg", "region": "ap-chongqing"},
    ],
)
def test_output_locations_refused(media_bucket: None, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as caught:
        pattern(**kwargs)
    assert caught.value.code == "InvalidArgument" and caught.value.message.startswith("Operation.Output")


def test_input_keys_follow_the_same_rule(media_bucket: None) -> None:
    assert locations.input_key(PROJECT, "in/demo.mp4") == f"outputs/{PROJECT}/in/demo.mp4"
    own = f"uploads/{PROJECT}/{'b' * 32}/source.mp4"
    assert locations.input_key(PROJECT, own) == own
    for bad in ("../x.mp4", "uploads/other/x.mp4", "a\x00b"):
        with pytest.raises(ApiError):
            locations.input_key(PROJECT, bad)
