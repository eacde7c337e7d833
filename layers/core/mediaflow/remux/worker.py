"""Runs one remux task (the ``REMUX`` job kind, claimed from the transcoding line by the same
workers): read the source, refuse codecs the target cannot carry, stream-copy it into the target
format, encrypt HLS segments when asked, upload, and describe the output.

A single-file source is read through the loopback relay (range requests, never copied whole);
an HLS source (``.m3u8``) is downloaded with the segments its playlist names - relative keys
beside it, checked like any user key - and read from local files only.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from mediaflow.buckets import access
from mediaflow.encryption import hls
from mediaflow.encryption import keys as hls_keys
from mediaflow.jobs.kind import Failure, JobFailed, JobKind
from mediaflow.jobs.runner import Job
from mediaflow.media import relay
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import MEDIA_DEMUXERS, ProbeError, probe
from mediaflow.records.model import Record
from mediaflow.records.states import RemuxState
from mediaflow.remux import events, media
from mediaflow.remux.records import RemuxDoc
from mediaflow.settings import get_settings
from mediaflow.storage import keys, objects
from mediaflow.transcode import outputs
from mediaflow.transcode.media_views import source_info
from mediaflow.transcode.progress import run_ffmpeg
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_worker import CONTENT_TYPES

MARGIN_S = 30.0


def _fail_input(exc: Exception) -> JobFailed:
    code = media.NOT_MEDIA if isinstance(exc, ProbeError) and exc.code == "NotMedia" else media.INPUT_DATA
    return JobFailed(code, f"The input file cannot be read: {getattr(exc, 'message', exc)}")


def _fetch_hls(doc: RemuxDoc, into: Path) -> Path:
    """The playlist and every file it names, downloaded beside each other; returns the playlist."""
    into.mkdir(parents=True)
    base = str(PurePosixPath(doc.source_key).parent)
    base = "" if base == "." else base + "/"
    try:
        text = objects.read_bytes(doc.source_key, bucket=doc.source_bucket).decode("utf-8")
    except (UnicodeDecodeError, Exception) as exc:
        raise JobFailed(media.INPUT_DATA, f"The input playlist cannot be read: {exc}") from exc
    if "#EXT-X-KEY" in text or "#EXT-X-STREAM-INF" in text:
        raise JobFailed(media.NOT_MEDIA, "The input must be an unencrypted HLS media playlist.")
    names = hls.segment_uris(text) + [u for u in _map_uris(text)]
    for name in dict.fromkeys(names):
        try:
            relative = keys.validate_user_key(name)
        except keys.InvalidKey as exc:
            raise JobFailed(media.NOT_MEDIA, f"The playlist names {name[:80]!r}: {exc}") from exc
        if "://" in name:
            raise JobFailed(media.NOT_MEDIA, "The playlist may only name files beside it.")
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            objects.download_file(base + relative, str(target), bucket=doc.source_bucket)
        except Exception as exc:
            raise JobFailed(media.INPUT_DATA, f"The segment {name[:80]!r} cannot be read.") from exc
    playlist = into / PurePosixPath(doc.source_key).name
    playlist.write_text(text)
    return playlist


def _map_uris(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        if line.startswith("#EXT-X-MAP:") and 'URI="' in line:
            found.append(line.split('URI="', 1)[1].split('"', 1)[0])
    return found


def _probe(job: Job[RemuxDoc], workdir: Path) -> tuple[MediaInfo, str]:
    """The source's media info and what ffmpeg reads: a local playlist or an http(s) URL."""
    doc = job.record.doc
    if doc.source_key.lower().endswith(".m3u8"):
        playlist = _fetch_hls(doc, workdir / "src")
        try:
            info, _ = outputs.probe_output(playlist)
        except Exception as exc:
            raise _fail_input(exc) from exc
        return info, str(playlist)
    url = objects.presigned_get(doc.source_key, expires_s=3600, bucket=doc.source_bucket)
    try:
        return probe(url, timeout_s=get_settings().probe_timeout_s), url
    except ProbeError as exc:
        raise _fail_input(exc) from exc


