"""Transcoding templates and template groups through their Lambda handlers, against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mediaflow.records import store
from mediaflow.transcode import groups, template_store
from mediaflow.transcode.templates import to_spec
from tests.integration.test_auth import create_project_doc
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event

TEMPLATES = "/v1/{project_id}/template/transcodings"
GROUPS = "/v1/{project_id}/template_group/transcodings"
AUDIO_SHOWN = {"output_policy": "transcode", "codec": 1, "sample_rate": 5, "bitrate": 128, "channels": 2}
VIDEO_DEFAULTS = {"output_policy": "transcode", "codec": 1, "profile": 3, "preset": 1, "bframes_count": 4}
VIDEO_DEFAULTS |= {"frame_rate": 0, "black_cut": 0}
GROUP_MISSING = {"error_code": "MPC.10231", "error_msg": "The template group does not exist."}
VERBS = {"POST": "create", "PUT": "update", "GET": "get", "DELETE": "delete"}


def call(
    method: str, resource: str, project: str, body: Any = None, query: dict[str, list[str]] | None = None
) -> tuple[int, Any]:
    """One request through the route's own function; ``query`` values may repeat, as API Gateway sends."""
    event = api_event(method, resource, {"project_id": project}, project_id=project, body=body)
    if query:
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
        event["multiValueQueryStringParameters"] = query
    name = f"{VERBS[method]}_{'transcode_template' if resource == TEMPLATES else 'template_group'}"
    name = "list_transcode_presets" if resource.endswith("/presets") else name
    response = load_function(name).lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def hls(name: str, **video: Any) -> dict[str, Any]:
    return {
        "template_name": name,
        "video": {"codec": 1, "bitrate": 3000, "height": 720, **video},
        "audio": {"codec": 1, "sample_rate": 5, "bitrate": 128, "channels": 2},
        "common": {"hls_interval": 6, "pack_type": 1},
    }


def create(project: str, body: dict[str, Any]) -> int:
    status, answer = call("POST", TEMPLATES, project, body)
    assert status == 201, answer
    return int(answer["template_id"])


def get_ids(project: str, *ids: int) -> dict[str, Any]:
    status, answer = call("GET", TEMPLATES, project, query={"template_id": [",".join(map(str, ids))]})
    assert status == 200, answer
    return dict(answer)


def assert_mpc_error(answer: tuple[int, Any], code: str, *, field: str | None = None) -> None:
    status, body = answer
    assert (status, body["error_code"]) == (400, code), body
    if field is not None:
        assert body["error_msg"].startswith(f"Invalid request parameter: {field}: "), body


@pytest.fixture
def project(core_env: MotoStack) -> str:
    return create_project_doc("templates")["project_id"]


@pytest.fixture
def other_project(core_env: MotoStack) -> str:
    return create_project_doc("someone-else")["project_id"]


def test_template_crud_answers_mpc_shapes(project: str) -> None:
    template_id = create(project, hls("hd_720"))
    assert template_id >= 100000
    video = {**VIDEO_DEFAULTS, "max_iframes_interval": 5, "bitrate": 3000, "width": 0, "height": 720}
    common = {"PVC": False, "hls_interval": 6, "dash_interval": 5, "pack_type": 1}
    shown = {"template_name": "hd_720", "video": video, "audio": AUDIO_SHOWN, "common": common}
    assert get_ids(project, template_id) == {
        "template_array": [{"template_id": template_id, "template": shown}],
        "total": 1,
    }
    renamed = {**hls("hd_720_v2", codec=2, width=1280), "template_id": template_id}
    assert call("PUT", TEMPLATES, project, renamed) == (200, {})
    (entry,) = get_ids(project, template_id)["template_array"]
    assert entry["template"]["template_name"] == "hd_720_v2"
    assert (entry["template"]["video"]["codec"], entry["template"]["video"]["bframes_count"]) == (2, 7)
    assert call("DELETE", TEMPLATES, project, query={"template_id": [str(template_id)]}) == (204, None)
    assert get_ids(project, template_id) == {"template_array": [], "total": 0}
    assert_mpc_error(
        call("DELETE", TEMPLATES, project, query={"template_id": [str(template_id)]}), "MPC.10089"
    )


def test_template_names_are_unique_per_project_and_freed_by_rename_and_delete(
    project: str, other_project: str
) -> None:
    first = create(project, hls("same"))
    assert_mpc_error(call("POST", TEMPLATES, project, hls("same")), "MPC.10091")
    create(other_project, hls("same"))  # another project's names are its own
    second = create(project, hls("other"))
    assert_mpc_error(call("PUT", TEMPLATES, project, {**hls("same"), "template_id": second}), "MPC.10091")
    assert call("PUT", TEMPLATES, project, {**hls("renamed"), "template_id": first})[0] == 200
    create(project, hls("same"))  # the old name was released by the rename
    assert call("DELETE", TEMPLATES, project, query={"template_id": [str(second)]})[0] == 204
    create(project, hls("other"))


