"""The encoding engine's planning and argv building, without running ffmpeg."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mediaflow.media.models import MediaInfo
from mediaflow.transcode import outputs
from mediaflow.transcode.engine import build_command
from mediaflow.transcode.ffmpeg_args import check_output_name, plan_renditions, target_size
from mediaflow.transcode.spec import AudioSpec, PackType, RenditionSpec, VideoSpec


def media(
    width: int = 1280, height: int = 720, fps: str = "25/1", rotate: int = 0, audio: bool = True
) -> MediaInfo:
    video: dict[str, Any] = {"index": 0, "codec_type": "video", "codec_name": "h264", "width": width}
    video |= {"height": height, "avg_frame_rate": fps, "duration": "10"}
    if rotate:
        video["side_data_list"] = [{"rotation": -rotate}]
    streams = [video]
    if audio:
        streams.append({"index": 1, "codec_type": "audio", "codec_name": "aac", "sample_rate": "48000"})
    return MediaInfo.from_ffprobe({"format": {"format_name": "mov", "duration": "10"}, "streams": streams})


def spec(
    name: str = "out", pack: PackType = "MP4", video: VideoSpec | None = None, **extra: Any
) -> RenditionSpec:
    return RenditionSpec(template_id=1, output_name=name, pack_type=pack, video=video, **extra)


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A source file and a fake ffmpeg binary, so that nothing needs installing."""
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("MEDIAFLOW_BIN_DIR", str(fake.parent))
    path = tmp_path / "in put.mp4"
    path.write_bytes(b"")
    return path


def argv(
    source: Path, renditions: list[RenditionSpec], info: MediaInfo | None = None, **kw: Any
) -> list[str]:
    return build_command(str(source), renditions, source.parent, source_info=info or media(), **kw)


def option(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == name]


