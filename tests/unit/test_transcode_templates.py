"""Template rules, the conversion to RenditionSpec, the system presets and the group recipe."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mediaflow.errors import ApiError
from mediaflow.records import names, transaction
from mediaflow.transcode import groups, presets, template_service
from mediaflow.transcode.templates import Template, TemplateError, to_spec, validated


def template(pack_type: int = 4, video: Any = None, audio: Any = None, **extra: Any) -> Template:
    body: dict[str, Any] = {"template_name": "t", "common": {"pack_type": pack_type}, **extra}
    if video is not None:
        body["video"] = video
    body["audio"] = {"channels": 2} if audio is None else audio
    return Template.model_validate(body)


def error_field(**kwargs: Any) -> str:
    """The field named by the first error, whether a field range (pydantic) or a cross-field rule."""
    try:
        validated(template(**kwargs))
    except ValidationError as exc:
        return ".".join(str(p) for p in exc.errors()[0]["loc"])
    except TemplateError as exc:
        return exc.field
    raise AssertionError("the template was accepted")


@pytest.mark.parametrize(
    ("section", "name", "good", "bad"),
    [
        ("video", "bitrate", [0, 40, 30000], [-1, 39, 30001]),
        ("video", "codec", [1, 2], [0, 3]),
        ("video", "level", [1, 15], [0, 16]),
        ("video", "preset", [1, 3, 4, 5], [0, 2, 6]),
        ("video", "max_iframes_interval", [2, 10], [1, 11]),
        ("video", "bframes_count", [0, 7], [-1, 8]),
        ("video", "width", [0, 32, 4096], [-2, 4098]),
        ("video", "height", [0, 32, 2880], [-2, 2882]),
        ("video", "black_cut", [0, 1, 2], [3]),
        ("video", "output_policy", ["transcode", "discard"], ["copy"]),
        ("audio", "codec", [1, 2, 3, 4], [0, 5]),
        ("audio", "sample_rate", [1, 2, 3, 4, 5, 6], [0, 7]),
        ("audio", "bitrate", [0, 8, 1000], [7, 1001]),
        ("audio", "channels", [1, 2, 6], [0, 3, 5]),
        ("common", "hls_interval", [2, 10], [1, 11]),
        ("common", "dash_interval", [2, 10], [1, 11]),
        ("common", "pack_type", [1, 2, 3, 4], [0, 7]),
    ],
)
def test_every_field_range(section: str, name: str, good: list[Any], bad: list[Any]) -> None:
    def build(value: Any) -> Template:
        parts: dict[str, Any] = {
            "video": {},
            "audio": {"channels": 2, "codec": 1},
            "common": {"pack_type": 4},
        }
        parts[section] = {**parts[section], name: value}
        return Template.model_validate({"template_name": "t", **parts})

    for value in good:
        build(value)
    for value in bad:
        with pytest.raises(ValidationError) as caught:
            build(value)
        assert caught.value.errors()[0]["loc"] == (section, name)


@pytest.mark.parametrize(("given", "stored"), [(0, 0), (4, 0), (5, 5), (60, 60), (61, 0), (-3, 0), (120, 0)])
def test_frame_rates_outside_the_range_become_zero_as_mpc_documents(given: int, stored: int) -> None:
    assert validated(template(video={"frame_rate": given})).video.frame_rate == stored  # type: ignore[union-attr]


def test_codec_decides_profiles_and_defaults() -> None:
    h264 = validated(template(video={})).video
    h265 = validated(template(video={"codec": 2})).video
    assert h264 is not None and h265 is not None
    assert (h264.profile, h264.bframes_count, h265.profile, h265.bframes_count) == (3, 4, 4, 7)
    assert error_field(video={"codec": 1, "profile": 4}) == "video.profile"
    for profile in (1, 2, 3):
        assert error_field(video={"codec": 2, "profile": profile}) == "video.profile"
        validated(template(video={"codec": 1, "profile": profile}))
    validated(template(video={"codec": 2, "profile": 4, "bframes_count": 0}))


@pytest.mark.parametrize(
    ("codec", "name", "good", "bad"),
    [
        (1, "width", [0, 32, 34, 4096], [30, 33, 4095]),
        (1, "height", [0, 32, 2880], [30, 721]),
        (2, "width", [0, 160, 164, 4096], [156, 162, 1282]),
        (2, "height", [0, 96, 100, 2880], [92, 98, 722]),
    ],
)
def test_dimensions_follow_the_codec(codec: int, name: str, good: list[int], bad: list[int]) -> None:
    for value in good:
        validated(template(video={"codec": codec, name: value}))
    for value in bad:
        assert error_field(video={"codec": codec, name: value}) == f"video.{name}"


@pytest.mark.parametrize("pack_type", [5, 6])
def test_audio_only_packs_take_no_video_parameters(pack_type: int) -> None:
    codec = 4 if pack_type == 5 else 1
    audio = {"codec": codec, "channels": 2}
    assert error_field(pack_type=pack_type, video={"height": 720}, audio=audio) == "video"
    assert error_field(pack_type=pack_type, video={"output_policy": "transcode"}, audio=audio) == "video"
    for harmless in ({}, {"output_policy": "discard"}):
        assert validated(template(pack_type=pack_type, video=harmless, audio=audio)).video is None
    discarded = {**audio, "output_policy": "discard"}
    assert error_field(pack_type=pack_type, audio=discarded) == "audio.output_policy"


def test_audio_rules_the_encoders_need() -> None:
    assert error_field(pack_type=5, audio={"codec": 1, "channels": 2}) == "audio.codec"
    assert error_field(pack_type=6, audio={"codec": 4, "channels": 2}) == "audio.codec"
    assert error_field(audio={"codec": 4, "channels": 6}) == "audio.channels"
    assert error_field(audio={"codec": 4, "channels": 2, "sample_rate": 6}) == "audio.sample_rate"
    assert error_field(audio={"codec": 3, "channels": 1}) == "audio.channels"
    both = {"video": {"output_policy": "discard"}, "audio": {"output_policy": "discard", "channels": 2}}
    assert error_field(**both) == "video.output_policy"


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a", True), ("Hd_720p_2", True), ("x" * 128, True), ("", False), ("x" * 129, False), ("a b", False),
     ("a-b", False), ("名字", False), ("a.b", False), ("a\n", False)],
)  # fmt: skip
def test_template_name_rule(name: str, ok: bool) -> None:
    if ok:
        template(template_name=name)
    else:
        with pytest.raises(ValidationError) as caught:
            template(template_name=name)
        assert caught.value.errors()[0]["loc"] == ("template_name",)


def test_the_sys_prefix_is_reserved_for_presets() -> None:
    for name in ("sys_x", "SYS_x"):
        with pytest.raises(ApiError) as caught:
            template_service.checked(template(template_name=name))
        assert caught.value.code == "MPC.10202" and caught.value.message.startswith(
            "Invalid request parameter: template_name: "
        )
    template_service.checked(template(template_name="system_x"))


def test_to_spec_maps_every_enum() -> None:
    full = template(
        pack_type=3,
        video={"codec": 2, "bitrate": 2400, "level": 10, "preset": 3, "max_iframes_interval": 2,
               "bframes_count": 3, "frame_rate": 30, "width": 1280, "height": 720},
        audio={"codec": 2, "sample_rate": 4, "bitrate": 64, "channels": 6},
        common={"pack_type": 3, "hls_interval": 4, "dash_interval": 8},
    )  # fmt: skip
    spec = to_spec(100001, full, "clip_1")
    assert (spec.template_id, spec.pack_type, spec.output_name) == (100001, "HLS+DASH", "clip_1")
    assert (spec.hls_interval, spec.dash_interval) == (4, 8)
    assert spec.video is not None and spec.audio is not None
    assert spec.video.model_dump() == {
        "codec": "h265", "width": 1280, "height": 720, "bitrate_kbps": 2400, "profile": "main265",
        "level": "4.0", "preset": "slow", "gop_seconds": 2.0, "bframes": 3, "frame_rate": 30.0,
    }  # fmt: skip
    assert spec.audio.model_dump() == {
        "codec": "heaac1",
        "sample_rate": 44100,
        "bitrate_kbps": 64,
        "channels": 6,
    }
    presets_map = {1: "veryfast", 3: "slow", 4: "medium", 5: "fast"}
    for mpc, x26x in presets_map.items():
        assert to_spec(1, template(video={"preset": mpc}), "o").video.preset == x26x  # type: ignore[union-attr]
    levels = {1: "1.0", 8: "3.0", 11: "4.0", 13: "4.2", 15: "5.1"}
    for mpc_level, level in levels.items():
        assert to_spec(1, template(video={"level": mpc_level}), "o").video.level == level  # type: ignore[union-attr]
    assert to_spec(1, template(video={"codec": 2, "level": 13}), "o").video.level == "5.0"  # type: ignore[union-attr]
    rates = {1: 0, 2: 22050, 3: 32000, 4: 44100, 5: 48000, 6: 96000}
    for mpc_rate, hz in rates.items():
        assert (
            to_spec(1, template(audio={"sample_rate": mpc_rate, "channels": 2}), "o").audio.sample_rate == hz
        )  # type: ignore[union-attr]


def test_to_spec_drops_discarded_tracks() -> None:
    no_video = to_spec(1, template(video={"output_policy": "discard"}), "o")
    assert no_video.video is None and no_video.audio is not None and no_video.audio_only
    no_audio = to_spec(1, template(audio={"output_policy": "discard", "channels": 2}), "o")
    assert no_audio.audio is None and no_audio.video is not None
    mp3 = to_spec(1, template(pack_type=5, audio={"codec": 4, "channels": 2}), "o")
    assert (mp3.pack_type, mp3.video, mp3.audio and mp3.audio.codec) == ("MP3", None, "mp3")
    defaults = to_spec(1, template(video={}), "o")
    assert defaults.audio is not None and defaults.audio.model_dump() == {
        "codec": "aac", "sample_rate": 0, "bitrate_kbps": 0, "channels": 2
    }  # fmt: skip


# ------------------------------------------------------------------------------ presets


def test_presets_are_valid_templates_with_unique_stable_ids_and_names() -> None:
    everything = presets.all_presets()
    ids = [i for i, _ in everything]
    names = [t.template_name for _, t in everything]
    assert len(set(ids)) == len(ids) == 40 and all(1 <= i <= 999 for i in ids)
    assert len(set(names)) == len(names) and all(n.startswith("sys_") for n in names)
    for template_id, preset in everything:
        assert validated(preset) == preset
        assert to_spec(template_id, preset, "o").template_id == template_id
    assert (presets.get(131).template_name, presets.get(264).template_name) == (  # type: ignore[union-attr]
        "sys_h264_hls_720p",
        "sys_h265_mp4_2160p",
    )


def test_presets_follow_the_documented_ladder() -> None:
    h264 = {"360p": 365, "540p": 2000, "720p": 4500, "1080p": 7800, "1440p": 10900, "2160p": 15600}
    h265 = {"360p": 145, "540p": 1600, "720p": 3400, "1080p": 5800, "1440p": 8100, "2160p": 11600}
    packs = {"hls": 1, "dash": 2, "mp4": 4}
    for codec, ladder in ((1, h264), (2, h265)):
        for rung, (label, kbps) in enumerate(ladder.items(), start=1):
            for pack_name, pack in packs.items():
                preset = presets.get(codec * 100 + rung * 10 + pack)
                assert preset is not None and preset.video is not None and preset.audio is not None
                assert preset.template_name == f"sys_h{264 if codec == 1 else 265}_{pack_name}_{label}"
                assert (preset.video.codec, preset.video.bitrate, preset.video.height) == (
                    codec,
                    kbps,
                    int(label[:-1]),
                )
                assert (preset.video.profile, preset.video.max_iframes_interval) == (
                    3 if codec == 1 else 4,
                    2,
                )
                assert preset.common.pack_type == pack and preset.common.hls_interval == 6
                assert preset.audio.bitrate == (96 if int(label[:-1]) <= 540 else 128)
    audio_only = {951: (5, 4, 128), 952: (5, 4, 320), 961: (6, 1, 128), 962: (6, 1, 320)}
    for template_id, (pack, codec, kbps) in audio_only.items():
        preset = presets.get(template_id)
        assert preset is not None and preset.video is None and preset.audio is not None
        assert (preset.common.pack_type, preset.audio.codec, preset.audio.bitrate) == (pack, codec, kbps)


# ------------------------------------------------------------------------------ ids, transactions, groups


@pytest.mark.parametrize(
    ("values", "ids"),
    [(None, []), (["1"], [1]), (["1,2", "3"], [1, 2, 3]), (["2, 2", "2"], [2]), ([",,5,"], [5])],
)
def test_template_ids_repeat_or_use_commas(values: list[str] | None, ids: list[int]) -> None:
    assert template_service.parse_ids(values, "template_id") == ids


@pytest.mark.parametrize(
    "values", [[",".join(str(i) for i in range(11))], [str(i) for i in range(11)], ["1a"], ["-1"]]
)
def test_more_than_ten_ids_or_non_integers_are_refused(values: list[str]) -> None:
    with pytest.raises(ApiError) as caught:
        template_service.parse_ids(values, "template_id")
    assert caught.value.code == "MPC.10202" and "template_id" in caught.value.message


class _Cancelled(Exception):
    def __init__(self, codes: list[str]) -> None:
        super().__init__("cancelled")
        self.response = {"CancellationReasons": [{"Code": c} for c in codes]}


class _FakeDynamo:
    class exceptions:  # mirrors botocore's client.exceptions
        TransactionCanceledException = _Cancelled

    def __init__(self, outcomes: list[list[str] | None]) -> None:
        self.outcomes = outcomes
        self.calls: list[list[dict[str, Any]]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:  # boto3's argument name
        self.calls.append(TransactItems)
        codes = self.outcomes.pop(0)
        if codes is not None:
            raise _Cancelled(codes)


def _ops(project: str = "p") -> list[transaction.Op]:
    from mediaflow.transcode import template_store

    one = template_store.template_record(project, 100000, template())
    two = template_store.template_record(project, 100001, template())
    lock = template_store.name_lock(project, "t", 100000)
    return [transaction.NewRecord(one), transaction.NewRecord(two), names.Claim(lock)]


def test_a_transaction_moves_each_count_once_and_retries_only_conflicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transaction.time, "sleep", lambda _: None)
    fake = _FakeDynamo([["None", "None", "TransactionConflict"], None])
    transaction.write_ops(_ops(), "t", fake)
    assert len(fake.calls) == 2
    updates = [i["Update"] for i in fake.calls[0] if "Update" in i]
    assert sorted((u["Key"]["sk"]["S"], u["ExpressionAttributeValues"][":d"]["N"]) for u in updates) == [
        ("COUNTER#COUNT#TEMPLATE", "2"),
        ("COUNTER#COUNT#TEMPLATE#ACTIVE", "2"),
    ]
    taken = _FakeDynamo([["None", "None", "ConditionalCheckFailed"]])
    with pytest.raises(transaction.Cancelled) as caught:
        transaction.write_ops(_ops(), "t", taken)
    assert [lock.name for lock in names.claims_failed(caught.value, "TPLNAME")] == ["t"]


def _group(*videos: dict[str, Any], **parts: Any) -> groups.GroupDefinition:
    body = {"name": "g", "videos": list(videos), "common": {"pack_type": 1}, **parts}
    return groups.GroupDefinition.model_validate(body)


def test_group_members_are_named_and_built_from_the_shared_settings() -> None:
    sd = {"width": 0, "height": 360, "bitrate": 730, "stream_name": "sd"}
    hd = {"width": 1280, "height": 720, "bitrate": 3000}
    shared = {"video_common": {"codec": 2, "max_iframes_interval": 2}, "audio": {"channels": 6}}
    made = groups.members(_group(sd, hd, **shared))
    assert [t.template_name for t in made] == ["g_sd", "g_1"]
    assert [(t.video.codec, t.video.height, t.video.bitrate, t.video.max_iframes_interval) for t in made] == [  # type: ignore[union-attr]
        (2, 360, 730, 2),
        (2, 720, 3000, 2),
    ]
    assert all(t.audio is not None and t.audio.channels == 6 for t in made)


@pytest.mark.parametrize(
    ("videos", "parts", "field"),
    [
        ([{"width": 162, "height": 360, "bitrate": 730}], {"video_common": {"codec": 2}}, "videos.0.width"),
        ([{"width": 0, "height": 360, "bitrate": 730}], {"video_common": {"codec": 2, "profile": 1}},
         "video_common.profile"),
        ([{"width": 0, "height": 360, "bitrate": 730}], {"common": {"pack_type": 6}}, "common.pack_type"),
        ([{"width": 0, "height": 360, "bitrate": 730}], {"video_common": {"output_policy": "discard"}},
         "video_common.output_policy"),
        ([{"width": 0, "height": 360, "bitrate": 730, "stream_name": "x"}] * 2, {}, "videos.1.stream_name"),
        ([{"width": 0, "height": 360, "bitrate": 730, "stream_name": "x" * 127}], {}, "videos.0.stream_name"),
        ([{"width": 0, "height": 360, "bitrate": 730}], {"name": "SYS"}, "name"),
    ],
)  # fmt: skip
def test_group_errors_name_the_groups_own_field(
    videos: list[dict[str, Any]], parts: dict[str, Any], field: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        groups.members(_group(*videos, **parts))
    assert caught.value.field == field
