"""Parsing captured ffprobe JSON into MediaInfo, and the not-media decision; no subprocesses.

Fixtures were captured with the layer's ffprobe 6.0 (``-print_format json -show_format
-show_streams``) from clips made by tests/support/clips.py; only ``format.filename`` was edited.
"""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from mediaflow.media import BinaryNotFoundError, MediaInfo, find_binary, media_env, not_media_reason
from mediaflow.media.models import parse_rate, rotation_of

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"ffprobe_{name}.json").read_text())
    return data


@pytest.fixture
def rotated() -> dict[str, Any]:
    return load("h264_aac_rot90_ntsc")


def test_rotated_ntsc_clip(rotated: dict[str, Any]) -> None:
    info = MediaInfo.from_ffprobe(rotated)
    assert not_media_reason(rotated) is None
    assert info.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.format_long_name == "QuickTime / MOV"
    assert info.duration_s == pytest.approx(1.001)
    assert info.duration_ms == 1001
    assert info.size == int(rotated["format"]["size"])
    assert info.bitrate == int(rotated["format"]["bit_rate"])
    video = info.video
    assert video is not None
    assert (video.codec, video.profile, video.pix_fmt) == ("h264", "Constrained Baseline", "yuv420p")
    assert (video.width, video.height) == (640, 360)
    assert video.rotation == 90  # ffprobe says -90 (counter-clockwise), players turn it 90 clockwise
    assert (video.display_width, video.display_height) == (360, 640)
    assert video.avg_frame_rate == "30000/1001"
    assert video.frame_rate == pytest.approx(29.97003, abs=1e-5)
    assert video.nb_frames == 30
    assert video.bitrate and video.bitrate > 0
    assert [(a.codec, a.sample_rate, a.channels, a.channel_layout) for a in info.audio] == [
        ("aac", 48000, 2, "stereo")
    ]


def test_mp3_cover_art_is_not_video() -> None:
    data = load("mp3_cover_art")
    info = MediaInfo.from_ffprobe(data)
    assert not_media_reason(data) is None
    assert info.video is None  # the PNG cover is an attached_pic stream
    assert [a.codec for a in info.audio] == ["mp3"]
    assert info.duration_s == pytest.approx(2.037551)


def test_png_is_not_media() -> None:
    data = load("png_image")
    assert MediaInfo.from_ffprobe(data).video is None
    assert not_media_reason(data) == "still image, not a video"


@pytest.mark.parametrize(
    ("side_data", "tags", "expected"),
    [
        ([{"side_data_type": "Display Matrix", "rotation": -90}], {}, 90),
        ([{"side_data_type": "Display Matrix", "rotation": 90}], {}, 270),
        ([{"side_data_type": "Display Matrix", "rotation": -180}], {}, 180),
        ([{"side_data_type": "Display Matrix", "rotation": 180}], {}, 180),
        ([], {"rotate": "90"}, 90),  # legacy tag (ffprobe < 5), already clockwise
        ([], {"rotate": "270"}, 270),
        ([{"side_data_type": "Display Matrix", "rotation": -90}], {"rotate": "0"}, 90),  # matrix wins
        ([{"side_data_type": "Content light level metadata"}], {}, 0),
        ([], {}, 0),
    ],
)
def test_rotation(side_data: list[dict[str, Any]], tags: dict[str, str], expected: int) -> None:
    assert rotation_of({"side_data_list": side_data, "tags": tags}) == expected


@pytest.mark.parametrize(("rotation", "display"), [(-90, (360, 640)), (180, (640, 360)), (90, (360, 640))])
def test_display_size_follows_rotation(
    rotated: dict[str, Any], rotation: int, display: tuple[int, int]
) -> None:
    rotated["streams"][0]["side_data_list"][0]["rotation"] = rotation
    video = MediaInfo.from_ffprobe(rotated).video
    assert video is not None
    assert (video.display_width, video.display_height) == display


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30000/1001", 29.97003),
        ("25/1", 25.0),
        ("24000/1001", 23.976024),
        ("0/0", None),
        ("N/A", None),
        ("", None),
        (None, None),
        ("1/0", None),
        (50, 50.0),
        ("garbage", None),
    ],
)
def test_parse_rate(value: Any, expected: float | None) -> None:
    assert parse_rate(value) == (pytest.approx(expected, abs=1e-6) if expected else None)


def test_frame_rate_falls_back_to_r_frame_rate(rotated: dict[str, Any]) -> None:
    rotated["streams"][0].update(avg_frame_rate="0/0", r_frame_rate="25/1")
    video = MediaInfo.from_ffprobe(rotated).video
    assert video is not None
    assert (video.frame_rate, video.avg_frame_rate) == (25.0, None)


