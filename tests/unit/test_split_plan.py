"""One pass or a split, from the measured cost model: the decision and the chunk grid."""

from __future__ import annotations

import pytest

from mediaflow.media.models import AudioStreamInfo, MediaInfo, VideoStreamInfo
from mediaflow.transcode import cost_model, split_plan
from mediaflow.transcode.spec import AudioSpec, RenditionSpec, VideoSpec

LADDER = [
    RenditionSpec(
        template_id=h, pack_type="HLS", video=VideoSpec(height=h), hls_interval=4, output_name=f"r{h}"
    )
    for h in (1080, 720, 540, 360)
]


def source(seconds: float, width: int = 1920, height: int = 1080, fps: float = 30) -> MediaInfo:
    video = VideoStreamInfo(
        index=0, codec="h264", width=width, height=height, display_width=width, display_height=height,
        rotation=0, frame_rate=fps, avg_frame_rate=f"{fps}", bitrate=None, pix_fmt="yuv420p", profile=None,
        nb_frames=None, duration_s=seconds,
    )  # fmt: skip
    audio = AudioStreamInfo(index=1, codec="aac", sample_rate=48000, channels=2, channel_layout="stereo",
                            bitrate=128000, duration_s=seconds)  # fmt: skip
    return MediaInfo(format_name="mov,mp4", format_long_name=None, duration_s=seconds, size=1, bitrate=None,
                     video=video, audio=[audio])  # fmt: skip


def decide(seconds: float, renditions: list[RenditionSpec] = LADDER, **kwargs: object) -> split_plan.Decision:
    options = {"budget_s": 840.0, "memory_mb": 3538, "parallel": 100, "min_chunk_s": 6.0, **kwargs}
    return split_plan.decide(source(seconds), renditions, **options)  # type: ignore[arg-type]


def test_a_short_source_is_one_pass() -> None:
    made = decide(6)
    assert not made.split and len(made.chunks) == 1
    assert not decide(60, parallel=1).split  # one worker: the parts only add their cost


def test_what_does_not_fit_half_an_invocation_is_split_into_chunks_that_do() -> None:
    made = decide(2 * 3600)
    assert made.split
    assert made.chunk_s % 4 == 0  # on the HLS segment grid
    assert made.chunk_s * made.cost_s <= 840 * split_plan.FILL
    assert made.chunks[0].start_s == 0 and made.chunks[-1].end_s == 2 * 3600
    assert all(a.end_s == b.start_s for a, b in zip(made.chunks, made.chunks[1:], strict=False))
    assert made.split_s < made.single_s / 10  # 100 at a time


def test_the_grid_is_every_segment_length_and_mp4_gop() -> None:
    specs = [
        RenditionSpec(template_id=1, pack_type="HLS", video=VideoSpec(), hls_interval=4, output_name="a"),
        RenditionSpec(template_id=2, pack_type="DASH", video=VideoSpec(), dash_interval=6, output_name="b"),
        RenditionSpec(template_id=3, pack_type="MP4", video=VideoSpec(gop_seconds=5), output_name="c"),
    ]
    assert split_plan.grid_s(specs) == 60


def test_a_split_that_gains_nothing_is_not_taken_but_can_be_forced() -> None:
    one = [LADDER[-1]]
    assert not decide(60, one, parallel=2).split
    assert decide(60, one, parallel=2, mode="always").split
    with pytest.raises(split_plan.TooLong):
        decide(3 * 3600, mode="never")


def test_the_audio_is_shared_by_parts_and_one_that_cannot_finish_is_refused_at_once() -> None:
    """One audio part per shared track (at most MAX_AUDIO_PARTS), each over the whole source: a part
    that cannot finish in 840 s fails the task at the plan (MPC's too-long code), not by timing out."""
    two = [
        spec.model_copy(update={"audio": AudioSpec(bitrate_kbps=96 if i % 2 else 128)})
        for i, spec in enumerate(LADDER)
    ]
    assert split_plan.audio_encodes(LADDER, source(60)) == 1  # one shared track
    assert split_plan.audio_encodes(two, source(60)) == 2
    made = decide(4 * 3600, two)
    assert made.split and made.audio_parts == 2  # ~790 s each, in parallel
    assert made.split_s >= 4 * 3600 * cost_model.AUDIO_ENCODE_S_PER_SOURCE_S
    with pytest.raises(split_plan.TooLong, match="audio part"):
        decide(4.5 * 3600)
    many = [
        spec.model_copy(update={"audio": AudioSpec(bitrate_kbps=64 + 8 * i), "output_name": f"m{i}"})
        for i, spec in enumerate(LADDER * 3)
    ]
    assert split_plan.audio_encodes(many, source(60)) == 12
    assert decide(3600, many).audio_parts == split_plan.MAX_AUDIO_PARTS
    assert decide(6).audio_parts == 0  # one pass: no parts at all


def test_the_cost_model_grows_with_pixels_and_slower_presets() -> None:
    small = cost_model.cpu_seconds_per_source_second(source(10), [LADDER[-1]])
    large = cost_model.cpu_seconds_per_source_second(source(10), [LADDER[0]])
    slow = LADDER[0].model_copy(update={"video": VideoSpec(height=1080, preset="slow")})
    assert small < large < cost_model.cpu_seconds_per_source_second(source(10), [slow])
    assert cost_model.cores(3538) == pytest.approx(2.0, abs=0.01)
