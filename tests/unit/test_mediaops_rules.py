"""Pure rules of the media operations: time points, names, sizes, WebVTT cues, watermark numbers
and where a watermark lands in the filter graph (source time across chunks)."""

from __future__ import annotations

import pytest

from mediaflow.errors import ApiError
from mediaflow.mediaops import sprites
from mediaflow.mediaops.frames import Size, fit
from mediaflow.mediaops.thumbnail_params import SpritePara, ThumbnailPara, picture_names, points_ms, tar_name
from mediaflow.mediaops.watermarks import length
from mediaflow.transcode import overlays
from mediaflow.transcode.overlays import Length, Prepared, WatermarkSpec


def test_time_grid_from_start_for_duration_within_the_source() -> None:
    para = ThumbnailPara(type="TIME", time=10, start_time=5, duration=30)
    assert points_ms(para, 100.0) == [5000, 15000, 25000]
    assert points_ms(ThumbnailPara(type="TIME", time=12), 30.0) == [0, 12000, 24000]
    assert points_ms(ThumbnailPara(type="TIME", time=10, duration=0), 25.0) == [
        0,
        10000,
        20000,
    ]  # 0: to the end


def test_points_beyond_the_source_or_too_many_are_refused() -> None:
    with pytest.raises(ValueError, match="dots"):
        points_ms(ThumbnailPara(type="DOTS", dots=[1, 50]), 10.0)
    with pytest.raises(ValueError, match="start_time"):
        points_ms(ThumbnailPara(type="TIME", start_time=20), 10.0)
    with pytest.raises(ValueError, match="more than 1000"):
        points_ms(ThumbnailPara(type="TIME", time=1), 7200.0)


def test_names_follow_mpc() -> None:
    one = ThumbnailPara(type="DOTS", dots=[3], output_filename="cover")
    assert picture_names(one, "src", [3000]) == ["cover.jpg"]
    many = ThumbnailPara(type="DOTS", dots=[1, 2], format=2)
    assert picture_names(many, "my clip", [1000, 2500]) == ["my_clip_1.png", "my_clip_2500ms.png"]
    assert tar_name(many, "my clip") == "my_clip.tar"


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((0, 0, 0), (1920, 1080)),
        ((640, 0, 0), (640, 360)),
        ((0, 200, 0), (356, 200)),
        ((400, 400, 0), (400, 225)),  # inside the box, never distorted
        ((3840, 2160, 0), (1920, 1080)),  # never upscaled
        ((0, 0, 480), (480, 270)),
    ],
)
def test_picture_sizes(box: tuple[int, int, int], expected: tuple[int, int]) -> None:
    assert fit(Size(1920, 1080), *box) == Size(*expected)


def test_webvtt_cues_point_at_each_tile() -> None:
    para = SpritePara(column_count=2, row_count=1, width=100)
    vtt = sprites.webvtt([0, 5000, 10000], 12000, ["s_000.jpg", "s_001.jpg"], Size(100, 56), para)
    assert vtt.splitlines()[:3] == ["WEBVTT", "", "00:00:00.000 --> 00:00:05.000"]
    assert "s_000.jpg#xywh=100,0,100,56" in vtt
    assert "00:00:10.000 --> 00:00:12.000\ns_001.jpg#xywh=0,0,100,56" in vtt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16", Length(value=16, ratio=False)),
        ("0.25", Length(value=0.25, ratio=True)),
        ("0.123456", Length(value=0.1234, ratio=True)),
        ("", None),
    ],
)
def test_mpc_lengths(text: str, expected: Length | None) -> None:
    assert length(text, "dx", 0, 4096) == expected


@pytest.mark.parametrize("text", ["1.5", "-3", "abc", "5000", "0.0000"])
def test_bad_lengths_name_the_field(text: str) -> None:
    with pytest.raises(ApiError) as refused:
        length(text, "watermarks[0].dx", 0, 4096)
    assert refused.value.code == "MPC.10202" and "watermarks[0].dx" in refused.value.message


def test_a_chunk_draws_on_source_time() -> None:
    spec = WatermarkSpec(
        kind="text", text="x", start_s=3, duration_s=2, referpos="BottomRight", base="output"
    )
    prepared = Prepared([spec], texts={0: "wm_text_0.txt"})
    whole = overlays.graph(prepared, "output", "b0", "o0", (320, 240), 0.0, "0")
    chunk = overlays.graph(prepared, "output", "b0", "o0", (320, 240), 9.5, "0")
    assert "enable='between(t,3.000000,5.000000)'" in whole[0]
    assert "enable='between(t+9.500000,3.000000,5.000000)'" in chunk[0]
    assert "x=w-text_w-0" in whole[0] and "expansion=none" in whole[0]
    assert overlays.graph(prepared, "input", "0:0", "wmin", (320, 240), 0.0, "in") == []


def test_image_watermark_sizes_follow_each_rendition() -> None:
    spec = WatermarkSpec(
        kind="image",
        image_key="k.png",
        width=Length(value=0.1, ratio=True),
        dx=Length(value=0.05, ratio=True),
        base="output",
    )
    prepared = Prepared([spec], images={0: "/tmp/wm_0.png"})
    small = ";".join(overlays.graph(prepared, "output", "b0", "o0", (640, 360), 0.0, "0"))
    large = ";".join(overlays.graph(prepared, "output", "b1", "o1", (1280, 720), 0.0, "1"))
    assert "scale=64:-1" in small and "x=main_w-overlay_w-32" in small
    assert "scale=128:-1" in large and "x=main_w-overlay_w-64" in large
    assert overlays.image_splits(prepared, {"output": ["0", "1"]}) == ["[1:v]split=2[wms0_0][wms0_1]"]