def test_racing_creates_with_one_name_exactly_one_wins(project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests get past every check before either commits; the name lock decides.

    The interleaving is forced (the second request runs to completion inside the first one's
    commit) because moto's transactions are not isolated between threads."""
    real_write = store.transact
    answers: list[tuple[int, Any]] = []

    def interleaved(ops: Any) -> None:
        monkeypatch.setattr(store, "transact", real_write)
        answers.append(call("POST", TEMPLATES, project, hls("contested")))
        real_write(ops)

    monkeypatch.setattr(store, "transact", interleaved)
    answers.append(call("POST", TEMPLATES, project, hls("contested")))
    assert sorted(status for status, _ in answers) == [201, 400]
    winner = next(body["template_id"] for status, body in answers if status == 201)
    assert next(body for status, body in answers if status == 400)["error_code"] == "MPC.10091"
    listed = call("GET", TEMPLATES, project)[1]
    assert [e["template_id"] for e in listed["template_array"]] == [winner]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (hls("a", bitrate=39), "video.bitrate"),
        (hls("a", profile=4), "video.profile"),
        (hls("a", codec=2, width=162), "video.width"),
        ({**hls("a"), "audio": {"codec": 1}}, "audio.channels"),
        ({**hls("a"), "common": {"hls_interval": 5}}, "common.pack_type"),
        (hls("bad name"), "template_name"),
        (hls("sys_mine"), "template_name"),
        ({**hls("a"), "common": {"pack_type": 5}}, "video"),
        (
            {**hls("a", output_policy="discard"), "audio": {"output_policy": "discard", "channels": 2}},
            "video.output_policy",
        ),
    ],
)
def test_invalid_fields_are_mpc_10202_naming_the_field(project: str, body: Any, field: str) -> None:
    assert_mpc_error(call("POST", TEMPLATES, project, body), "MPC.10202", field=field)


def test_queries_take_ten_ids_repeated_or_comma_separated(project: str) -> None:
    mine = create(project, hls("mine"))
    status, answer = call("GET", TEMPLATES, project, query={"template_id": ["131", f"{mine},999999"]})
    assert status == 200
    assert [e["template_id"] for e in answer["template_array"]] == [131, mine]
    assert answer["total"] == 2
    eleven = [str(i) for i in range(100000, 100011)]
    for query in (eleven, [",".join(eleven)], ["x1"]):
        answer = call("GET", TEMPLATES, project, query={"template_id": query})
        assert_mpc_error(answer, "MPC.10202", field="template_id")
    assert call("GET", TEMPLATES, project, query={"template_id": eleven[:10]})[0] == 200


def test_listing_pages_through_custom_templates_oldest_first(project: str) -> None:
    made = [create(project, hls(f"t{i}")) for i in range(5)]
    pages = [call("GET", TEMPLATES, project, query={"page": [str(p)], "size": ["2"]})[1] for p in range(4)]
    listed = [[e["template_id"] for e in p["template_array"]] for p in pages]
    assert listed == [made[:2], made[2:4], made[4:], []]
    assert {p["total"] for p in pages} == {5}
    assert_mpc_error(call("GET", TEMPLATES, project, query={"size": ["101"]}), "MPC.10202", field="size")


def test_presets_are_listed_fetched_by_id_and_protected(project: str) -> None:
    status, answer = call("GET", TEMPLATES + "/presets", project)
    assert status == 200 and answer["total"] == len(answer["template_array"]) == 40
    by_id = {e["template_id"]: e for e in answer["template_array"]}
    assert by_id[131]["template"]["template_name"] == "sys_h264_hls_720p"
    assert get_ids(project, 131)["template_array"] == [by_id[131]]
    for answer in (
        call("DELETE", TEMPLATES, project, query={"template_id": ["131"]}),
        call("PUT", TEMPLATES, project, {**hls("mine"), "template_id": 131}),
    ):
        assert_mpc_error(answer, "MPC.10202", field="template_id")


def test_another_projects_templates_look_missing(project: str, other_project: str) -> None:
    theirs = create(other_project, hls("private"))
    never = theirs + 1000
    for template_id in (theirs, never):
        assert get_ids(project, template_id) == {"template_array": [], "total": 0}
        missing = call("DELETE", TEMPLATES, project, query={"template_id": [str(template_id)]})
        assert missing == (400, {"error_code": "MPC.10089", "error_msg": "The template file does not exist."})
        assert call("PUT", TEMPLATES, project, {**hls("x"), "template_id": template_id}) == missing
    with pytest.raises(template_store.TemplateNotFound):
        template_store.resolve(project, theirs)
    assert call("GET", TEMPLATES, project)[1] == {"template_array": [], "total": 0}
    assert get_ids(other_project, theirs)["total"] == 1