def test_unknown_numbers_become_none(rotated: dict[str, Any]) -> None:
    rotated["streams"][0].update(bit_rate="N/A", nb_frames="N/A", duration="N/A")
    del rotated["format"]["bit_rate"]
    info = MediaInfo.from_ffprobe(rotated)
    assert info.video is not None
    assert (info.video.bitrate, info.video.nb_frames, info.video.duration_s) == (None, None, None)
    assert info.bitrate == round(info.size * 8 / info.duration_s)  # derived from size and duration


def test_duration_from_streams_when_format_has_none(rotated: dict[str, Any]) -> None:
    del rotated["format"]["duration"]
    assert MediaInfo.from_ffprobe(rotated).duration_s == pytest.approx(1.024, abs=0.03)


def _text_file() -> dict[str, Any]:
    # What ffprobe 6.0 says about a .txt file: a "tty" video stream decoded as ANSI art.
    return {
        "streams": [
            {
                "index": 0,
                "codec_name": "ansi",
                "codec_type": "video",
                "width": 640,
                "height": 400,
                "avg_frame_rate": "25/1",
                "duration": "0.120000",
            }
        ],
        "format": {"format_name": "tty", "duration": "0.120000", "size": "680"},
    }


def test_not_media_decisions(rotated: dict[str, Any]) -> None:
    assert not_media_reason({}) == "no streams"
    assert not_media_reason({"streams": [], "format": {"format_name": "mov"}}) == "no streams"
    assert not_media_reason(_text_file()) == "no audio or video stream with a known codec"

    jpeg = copy.deepcopy(load("png_image"))
    jpeg["format"]["format_name"] = "jpeg_pipe"
    jpeg["streams"][0]["codec_name"] = "mjpeg"
    assert not_media_reason(jpeg) == "still image, not a video"

    single_frame = copy.deepcopy(rotated)
    single_frame["streams"] = [single_frame["streams"][0]]
    single_frame["streams"][0].update(codec_name="png", nb_frames="1")
    assert not_media_reason(single_frame) == "still image, not a video"

    unknown_codec = copy.deepcopy(rotated)
    for stream in unknown_codec["streams"]:
        stream["codec_name"] = "none"
    assert not_media_reason(unknown_codec) == "no audio or video stream with a known codec"

    zero_length = copy.deepcopy(rotated)
    zero_length["format"]["duration"] = "0.000000"
    for stream in zero_length["streams"]:
        stream["duration"] = "N/A"
    assert not_media_reason(zero_length) == "no positive duration"


def test_motion_jpeg_video_is_media(rotated: dict[str, Any]) -> None:
    rotated["streams"][0]["codec_name"] = "mjpeg"  # MJPEG in MOV/AVI from old cameras: many frames
    assert not_media_reason(rotated) is None
    assert MediaInfo.from_ffprobe(rotated).video is not None


def test_model_is_frozen_and_round_trips(rotated: dict[str, Any]) -> None:
    info = MediaInfo.from_ffprobe(rotated)
    assert MediaInfo.model_validate_json(info.model_dump_json()) == info
    with pytest.raises(ValueError, match="frozen"):
        info.size = 1  # type: ignore[misc]


# ------------------------------------------------------------------ binaries (no subprocess)


def _fake_binary(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_binary_prefers_mediaflow_bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = _fake_binary(tmp_path / "mine", "ffprobe")
    _fake_binary(tmp_path / "onpath", "ffprobe")
    monkeypatch.setenv("PATH", str(tmp_path / "onpath"))
    monkeypatch.setenv("MEDIAFLOW_BIN_DIR", str(tmp_path / "mine"))
    assert find_binary("ffprobe") == str(wanted)
    monkeypatch.delenv("MEDIAFLOW_BIN_DIR")  # read at call time, not import time
    if not os.path.exists("/opt/bin/ffprobe"):
        assert find_binary("ffprobe") == str(tmp_path / "onpath" / "ffprobe")


def test_find_binary_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.path.exists("/opt/bin/nonexistent-tool"):
        pytest.skip("unexpected /opt/bin content")
    monkeypatch.setenv("MEDIAFLOW_BIN_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BinaryNotFoundError, match="nonexistent-tool not found"):
        find_binary("nonexistent-tool")


def test_media_env_is_minimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    env = media_env()
    assert env["GCONV_PATH"] == "/dev/null"
    assert set(env) == {"GCONV_PATH", "PATH", "LC_ALL"}
