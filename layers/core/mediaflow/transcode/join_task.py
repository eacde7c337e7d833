"""The join part of a split task: assemble every rendition from the parts, then end the task.

Reads every part's result, writes playlists (HLS), joins pieces with the audio (MP4, DASH),
uploads what it made, and settles the task exactly as a single pass would: ``outputs``,
``output_file_name``, ``transcode_detail`` (one ``multitask_info`` per rendition, skipped and
clamped ones included) - with ``chunks`` and the cost of every part summed. Then the task's
intermediate objects are removed.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from mediaflow.encryption import aes, hls
from mediaflow.encryption import keys as hls_keys
from mediaflow.jobs import runner
from mediaflow.jobs.kind import JobFailed
from mediaflow.jobs.runner import Job
from mediaflow.media.models import MediaInfo
from mediaflow.records import fan_in
from mediaflow.records.model import Record
from mediaflow.records.states import TaskState
from mediaflow.storage import objects
from mediaflow.transcode import join, split_task
from mediaflow.transcode.ffmpeg_args import MASTER_NAME
from mediaflow.transcode.media_views import source_info
from mediaflow.transcode.records import PartDoc, TaskDoc, TaskOutput
from mediaflow.transcode.spec import RenditionSpec


class _Made:
    """One rendition as the join made it (or why it was not)."""

    def __init__(self, spec: RenditionSpec) -> None:
        self.spec, self.main, self.size = spec, "", 0
        self.files: list[str] = []
        self.media: MediaInfo | None = None
        self.error: dict[str, str] | None = None


def _download(key: str, dest: Path, bucket: str | None = None) -> Path:
    """An object of the task: a work object (media bucket) or, with ``bucket``, one of its outputs."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    objects.download_file(key, str(dest), bucket=bucket)
    return dest


def _chunk_media(videos: list[dict[str, Any]], name: str) -> MediaInfo | None:
    for chunk in videos:
        for output in chunk.get("outputs", []):
            if output["name"] == name and output.get("media"):
                return MediaInfo.model_validate(output["media"])
    return None


def _hls(
    made: _Made, task: Record[TaskDoc], videos: list[dict[str, Any]], audio: dict[str, Any], workdir: Path
) -> join.Variant:
    name, out = made.spec.output_name, task.doc.output_dir
    segments = join.segments_of(videos, name)
    if not segments:
        raise JobFailed("MPC.10050", f"no segments were made for {name}")
    inits: dict[str, str] = {}  # md5 -> the first init with that content
    for chunk in videos:
        for output in chunk.get("outputs", []):
            if output["name"] == name and output.get("init"):
                inits.setdefault(output["init_md5"], output["init"])
    if inits:  # identical inits of later chunks are dropped: their segments name the first one
        alias = {
            o["init"]: inits[o["init_md5"]]
            for c in videos
            for o in c.get("outputs", [])
            if o.get("init") and o["name"] == name
        }
        segments = [
            join.Segment(s.uri, s.duration_s, s.size, alias.get(s.init or "", s.init)) for s in segments
        ]
        objects.delete_owned(
            [out + i for i in alias if alias[i] != i], task.id, bucket=task.doc.output_bucket
        )
    track = next((t for t in audio.get("tracks", []) if name in t["users"] and t["pack"] == "HLS"), None)
    media = _chunk_media(videos, name)
    video_playlist = f"{name}_v.m3u8" if track else f"{name}.m3u8"
    playlist = join.media_playlist(segments)
    if task.doc.encryption is not None:
        playlist = hls.with_key(playlist, task.doc.encryption)
    (workdir / video_playlist).write_text(playlist)
    variant = join.Variant(
        video_playlist,
        segments,
        *(_size(media)),
        _fps(media),
        _codecs(videos, name),
        f"aud_{track['name']}" if track else None,
        int(track["bitrate"]) if track else 0,
    )
    made.files = [f"{name}.m3u8"] + ([video_playlist] if track else []) + [s.uri for s in segments]
    made.files += sorted(set(inits.values())) + (
        list(track["files"]) if track and track["users"][0] == name else []
    )
    if track:
        (workdir / f"{name}.m3u8").write_text(
            join.master_playlist([variant], {variant.audio_group or "": f"{track['name']}.m3u8"})
        )
    for playlist in {f"{name}.m3u8", video_playlist}:
        objects.upload_file(
            str(workdir / playlist),
            out + playlist,
            "application/vnd.apple.mpegurl",
            owner=task.id,
            bucket=task.doc.output_bucket,
        )
    made.main = f"{name}.m3u8"
    made.size = sum(s.size for s in segments)
    duration = sum(s.duration_s for s in segments)
    audio_media = [MediaInfo.model_validate(track["media"]).audio[0]] if track and track.get("media") else []
    if media is not None:
        made.media = media.model_copy(
            update={
                "duration_s": duration,
                "size": made.size,
                "format_name": "hls",
                "audio": audio_media,
                "bitrate": round(made.size * 8 / duration) if duration else None,
            }
        )
    return variant