@pytest.mark.parametrize(
    ("codec", "width", "height", "source", "expected"),
    [
        ("h264", 0, 360, (1280, 720), (640, 360)),
        ("h264", 0, 240, (640, 360), (426, 240)),  # 426.7 rounds to even
        ("h265", 0, 240, (640, 360), (428, 240)),  # multiple of 4
        ("h264", 640, 0, (1280, 720), (640, 360)),
        ("h264", 0, 0, (1279, 721), (1278, 720)),  # the source size, even
        ("h264", 853, 481, (1920, 1080), (852, 480)),  # both given: rounded down
        ("h264", 0, 720, (1080, 1920), (404, 720)),  # portrait display keeps its aspect
        ("h265", 0, 768, (1366, 768), (1364, 768)),  # never rounded above the source
    ],
)
def test_target_size(
    codec: str, width: int, height: int, source: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert target_size(VideoSpec(codec=codec, width=width, height=height), *source) == expected


def test_rotated_source_uses_display_size() -> None:
    [plan] = plan_renditions([spec(video=VideoSpec(height=640))], media(1280, 720, rotate=90))
    assert plan.video is not None and (plan.video.width, plan.video.height) == (360, 640)


def test_upscale_skipped_and_all_above_clamped() -> None:
    info = media(320, 240)
    above, fits = plan_renditions(
        [spec("a", video=VideoSpec(height=720)), spec("b", video=VideoSpec(height=240))], info
    )
    assert (above.status, above.error_code, fits.status) == ("skipped", "MPC.10058", "encode")
    assert above.error_msg == "rendition above source resolution (960x720 > source 320x240)"
    hd, sd = plan_renditions(
        [spec("a", video=VideoSpec(width=1280, height=720)), spec("b", video=VideoSpec(height=480))], info
    )
    assert hd.status == "skipped" and sd.status == "clamped"
    assert sd.video is not None and (sd.video.width, sd.video.height) == (320, 240)


def test_frame_rate_is_capped_and_gop_follows_it(source: Path) -> None:
    up, down = [argv(source, [spec(video=VideoSpec(frame_rate=rate, gop_seconds=2))]) for rate in (60, 10)]
    assert "fps=" not in option(up, "-filter_complex")[0] and option(up, "-g") == ["50"]
    assert "fps=10," in option(down, "-filter_complex")[0] and option(down, "-g") == ["20"]


def test_bitrate_vbv_and_crf(source: Path) -> None:
    capped = argv(source, [spec(video=VideoSpec(bitrate_kbps=800))])
    assert (option(capped, "-b:v"), option(capped, "-maxrate"), option(capped, "-bufsize")) == (
        ["800k"],
        ["1200k"],
        ["1600k"],
    )
    assert "-crf" not in capped and option(capped, "-sc_threshold") == ["0"]
    assert option(argv(source, [spec(video=VideoSpec())]), "-crf") == ["23"]
    hevc = argv(source, [spec(video=VideoSpec(codec="h265"))])
    assert option(hevc, "-crf") == ["28"] and option(hevc, "-tag:v") == ["hvc1"]
    assert "open-gop=0" in option(hevc, "-x265-params")[0]


def test_whitelists_and_common_flags(source: Path) -> None:
    args = argv(source, [spec(video=VideoSpec())])
    before_input = args[: args.index("-i")]
    assert option(before_input, "-protocol_whitelist") == ["file"]
    assert (
        option(before_input, "-format_whitelist")
        and "hls" not in option(before_input, "-format_whitelist")[0]
    )
    assert {"-nostdin", "-hide_banner", "-nostats", "-y"} <= set(before_input)
    assert option(args, "-loglevel") == ["error"] and option(args, "-progress") == ["pipe:1"]
    assert option(args, "-i") == [str(source)]
    assert option(args, "-movflags") == ["+faststart"]


def test_only_validated_names_reach_argv(source: Path) -> None:
    renditions = [
        spec("a-1.b_c", video=VideoSpec(height=240, level="4.1")),
        spec("hls", "HLS", VideoSpec(codec="h265"), hls_interval=4),
        spec("both", "HLS+DASH", VideoSpec(), hls_interval=4, dash_interval=6),
        spec("../x", video=VideoSpec()),
        spec("bad", video=VideoSpec(level="4.1 -i /etc/passwd")),
        spec("song", "MP3"),
    ]
    args = argv(source, renditions)
    assert [a for a in args[1:] if "/" in a] == [str(source)]  # outputs are bare names under cwd
    assert "../x" not in " ".join(args) and "passwd" not in " ".join(args)
    assert option(args, "-level:v") == ["4.1"]
    assert option(args, "-force_key_frames:v") == ["expr:gte(t,n_forced*4)", "expr:gte(t,n_forced*2)"]
    tee = args[args.index("tee") + 1]
    assert option(args, "-hls_segment_type") == ["fmp4"] and "hls_segment_type=mpegts" in tee
    assert tee.endswith("]both.mpd") and "]both.m3u8|[f=dash:" in tee
    outputs_named = [a for a in args if re.fullmatch(r"[\w.-]+\.(mp4|m3u8|mpd|mp3|aac)", a)]
    assert outputs_named == ["a-1.b_c.mp4", "hls_init.mp4", "hls.m3u8", "song.mp3"]
    with pytest.raises(ValueError, match="nothing to encode"):
        argv(source, [spec("../x", video=VideoSpec())])


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", "a b", "é", "x;rm", "-i", "a..b"])
def test_refused_output_names(name: str) -> None:
    assert check_output_name(name)


def test_names_unique_and_files_must_not_clash() -> None:
    plans = plan_renditions(
        [
            spec("a", "HLS", VideoSpec(codec="h265")),
            spec("a_init", video=VideoSpec()),
            spec("a", "MP3"),
            spec("master", "HLS", VideoSpec()),
        ],
        media(),
    )
    assert [p.status for p in plans] == ["encode", "failed", "failed", "failed"]
    assert all(p.error_code == "MPC.10202" for p in plans[1:])


def test_audio_rules(source: Path) -> None:
    he, mp3, adts = plan_renditions(
        [
            spec("he", "MP4", VideoSpec(), audio=AudioSpec(codec="heaac2", bitrate_kbps=24, channels=2)),
            spec("mp3", "MP3", audio=AudioSpec(codec="aac", channels=6, sample_rate=96000)),
            spec("adts", "ADTS", audio=AudioSpec(codec="mp3", sample_rate=44000)),
        ],
        media(),
    )
    assert he.audio and (he.audio.codec, he.audio.bitrate_kbps) == ("aac", 64) and "AAC-LC" in he.warnings[0]
    assert mp3.audio and (mp3.audio.codec, mp3.audio.channels, mp3.audio.sample_rate) == ("mp3", 2, 48000)
    assert adts.audio and (adts.audio.codec, adts.audio.sample_rate) == ("aac", 44100)
    args = argv(source, [spec("m", "MP3")])
    assert option(args, "-c:a") == ["libmp3lame"] and "-ar" not in args and "-filter_complex" not in args


def test_audio_only_and_silent_sources() -> None:
    no_video = media(audio=True).model_copy(update={"video": None})
    clip, mute = plan_renditions(
        [spec("c", video=VideoSpec()), spec("m", video=VideoSpec(), audio=None)], no_video
    )
    assert clip.status == "encode" and clip.video is None and clip.audio is not None
    assert (mute.status, mute.error_code) == ("failed", "MPC.10066")
    silent, song = plan_renditions([spec("v", video=VideoSpec()), spec("s", "MP3")], media(audio=False))
    assert silent.status == "encode" and silent.audio is None
    assert (song.status, song.error_code) == ("failed", "MPC.10067")


def test_segment_is_an_input_seek(source: Path) -> None:
    args = argv(source, [spec(video=VideoSpec())], segment=(3.0, 6.0))
    assert args[args.index("-ss") : args.index("-i")] == ["-ss", "3.000000", "-to", "6.000000"]
    with pytest.raises(ValueError, match="MP4"):
        argv(source, [spec(pack="HLS", video=VideoSpec())], segment=(0.0, 3.0))
    with pytest.raises(ValueError):
        argv(source, [spec(video=VideoSpec())], segment=(3.0, 3.0))


def test_codecs_attribute() -> None:
    streams = [
        {"codec_name": "h264", "profile": "Main", "level": 31},
        {"codec_name": "aac", "profile": "LC"},
        {"codec_name": "aac", "profile": "LC"},
    ]
    assert outputs.codecs({"streams": streams}) == "avc1.4d401f,mp4a.40.2"
    assert (
        outputs.codecs({"streams": [{"codec_name": "hevc", "profile": "Main", "level": 93}]})
        == "hvc1.1.6.L93.B0"
    )
    assert outputs.codecs(
        {"streams": [{"codec_name": "h264", "profile": "Constrained Baseline", "level": 30}]}
    ) == ("avc1.42c01e")


def test_hls_playlist_parsing(tmp_path: Path) -> None:
    playlist = tmp_path / "v.m3u8"
    playlist.write_text(
        '#EXTM3U\n#EXT-X-MAP:URI="v_init.mp4"\n#EXTINF:2.000000,\nv_000.m4s\n#EXTINF:1.5,\nv_001.m4s\n'
    )
    segments, init = outputs.hls_segments(playlist)
    assert init == "v_init.mp4"
    assert [(s.uri, s.duration_s) for s in segments] == [("v_000.m4s", 2.0), ("v_001.m4s", 1.5)]


def test_rendition_files_do_not_overlap(tmp_path: Path) -> None:
    plans = plan_renditions(
        [
            spec("a", "HLS", VideoSpec()),
            spec("a_init", video=VideoSpec()),
            spec("a_000", "HLS+DASH", VideoSpec(codec="h265")),
            spec("a-1", "DASH", VideoSpec()),
        ],
        media(),
    )
    assert all(p.encodes for p in plans)
    names = ["a.m3u8", "a_000.ts", "a_001.ts", "a_init.mp4", "a_000.m3u8", "a_000_init.mp4", "a_000_000.m4s"]
    names += [
        "a_000.mpd",
        "a_000-init-0.m4s",
        "a_000-0-00001.m4s",
        "a-1.mpd",
        "a-1-init-0.m4s",
        "a-1-1-00001.m4s",
    ]
    for name in [*names, "a.m3u8.tmp"]:
        (tmp_path / name).write_bytes(b"")
    listed = [outputs.rendition_files(p, tmp_path) for p in plans]
    assert listed[0] == ["a.m3u8", "a_000.ts", "a_001.ts"] and listed[1] == ["a_init.mp4"]
    assert listed[2][0] == "a_000.m3u8" and len(listed[2]) == 6 and listed[3][0] == "a-1.mpd"
    assert sorted(name for files in listed for name in files) == sorted(names)
    outputs.remove_files(plans[0], tmp_path)
    assert not (tmp_path / "a.m3u8.tmp").exists() and (tmp_path / "a_init.mp4").exists()