# ------------------------------------------------------------------------------ template groups


def ladder(name: str, *streams: tuple[int, int, str | None], **common: Any) -> dict[str, Any]:
    videos = [
        {"width": 0, "height": h, "bitrate": b, **({"stream_name": s} if s else {})} for h, b, s in streams
    ]
    return {
        "name": name,
        "videos": videos,
        "audio": {"codec": 1, "sample_rate": 5, "bitrate": 128, "channels": 2},
        "video_common": {"codec": 1, "max_iframes_interval": 2},
        "common": {"hls_interval": 6, "pack_type": 1, **common},
    }


def create_group(project: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = call("POST", GROUPS, project, body)
    assert status == 200, answer
    return dict(answer["template_group"])


def groups_by(project: str, **query: str) -> dict[str, Any]:
    status, answer = call("GET", GROUPS, project, query={k: [v] for k, v in query.items()})
    assert status == 200, answer
    return dict(answer)


def test_a_group_makes_one_template_per_rendition_that_resolves(project: str) -> None:
    group = create_group(project, ladder("abr", (360, 730, "sd"), (720, 3000, None)))
    sd, hd = group["template_ids"]
    assert len(group["group_id"]) == 32 and int(group["group_id"], 16) >= 0
    assert group == {
        "group_id": group["group_id"],
        "name": "abr",
        "template_ids": [sd, hd],
        "videos": [
            {"template_id": sd, "width": 0, "height": 360, "bitrate": 730},
            {"template_id": hd, "width": 0, "height": 720, "bitrate": 3000},
        ],
        "audio": AUDIO_SHOWN,
        "video_common": {**VIDEO_DEFAULTS, "max_iframes_interval": 2},
        "common": {"PVC": False, "hls_interval": 6, "dash_interval": 5, "pack_type": 1},
    }
    names = [e["template"]["template_name"] for e in get_ids(project, sd, hd)["template_array"]]
    assert names == ["abr_sd", "abr_1"]
    members = groups.group_templates(project, group["group_id"])
    assert [tid for tid, _ in members] == [sd, hd]
    spec = to_spec(hd, members[1][1], "out")
    assert spec.video is not None and (spec.pack_type, spec.video.height, spec.video.bitrate_kbps) == (
        "HLS",
        720,
        3000,
    )
    assert groups_by(project, group_id=group["group_id"]) == {"template_group_list": [group], "total": 1}
    assert groups_by(project, group_name="abr") == {"template_group_list": [group], "total": 1}
    for answer in (  # the group owns its templates
        call("DELETE", TEMPLATES, project, query={"template_id": [str(sd)]}),
        call("PUT", TEMPLATES, project, {**hls("x"), "template_id": hd}),
    ):
        assert_mpc_error(answer, "MPC.10202", field="template_id")


def test_updating_a_group_keeps_ids_by_position_and_moves_names(project: str) -> None:
    group = create_group(project, ladder("abr", (360, 730, "sd"), (720, 3000, "hd")))
    sd, hd = group["template_ids"]
    grown = ladder("tv", (360, 730, "sd"), (720, 3000, "hd"), (1080, 6000, "fhd"))
    grown["group_id"] = group["group_id"]
    status, answer = call("PUT", GROUPS, project, grown)
    assert status == 200, answer
    ids = answer["template_group"]["template_ids"]
    assert ids[:2] == [sd, hd] and ids[2] > hd
    names = [e["template"]["template_name"] for e in get_ids(project, *ids)["template_array"]]
    assert names == ["tv_sd", "tv_hd", "tv_fhd"]
    create(project, hls("abr_sd"))  # released by the rename
    create_group(project, ladder("abr", (360, 730, None)))  # so was the group name
    shrunk = {**ladder("tv", (480, 1100, "hd")), "group_id": group["group_id"]}
    assert call("PUT", GROUPS, project, shrunk)[1]["template_group"]["template_ids"] == [sd]
    (only,) = get_ids(project, *ids)["template_array"]
    assert (only["template_id"], only["template"]["template_name"]) == (sd, "tv_hd")
    assert only["template"]["video"]["height"] == 480
    create(project, hls("tv_fhd"))


def test_swapping_stream_names_moves_each_name_to_its_new_holder(project: str) -> None:
    group = create_group(project, ladder("swap", (360, 730, "a"), (720, 3000, "b")))
    first, second = group["template_ids"]
    swapped = {**ladder("swap", (360, 730, "b"), (720, 3000, "a")), "group_id": group["group_id"]}
    assert call("PUT", GROUPS, project, swapped)[0] == 200
    names = {
        e["template_id"]: e["template"]["template_name"]
        for e in get_ids(project, first, second)["template_array"]
    }
    assert names == {first: "swap_b", second: "swap_a"}
    assert_mpc_error(call("POST", TEMPLATES, project, hls("swap_a")), "MPC.10091")
    create_group(project, ladder("taken", (360, 730, None)))
    renamed = {**ladder("taken", (360, 730, "a")), "group_id": group["group_id"]}
    assert_mpc_error(call("PUT", GROUPS, project, renamed), "MPC.10230")
    assert call("DELETE", GROUPS, project, query={"group_id": [group["group_id"]]})[0] == 204
    create(project, hls("swap_a"))
    create(project, hls("swap_b"))


def test_deleting_a_group_deletes_its_templates_and_frees_the_names(project: str) -> None:
    group = create_group(project, ladder("gone", (360, 730, None), (720, 3000, None)))
    query = {"group_id": [group["group_id"]]}
    assert call("DELETE", GROUPS, project, query=query) == (204, None)
    assert get_ids(project, *group["template_ids"]) == {"template_array": [], "total": 0}
    assert groups_by(project, group_id=group["group_id"]) == {"template_group_list": [], "total": 0}
    with pytest.raises(groups.GroupNotFound):
        groups.group_templates(project, group["group_id"])
    assert_mpc_error(call("DELETE", GROUPS, project, query=query), "MPC.10231")
    create(project, hls("gone_0"))
    create_group(project, ladder("gone", (360, 730, "x")))


def test_group_name_and_member_name_clashes_leave_nothing_behind(project: str) -> None:
    create_group(project, ladder("abr", (360, 730, None)))
    assert_mpc_error(call("POST", GROUPS, project, ladder("abr", (720, 3000, None))), "MPC.10230")
    create(project, hls("new_hd"))
    status, body = call("POST", GROUPS, project, ladder("new", (360, 730, "sd"), (720, 3000, "hd")))
    assert (status, body["error_code"]) == (400, "MPC.10091") and "new_hd" in body["error_msg"]
    assert groups_by(project, group_name="new")["total"] == 0
    assert call("GET", TEMPLATES, project)[1]["total"] == 2  # abr_0 and new_hd only
    create(project, hls("new_sd"))
    missing = {**ladder("x", (360, 730, None)), "group_id": "0" * 32}
    assert_mpc_error(call("PUT", GROUPS, project, missing), "MPC.10231")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ladder("g", (360, 730, None)), "videos": []}, "videos"),
        (ladder("g", *[(360, 730, None)] * 10), "videos"),
        (ladder("g", (360, 39, None)), "videos.0.bitrate"),
        (
            {**ladder("g", (360, 730, None), (722, 3000, None)), "video_common": {"codec": 2}},
            "videos.1.height",
        ),
        (ladder("g", (360, 730, None), pack_type=5), "common.pack_type"),
        (ladder("g", (360, 730, "bad-name")), "videos.0.stream_name"),
        (ladder("sys", (360, 730, None)), "name"),
    ],
)
def test_invalid_groups_are_mpc_10202_naming_the_field(project: str, body: Any, field: str) -> None:
    assert_mpc_error(call("POST", GROUPS, project, body), "MPC.10202", field=field)