def _size(media: MediaInfo | None) -> tuple[int, int]:
    video = media.video if media else None
    return (video.display_width, video.display_height) if video else (0, 0)


def _fps(media: MediaInfo | None) -> float | None:
    return media.video.frame_rate if media and media.video else None


def _codecs(videos: list[dict[str, Any]], name: str) -> str:
    for chunk in videos:
        for output in chunk.get("outputs", []):
            if output["name"] == name:
                return str(output.get("codecs") or "")
    return ""


def _joined_mp4(
    made: _Made, task: Record[TaskDoc], videos: list[dict[str, Any]], audio: dict[str, Any], workdir: Path
) -> Path:
    """The rendition's whole video (pieces, or its HLS segments for HLS+DASH) with its audio."""
    name = made.spec.output_name
    local = workdir / f"join-{name}"
    if made.spec.pack_type == "HLS+DASH":
        segments = join.segments_of(videos, name)
        bucket = task.doc.output_bucket
        pieces = [_download(task.doc.output_dir + s.uri, local / s.uri, bucket) for s in segments]
        if task.doc.encryption is not None:  # the HLS segments were encrypted: DASH is not
            key = hls_keys.load_key(task.project_id, task.doc.encryption.key_id)
            iv = bytes.fromhex(task.doc.encryption.iv_hex)
            for piece in pieces:
                piece.write_bytes(aes.decrypt(piece.read_bytes(), key, iv))
    else:
        keys = [
            o["piece"] for c in videos for o in c.get("outputs", []) if o["name"] == name and o.get("piece")
        ]
        pieces = [_download(k, local / f"{i:05d}.mp4") for i, k in enumerate(keys)]
    track = next((t for t in audio.get("tracks", []) if name in t["users"] and t["pack"] == "MP4"), None)
    sound = _download(track["key"], local / "audio.mp4") if track else None
    out = workdir / (f"{name}.mp4" if made.spec.pack_type == "MP4" else f"{name}.joined.mp4")
    join.join_mp4(pieces, sound, out)
    for piece in pieces:
        piece.unlink(missing_ok=True)
    return out


def _mp4_or_dash(
    made: _Made, task: Record[TaskDoc], videos: list[dict[str, Any]], audio: dict[str, Any], workdir: Path
) -> None:
    joined = _joined_mp4(made, task, videos, audio, workdir)
    out = task.doc.output_dir
    if made.spec.pack_type == "MP4":
        made.media, _ = join.probe(joined)
        made.main, made.files, made.size = joined.name, [joined.name], joined.stat().st_size
        objects.upload_file(
            str(joined), out + joined.name, "video/mp4", owner=task.id, bucket=task.doc.output_bucket
        )
        return
    dash_dir = workdir / f"dash-{made.spec.output_name}"
    dash_dir.mkdir()
    files = join.package_dash(made.spec, joined, dash_dir)
    made.media, _ = join.probe(joined)
    joined.unlink()
    for name in files:
        objects.upload_file(
            str(dash_dir / name),
            out + name,
            "application/dash+xml" if name.endswith(".mpd") else "video/iso.segment",
            owner=task.id,
            bucket=task.doc.output_bucket,
        )
    made.size = sum((dash_dir / n).stat().st_size for n in files)
    if made.spec.pack_type == "DASH":
        made.main, made.files = files[0], files
    else:
        made.files += files  # HLS+DASH: the .m3u8 stays the main file


