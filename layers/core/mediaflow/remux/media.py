"""What a remux runs: which codecs each target carries, and the stream-copy ffmpeg argv (pure).

Nothing is re-encoded (``-c copy``): the output holds the source's packets, so an MP4 -> HLS -> MP4
round trip gives back the same frames. A target that cannot carry a source codec is refused
before ffmpeg runs (``UNSUPPORTED``): HLS takes H.264 and H.265 video (MPEG-TS segments for H.264,
fMP4 for H.265, as the transcoder writes them) and AAC, MP3, AC-3 or E-AC-3 audio; DASH and MP4
take those plus VP9/AV1 and Opus, which ISO BMFF carries.
"""

from __future__ import annotations

from mediaflow.media.binaries import ffmpeg_path
from mediaflow.media.models import MediaInfo

UNSUPPORTED = "MPC.10070"  # Mediaflow's code: the output format cannot carry an input codec
NOT_MEDIA = "MPC.10066"
INPUT_DATA = "MPC.10125"
VIDEO = {
    "HLS": {"h264", "hevc"},
    "DASH": {"h264", "hevc", "vp9", "av1"},
    "MP4": {"h264", "hevc", "vp9", "av1", "mpeg4"},
}
AUDIO = {
    "HLS": {"aac", "mp3", "ac3", "eac3"},
    "DASH": {"aac", "mp3", "ac3", "eac3", "opus"},
    "MP4": {"aac", "mp3", "ac3", "eac3", "opus", "alac"},
}
EXTENSION = {"HLS": ".m3u8", "DASH": ".mpd", "MP4": ".mp4"}
COMMON = ("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-progress", "pipe:1", "-nostats")


def refused_codec(info: MediaInfo, fmt: str) -> str | None:
    """Why ``fmt`` cannot carry the source's streams, or None."""
    video = info.video.codec if info.video else None
    if video is not None and video not in VIDEO[fmt]:
        return f"{fmt} cannot carry {video} video (it carries {', '.join(sorted(VIDEO[fmt]))})"
    for audio in info.audio:
        if audio.codec not in AUDIO[fmt]:
            return f"{fmt} cannot carry {audio.codec} audio (it carries {', '.join(sorted(AUDIO[fmt]))})"
    return None


def command(
    source: str,
    whitelist: str,
    demuxers: str,
    info: MediaInfo,
    fmt: str,
    name: str,
    *,
    segment_s: int,
    remove_meta: bool,
) -> list[str]:
    """The argv, run with the output directory as cwd; ``name`` is a validated bare file name."""
    argv = [ffmpeg_path(), *COMMON, "-protocol_whitelist", whitelist, "-format_whitelist", demuxers]
    argv += ["-i", source, "-map", "0:v:0?", "-map", "0:a?", "-c", "copy", "-dn", "-sn"]
    argv += ["-map_metadata", "-1" if remove_meta else "0", "-map_chapters", "-1"]
    if fmt == "MP4":
        return [*argv, "-movflags", "+faststart", "-f", "mp4", name + ".mp4"]
    if fmt == "DASH":
        argv += ["-f", "dash", "-seg_duration", str(segment_s), "-use_template", "1", "-use_timeline", "1"]
        argv += ["-init_seg_name", f"{name}-init-$RepresentationID$.m4s"]
        return [*argv, "-media_seg_name", f"{name}-$RepresentationID$-$Number%05d$.m4s", name + ".mpd"]
    fmp4 = info.video is not None and info.video.codec == "hevc"
    argv += ["-f", "hls", "-hls_time", str(segment_s), "-hls_playlist_type", "vod"]
    argv += ["-hls_flags", "independent_segments", "-hls_segment_type", "fmp4" if fmp4 else "mpegts"]
    argv += ["-hls_segment_filename", f"{name}_%03d.{'m4s' if fmp4 else 'ts'}"]
    argv += ["-hls_fmp4_init_filename", f"{name}_init.mp4"] if fmp4 else []
    if fmp4:
        argv += ["-tag:v", "hvc1"]
    return [*argv, name + ".m3u8"]