def _remux(job: Job[RemuxDoc], info: MediaInfo, source: str, out: Path) -> None:
    doc = job.record.doc
    out.mkdir(parents=True)

    def execute(target: str, whitelist: str, demuxers: str) -> Any:
        argv = media.command(
            target,
            whitelist,
            demuxers,
            info,
            doc.format,
            doc.output_name,
            segment_s=doc.segment_duration,
            remove_meta=doc.remove_meta,
        )
        deadline = max(10.0, job.remaining_s() - MARGIN_S)
        return run_ffmpeg(
            argv,
            out,
            duration_s=info.duration_s,
            on_progress=job.progress,
            should_stop=job.should_stop,
            deadline_s=deadline,
        )

    if source.startswith(("http://", "https://")):
        with relay.serve(source, timeout_s=30.0) as local:
            outcome = execute(local, "http,tcp", MEDIA_DEMUXERS)
    else:
        outcome = execute(source, "file", MEDIA_DEMUXERS + ",hls")
    if outcome.canceled or job.should_stop():
        raise JobFailed("MPC.10212", "The task was canceled.")
    if outcome.timed_out:
        raise JobFailed("MPC.10050", "The remux did not finish in time.")
    if outcome.returncode != 0:
        tail = outcome.stderr.strip().splitlines()[-1:] or [f"ffmpeg exited with {outcome.returncode}"]
        raise JobFailed(media.INPUT_DATA, f"The remux failed: {tail[0][:300]}")


def run(job: Job[RemuxDoc]) -> dict[str, Any]:
    record = job.record
    doc = record.doc
    revoked = access.revoked_among(record.project_id, doc.source_bucket, doc.output_bucket)
    if revoked is not None:
        raise JobFailed("MPC.10202", f"Invalid request parameter: bucket {revoked} is no longer authorized.")
    workdir = Path(get_settings().transcode_work_dir) / f"mf-remux-{record.id}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    try:
        info, source = _probe(job, workdir)
        refused = media.refused_codec(info, doc.format)
        if refused:
            raise JobFailed(
                media.UNSUPPORTED, f"The input cannot be packaged without transcoding: {refused}."
            )
        out = workdir / "out"
        _remux(job, info, source, out)
        main = doc.output_name + media.EXTENSION[doc.format]
        if not (out / main).is_file():
            raise JobFailed("MPC.10050", "The remux wrote no output.")
        made, raw = outputs.probe_output(out / main)
        files = sorted(p.name for p in out.iterdir() if p.is_file())
        files = [main, *(f for f in files if f != main)]
        md5 = hashlib.md5((out / main).read_bytes()).hexdigest()  # noqa: S324 - MPC's content digest
        if doc.encryption is not None:
            secret = hls_keys.load_key(record.project_id, doc.encryption.key_id)
            hls.encrypt_files(out, files, doc.encryption, secret)
        size = sum((out / f).stat().st_size for f in files)
        for name in files:
            content_type = CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
            key = doc.output_dir + name
            objects.upload_file(str(out / name), key, content_type, owner=record.id, bucket=doc.output_bucket)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "files": files,
        "main_file": main,
        "source_seconds": info.duration_s,
        "output_metadata": _metadata(made, size, md5, raw),
    }


def _metadata(info: MediaInfo, size: int, md5: str, raw: dict[str, Any]) -> dict[str, Any]:
    """``output_metadata`` (the SDK's MetaData): size, durations, format, md5, bitrate, streams."""
    described = source_info(info, size=size)
    return {
        "size": size,
        "duration_ms": round(info.duration_s * 1000, 3),
        "duration": int(info.duration_s),
        "format": described.get("format") or str((raw.get("format") or {}).get("format_name", "")),
        "md5": md5,
        "bitrate": int(info.bitrate or 0),
        "video": [described["video_info"]] if described.get("video_info") else [],
        "audio": list(described.get("audio_info") or []),
    }


def discard(record: Record[RemuxDoc]) -> None:
    """Remove what an attempt uploaded (only objects this task wrote)."""
    doc = record.doc
    found = objects.list_keys(doc.output_dir + doc.output_name, bucket=doc.output_bucket)
    objects.delete_owned(found, record.id, bucket=doc.output_bucket)


def _on_end(record: Record[RemuxDoc]) -> None:
    from mediaflow.usage import record as usage

    usage.remux_ended(record)
    if record.status in (RemuxState.SUCCEED, RemuxState.FAILED):
        events.publish_remux_complete(record)


REMUX: JobKind[RemuxDoc] = JobKind(
    model=RemuxDoc,
    line=TaskDoc.KIND.value,  # the transcoding line: the same workers run remux tasks
    waiting=RemuxState.WAITING,
    running=RemuxState.PROCESSING,
    succeeded=RemuxState.SUCCEED,
    failed=RemuxState.FAILED,
    canceled=RemuxState.CANCELED,
    run=run,
    queue_url=lambda: get_settings().transcode_queue_url,
    crashed=Failure("MPC.10050", "System error."),
    lost=Failure("MPC.10050", "The remux worker stopped responding on every attempt."),
    on_end=_on_end,
    discard=discard,
    cancelable=frozenset({RemuxState.WAITING, RemuxState.PROCESSING}),
)