def run_join(job: Job[PartDoc], task: Record[TaskDoc], workdir: Path) -> dict[str, Any]:

    split = task.doc.split
    assert split is not None
    parts = split_task.parts_of(task)
    videos = split_task.result_of(parts, "video")
    shares = split_task.result_of(parts, "audio")  # one per audio part, each its own units
    audio = {key: [x for share in shares for x in share.get(key, [])] for key in ("tracks", "audio_only")}
    plans = join.rendition_plans(task.doc.renditions, split.source)
    produced: list[_Made] = []
    variants: list[join.Variant] = []
    groups: dict[str, str] = {}
    audio_only = {r["output_name"]: r for r in audio.get("audio_only", [])}
    for index, spec in enumerate(task.doc.renditions):
        job.progress(100 * index / max(1, len(task.doc.renditions)))
        made, plan = _Made(spec), plans[spec.output_name]
        if spec.audio_only or spec.video is None or spec.output_name in audio_only:
            found = audio_only.get(spec.output_name)
            if found and found["status"] in ("ok", "clamped"):
                made.files, made.main = found["files"], found["main_file"]
                made.media = (
                    MediaInfo.model_validate(found["media_info"]) if found.get("media_info") else None
                )
                made.size = sum(
                    objects.head(task.doc.output_dir + f, bucket=task.doc.output_bucket).size
                    for f in made.files
                )
            else:
                made.error = {
                    "error_code": (found or {}).get("error_code") or plan.error_code or "MPC.10050",
                    "error_msg": (found or {}).get("error_msg") or plan.error_msg or "",
                }
        elif not plan.encodes:
            made.error = {"error_code": plan.error_code or "MPC.10050", "error_msg": plan.error_msg or ""}
        else:
            if spec.pack_type in ("HLS", "HLS+DASH"):
                variant = _hls(made, task, videos, audio, workdir)
                variants.append(variant)
                if variant.audio_group:
                    track = next(
                        t for t in audio["tracks"] if spec.output_name in t["users"] and t["pack"] == "HLS"
                    )
                    groups[variant.audio_group] = f"{track['name']}.m3u8"
            if spec.pack_type in ("MP4", "DASH", "HLS+DASH"):
                _mp4_or_dash(made, task, videos, audio, workdir)
        produced.append(made)
    if len(variants) > 1:
        master = f"{MASTER_NAME}.m3u8"
        (workdir / master).write_text(join.master_playlist(variants, groups))
        objects.upload_file(
            str(workdir / master),
            task.doc.output_dir + master,
            "application/vnd.apple.mpegurl",
            owner=task.id,
            bucket=task.doc.output_bucket,
        )
        for made in produced:
            if made.spec.pack_type in ("HLS", "HLS+DASH") and not made.error:
                made.files.append(master)
    _settle(task, produced, split.source, time.monotonic() - job.started)
    split_task.remove_work(task)
    return {"renditions": len(produced)}


def _settle(task: Record[TaskDoc], produced: list[_Made], source: MediaInfo, seconds: float) -> None:
    from mediaflow.transcode.task_worker import TASKS

    ok = [m for m in produced if not m.error]
    info = []
    for made in produced:
        entry: dict[str, Any] = {"template_id": made.spec.template_id}
        if made.error:
            entry["error"] = made.error
        if made.media is not None:
            entry["output_file"] = source_info(made.media, size=made.size)
        info.append(entry)
    state = fan_in.read(task.project_id, task.id)
    own = runner.cost_changes(state, seconds)  # the parts' sum plus this join's own time
    changes: dict[str, Any] = {
        "transcode_detail": {"input_file": source_info(source), "multitask_info": info},
        "output_file_name": [Path(m.main).name for m in ok if m.main],
        "outputs": [TaskOutput(template_id=m.spec.template_id, files=m.files, main_file=m.main) for m in ok],
        "compute_s": round(task.doc.compute_s + own["compute_s"], 3),
        "gb_s": round(task.doc.gb_s + own["gb_s"], 3),
    }
    if not ok:
        first = next((m.error for m in produced if m.error), None) or {}
        changes |= {
            "error_code": first.get("error_code", "MPC.10050"),
            "error_message": first.get("error_msg", ""),
        }
        runner.finish(TASKS, task.project_id, task.id, TaskState.FAILED, changes)
        return
    runner.finish(TASKS, task.project_id, task.id, TaskState.SUCCEEDED, changes)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 - content identity, not security
