"""mediaflow.transcode.engine against the real static ffmpeg, on small lavfi clips."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mediaflow.media import MediaInfo, media_env, probe
from mediaflow.media.binaries import ffmpeg_path, ffprobe_path
from mediaflow.transcode import engine
from mediaflow.transcode.engine import RenditionResult, encode
from mediaflow.transcode.spec import AudioSpec, PackType, RenditionSpec, VideoSpec
from tests.support import clips

if TYPE_CHECKING:  # imported by pytest as a plugin; importing it first would skip assert rewriting
    from tests.integration.conftest_media import RangeServer

pytest_plugins = ["tests.integration.conftest_media"]

FRAME = 1 / 25
AAC = AudioSpec()


def spec(
    tid: int, name: str, pack: PackType = "MP4", video: VideoSpec | None = None, **kw: Any
) -> RenditionSpec:
    kw.setdefault("audio", AAC)
    return RenditionSpec(template_id=tid, output_name=name, pack_type=pack, video=video, **kw)


def run(
    source: Path | str, renditions: list[RenditionSpec], workdir: Path, **kw: Any
) -> list[RenditionResult]:
    info = kw.pop("source_info", None) or probe(str(source), timeout_s=20)
    return encode(str(source), renditions, workdir, source_info=info, **kw)


def ffprobe(path: Path, *args: str) -> dict[str, Any]:
    cmd = [ffprobe_path(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", *args]
    out = subprocess.run([*cmd, str(path)], check=True, capture_output=True, env=media_env(), timeout=30)
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def streams(path: Path, kind: str) -> list[dict[str, Any]]:
    return [s for s in ffprobe(path)["streams"] if s["codec_type"] == kind]


def top_level_boxes(path: Path) -> list[str]:
    data, boxes, pos = path.read_bytes(), [], 0
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        boxes.append(kind)
        pos += size if size else len(data)
    return boxes


def ok(result: RenditionResult) -> RenditionResult:
    assert result.status == "ok", result
    return result


def test_mp4_h264_ladder_with_progress(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=4, width=640, height=360)
    seen: list[float] = []
    ladder = [
        spec(1, "v360", video=VideoSpec(height=360, bitrate_kbps=600)),
        spec(2, "v240", video=VideoSpec(height=240)),
    ]
    results = run(source, ladder, tmp_path, on_progress=seen.append)
    for result, (width, height) in zip(results, [(640, 360), (426, 240)], strict=True):
        ok(result)
        assert result.files == [result.main_file] == [f"{result.output_name}.mp4"]
        path = tmp_path / result.files[0]
        [video] = streams(path, "video")
        assert (video["codec_name"], video["width"], video["height"]) == ("h264", width, height)
        assert (result.width, result.height) == (width, height)
        assert float(video["duration"]) == pytest.approx(4.0, abs=FRAME)
        assert [a["codec_name"] for a in streams(path, "audio")] == ["aac"]
        boxes = top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat")  # +faststart
    assert seen and seen[-1] == 100.0
    assert all(a < b for a, b in itertools.pairwise(seen)) and all(0 <= p <= 100 for p in seen)


def test_hls_segments_and_master_playlist(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=6, width=640, height=360)
    ladder = [
        spec(1, "hls360", "HLS", VideoSpec(height=360, bitrate_kbps=800), hls_interval=2),
        spec(2, "hls180", "HLS", VideoSpec(height=180), hls_interval=2),
    ]
    results = [ok(r) for r in run(source, ladder, tmp_path)]
    for result in results:
        playlist = (tmp_path / f"{result.output_name}.m3u8").read_text()
        durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", playlist)]
        assert len(durations) == 3 and sum(durations) == pytest.approx(6.0, abs=FRAME)
        assert all(d == pytest.approx(2.0, abs=FRAME) for d in durations[:-1])
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
        segments = re.findall(r"^(\S+\.ts)$", playlist, re.M)
        assert set(result.files) == {f"{result.output_name}.m3u8", "master.m3u8", *segments}
        assert result.master_file == "master.m3u8"
        [video] = streams(tmp_path / result.files[0], "video")  # TS: needs GCONV_PATH (media_env)
        assert (video["width"], video["height"]) == (result.width, result.height)
    master = (tmp_path / "master.m3u8").read_text()
    entries = re.findall(r"#EXT-X-STREAM-INF:(.*)\n(\S+)", master)
    assert [uri for _, uri in entries] == ["hls360.m3u8", "hls180.m3u8"]
    for (attrs, _), size in zip(entries, ["640x360", "320x180"], strict=True):
        assert re.search(r"(^|,)BANDWIDTH=\d+", attrs) and f"RESOLUTION={size}" in attrs
        assert re.search(r'CODECS="avc1\.64[0-9a-f]{4},mp4a\.40\.2"', attrs)


def test_dash_and_hls_plus_dash(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=4, width=320, height=240)
    renditions = [
        spec(1, "dash", "DASH", VideoSpec(height=240), dash_interval=2),
        spec(2, "both", "HLS+DASH", VideoSpec(height=120), hls_interval=2, dash_interval=2),
    ]
    dash, both = [ok(r) for r in run(source, renditions, tmp_path)]
    assert dash.main_file == "dash.mpd" and any(f.endswith(".m4s") for f in dash.files)
    data = ffprobe(tmp_path / "dash.mpd")
    assert float(data["format"]["duration"]) == pytest.approx(4.0, abs=0.1)
    assert {s["codec_name"] for s in data["streams"]} == {"h264", "aac"}
    assert both.main_file == "both.m3u8" and {"both.mpd", "both_000.ts"} <= set(both.files)
    assert {s["width"] for s in streams(tmp_path / "both.mpd", "video")} == {160}
    assert all((tmp_path / f).is_file() for f in [*dash.files, *both.files])


def test_h265_mp4_is_hvc1(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2, width=320, height=240)
    [result] = run(source, [spec(1, "hevc", video=VideoSpec(codec="h265", height=240))], tmp_path)
    [video] = streams(tmp_path / ok(result).files[0], "video")
    assert (video["codec_name"], video["codec_tag_string"]) == ("hevc", "hvc1")


def test_never_upscale(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2, width=320, height=240)
    hd, small = run(
        source,
        [spec(1, "hd", video=VideoSpec(height=720)), spec(2, "sd", video=VideoSpec(height=240))],
        tmp_path,
    )
    assert (hd.status, hd.error_code, hd.files) == ("skipped", "MPC.10058", [])
    assert hd.error_msg == "rendition above source resolution (960x720 > source 320x240)"
    assert ok(small).width == 320
    # Every video rendition above the source: the smallest is produced at the source size.
    big, smaller = run(
        source,
        [spec(3, "a", video=VideoSpec(height=720)), spec(4, "b", video=VideoSpec(height=480))],
        tmp_path,
    )
    assert big.status == "skipped" and smaller.status == "clamped"
    assert (smaller.width, smaller.height) == (320, 240) and smaller.warnings


def test_rotated_phone_clip_is_upright(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2, width=320, height=240, rotate=90)
    same, smaller = run(
        source, [spec(1, "same", video=VideoSpec()), spec(2, "small", video=VideoSpec(height=160))], tmp_path
    )
    for result, size in [(same, (240, 320)), (smaller, (120, 160))]:
        info = probe(str(tmp_path / ok(result).files[0]), timeout_s=20)
        assert info.video is not None
        assert (info.video.width, info.video.height) == size  # the pixels are portrait
        assert info.video.rotation == 0 and (result.width, result.height) == size
        assert "side_data_list" not in streams(tmp_path / result.files[0], "video")[0]


def test_audio_only_source(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_audio_only(media_dir, seconds=2)
    renditions = [
        spec(1, "song", "MP3", audio=AudioSpec(codec="mp3")),
        spec(2, "song2", "ADTS", audio=AudioSpec(codec="heaac1")),
        spec(3, "clip", "MP4", VideoSpec(height=360)),
        spec(4, "mute", "MP4", VideoSpec(height=360), audio=None),
    ]
    mp3, adts, clip, mute = run(source, renditions, tmp_path)
    assert [s["codec_name"] for s in ffprobe(tmp_path / ok(mp3).files[0])["streams"]] == ["mp3"]
    assert [s["codec_name"] for s in ffprobe(tmp_path / ok(adts).files[0])["streams"]] == ["aac"]
    assert adts.files == ["song2.aac"] and "AAC-LC" in adts.warnings[0]
    assert [s["codec_type"] for s in ffprobe(tmp_path / ok(clip).files[0])["streams"]] == ["audio"]
    assert "no video stream" in clip.warnings[0]
    assert (mute.status, mute.error_code, mute.error_msg) == (
        "failed",
        "MPC.10066",
        "input has no video stream",
    )


def test_video_without_audio(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2, audio=False)
    renditions = [
        spec(1, "v", video=VideoSpec(height=240)),
        spec(2, "h", "HLS", VideoSpec(height=240)),
        spec(3, "m", "MP3"),
    ]
    mp4, hls, mp3 = run(source, renditions, tmp_path)
    for result in (mp4, hls):
        assert [s["codec_type"] for s in ffprobe(tmp_path / ok(result).files[0])["streams"]] == ["video"]
    assert (mp3.status, mp3.error_code) == ("failed", "MPC.10067")


def test_frame_rate_is_never_raised(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2, fps=25)
    up, down = run(
        source,
        [spec(1, "up", video=VideoSpec(frame_rate=60)), spec(2, "down", video=VideoSpec(frame_rate=10))],
        tmp_path,
    )
    for result, rate in [(up, 25), (down, 10)]:
        [video] = streams(tmp_path / ok(result).files[0], "video")
        assert video["avg_frame_rate"] == f"{rate}/1"


@pytest.mark.parametrize("faststart", [False, True])
def test_truncated_input_is_an_input_error(media_dir: Path, tmp_path: Path, faststart: bool) -> None:
    whole = clips.make_clip(media_dir, seconds=4, faststart=faststart)
    info = probe(str(whole), timeout_s=20)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    [result] = run(cut, [spec(1, "out", video=VideoSpec(height=240))], tmp_path, source_info=info)
    assert (result.status, result.error_code, result.files) == ("failed", "MPC.10125", [])
    assert result.error_msg and str(cut) not in result.error_msg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4"]


def _ffmpeg_children() -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            comm = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError):
            continue
        if comm == "ffmpeg" and int(fields[1]) == os.getpid():
            found.append(int(stat.parent.name))
    return found


def _slow(name: str) -> RenditionSpec:
    """About 5 s of encoding for a 10 s 640x360 clip on 2 cores (x264 would take 1.5 s)."""
    return spec(1, name, video=VideoSpec(codec="h265", height=360, preset="slow"))


def test_cancel_after_first_progress(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=10, width=640, height=360)
    seen: list[float] = []
    started = time.monotonic()
    [result] = run(source, [_slow("c")], tmp_path, on_progress=seen.append, should_stop=lambda: bool(seen))
    assert result.status == "canceled" and result.files == []
    assert time.monotonic() - started < 3.5 and 100.0 not in seen
    assert _ffmpeg_children() == [] and list(tmp_path.iterdir()) == []


def test_deadline(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=10, width=640, height=360)
    started = time.monotonic()
    [result] = run(source, [_slow("d")], tmp_path, deadline_s=0.5)
    assert (result.status, result.error_code) == ("failed", "Timeout")
    assert time.monotonic() - started < 3 and _ffmpeg_children() == []


def test_http_source_through_the_relay(
    media_dir: Path, tmp_path: Path, range_server: RangeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = clips.make_clip(media_dir, seconds=2, faststart=False)
    info = probe(str(source), timeout_s=20)
    argvs: list[list[str]] = []
    real = engine.run_ffmpeg

    def spy(argv: list[str], *args: Any, **kw: Any) -> Any:
        argvs.append(argv)
        return real(argv, *args, **kw)

    monkeypatch.setattr(engine, "run_ffmpeg", spy)
    url = range_server.url(source)
    [result] = run(url, [spec(1, "web", "HLS", VideoSpec(height=120))], tmp_path, source_info=info)
    assert ok(result).height == 120
    [argv] = argvs
    [local] = [argv[i + 1] for i, a in enumerate(argv) if a == "-i"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/[\w-]+", local) and url not in " ".join(argv)
    assert argv[argv.index("-protocol_whitelist") + 1] == "http,tcp"
    assert all(r and r.startswith("bytes=") for r in range_server.ranges[source.name])


def test_http_source_error_is_an_input_error(
    media_dir: Path, tmp_path: Path, range_server: RangeServer
) -> None:
    source = clips.make_clip(media_dir, seconds=2)
    info = probe(str(source), timeout_s=20)
    range_server.status_for[source.name] = 403
    [result] = run(
        range_server.url(source), [spec(1, "web", video=VideoSpec(height=120))], tmp_path, source_info=info
    )
    assert (result.status, result.error_code) == ("failed", "MPC.10125")
    assert result.error_msg and "403" in result.error_msg and "X-Amz-Signature" not in result.error_msg


def test_unsafe_output_name_is_refused(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2)
    workdir = tmp_path / "work"
    workdir.mkdir()
    bad, good = run(
        source,
        [spec(1, "../x", video=VideoSpec(height=120)), spec(2, "x", video=VideoSpec(height=120))],
        workdir,
    )
    assert (bad.status, bad.error_code) == ("failed", "MPC.10202")
    assert ok(good).files == ["x.mp4"] and sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def _frames(path: Path) -> tuple[int, float]:
    [video] = streams(path, "video")
    counted = ffprobe(path, "-count_frames", "-select_streams", "v")["streams"][0]["nb_read_frames"]
    return int(counted), float(video["duration"])


def test_segments_join_frame_exactly(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=6, audio=False)
    info: MediaInfo = probe(str(source), timeout_s=20)
    video = VideoSpec(height=240, gop_seconds=3, bframes=3)
    pieces = []
    for start in (0.0, 3.0):
        workdir = tmp_path / f"piece{int(start)}"
        workdir.mkdir()
        [result] = run(
            source, [spec(1, "p", video=video)], workdir, source_info=info, segment=(start, start + 3)
        )
        pieces.append(workdir / ok(result).files[0])
    [single] = run(source, [spec(1, "single", video=video)], tmp_path, source_info=info)
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in pieces))
    joined = tmp_path / "joined.mp4"
    cmd = [ffmpeg_path(), "-v", "error", *("-f", "concat", "-safe", "0", "-i", str(listing)), "-c", "copy"]
    cmd.append(str(joined))
    subprocess.run(cmd, check=True, env=media_env(), timeout=30, capture_output=True)
    frames, duration = _frames(tmp_path / ok(single).files[0])
    assert frames == 150
    joined_frames, joined_duration = _frames(joined)
    assert joined_frames == frames
    assert joined_duration == pytest.approx(duration, abs=FRAME)


def test_one_failing_output_does_not_fail_the_others(media_dir: Path, tmp_path: Path) -> None:
    source = clips.make_clip(media_dir, seconds=2)
    seen: list[float] = []
    renditions = [
        spec(1, "bad", video=VideoSpec(codec="h265", level="1")),
        spec(2, "good", video=VideoSpec(height=120)),
    ]
    bad, good = run(source, renditions, tmp_path, on_progress=seen.append)
    assert (bad.status, bad.error_code, bad.files) == ("failed", "MPC.10050", [])
    assert bad.error_msg and "libx265" in bad.error_msg and "0x" not in bad.error_msg
    assert ok(good).files == ["good.mp4"] and sorted(p.name for p in tmp_path.iterdir()) == ["good.mp4"]
    assert seen[-1] == 100.0 and all(a < b for a, b in itertools.pairwise(seen))