def test_group_queries_page_and_take_ten_ids_or_names(project: str) -> None:
    made = [create_group(project, ladder(f"g{i}", (360, 730, None)))["group_id"] for i in range(3)]
    pages = [groups_by(project, page=str(p), size="2") for p in range(2)]
    assert [[g["group_id"] for g in p["template_group_list"]] for p in pages] == [made[:2], made[2:]]
    assert {p["total"] for p in pages} == {3}
    both = groups_by(project, group_id=f"{made[2]},{'f' * 32}", group_name="g0")
    assert [g["group_id"] for g in both["template_group_list"]] == [made[2], made[0]]
    eleven = ",".join(f"n{i}" for i in range(11))
    answer = call("GET", GROUPS, project, query={"group_name": [eleven]})
    assert_mpc_error(answer, "MPC.10202", field="group_name")


def test_another_projects_groups_look_missing(project: str, other_project: str) -> None:
    theirs = create_group(other_project, ladder("private", (360, 730, None)))
    for group_id in (theirs["group_id"], "e" * 32):
        assert groups_by(project, group_id=group_id) == {"template_group_list": [], "total": 0}
        missing = call("DELETE", GROUPS, project, query={"group_id": [group_id]})
        assert missing == (400, GROUP_MISSING)
        update = {**ladder("private", (360, 730, None)), "group_id": group_id}
        assert call("PUT", GROUPS, project, update) == missing
    assert groups_by(project, group_name="private")["total"] == 0
    with pytest.raises(groups.GroupNotFound):
        groups.group_templates(project, theirs["group_id"])
    assert len(groups.group_templates(other_project, theirs["group_id"])) == 1
