"""``mediaflow upload`` and ``mediaflow ingest``: sources in, with progress and the media info."""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from mediaflow_cli import upload
from mediaflow_cli.base import (
    URL_DONE,
    VIDEO_DONE,
    Context,
    cli,
    err,
    json_option,
    out,
    pass_ctx,
    status_text,
)


# ---------------------------------------------------------------- upload / ingest
@cli.command("upload")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--title", help="video title (default: the file name)")
@click.option("--template-group", help="TemplateGroupId: transcode once uploaded")
@click.option("--storage-location", help="StorageLocation: a bucket of yours the project authorized")
@click.option(
    "--wait/--no-wait", default=True, show_default=True, help="wait for UploadSucc and print the media info"
)
@json_option
@pass_ctx
def upload_cmd(
    ctx: Context,
    files: tuple[Path, ...],
    title: str | None,
    template_group: str | None,
    storage_location: str | None,
    wait: bool,
) -> None:
    """Upload FILES (multipart with the issued credentials; run again to resume)."""
    results = []
    for path in files:
        fields: dict[str, Any] = {
            "Title": title or path.stem,
            "FileName": path.name,
            "FileSize": path.stat().st_size,
        }
        if template_group:
            fields["TemplateGroupId"] = template_group
        if storage_location:
            fields["StorageLocation"] = storage_location
        state, where = upload.start_or_resume(ctx.client, path, fields, err.print)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=ctx.as_json,
        ) as bar:
            row = bar.add_task(path.name, total=state.size)
            upload.send(ctx.client, state, where, functools.partial(_advance, bar, row))
        info = (
            wait_video(ctx, state.video_id)
            if wait
            else {"Video": {"VideoId": state.video_id, "Status": "Uploading"}}
        )
        results.append(info)
        if not ctx.as_json:
            print_video(info)
    if ctx.as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
    if any(r["Video"]["Status"] in ("UploadFail", "TranscodeFail") for r in results):
        sys.exit(1)


def _advance(bar: Progress, row: TaskID, sent: int) -> None:
    bar.update(row, completed=sent)


def wait_video(ctx: Context, video_id: str, timeout_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with err.status("waiting for the upload to be probed...", spinner="dots") if not ctx.as_json else _null():
        while True:
            info = ctx.client.get_video(video_id)
            if info["Video"]["Status"] in VIDEO_DONE or time.monotonic() > deadline:
                return info
            time.sleep(1)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def print_video(info: dict[str, Any]) -> None:
    video, mezzanine = info["Video"], info.get("Mezzanine") or {}
    out.print(f"[bold]{video['VideoId']}[/bold] {video.get('Title', '')}: {status_text(video['Status'])}")
    if video.get("ErrorCode"):
        out.print(f"  {video['ErrorCode']}: {video.get('ErrorMessage', '')}")
    if mezzanine:
        streams = [
            f"{s['CodecName']} {s['Width']}x{s['Height']} {s['Fps']} fps"
            for s in mezzanine["VideoStreamList"]
        ]
        streams += [
            f"{s['CodecName']} {s['SampleRate']} Hz {s['Channels']} ch" for s in mezzanine["AudioStreamList"]
        ]
        out.print(
            f"  {mezzanine.get('Duration')} s, {video.get('Size')} bytes, {mezzanine.get('FileFormat')}: "
            + ", ".join(streams)
        )


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--template-group", help="TemplateGroupId for the ingested videos")
@click.option("--wait/--no-wait", default=True, show_default=True)
@json_option
@pass_ctx
def ingest(ctx: Context, urls: tuple[str, ...], template_group: str | None, wait: bool) -> None:
    """UploadMediaByURL for URLS, then each URL's status (GetURLUploadInfos)."""
    answer = ctx.client.upload_by_url([quote(u, safe=":/?&=%#@+,;~") for u in urls], template_group)
    job_ids = [job["JobId"] for job in answer.get("UploadJobs", [])]
    infos: list[dict[str, Any]] = []
    deadline = time.monotonic() + 900
    while True:
        infos = ctx.client.url_jobs(job_ids)["URLUploadInfoList"]
        if not wait or all(i["Status"] in URL_DONE for i in infos) or time.monotonic() > deadline:
            break
        time.sleep(1)

    def human() -> None:
        table = Table("JobId", "URL", "Status", "MediaId", "Error")
        for i in infos:
            table.add_row(
                i["JobId"],
                i["UploadURL"],
                status_text(i["Status"]),
                i.get("MediaId", ""),
                i.get("ErrorCode", ""),
            )
        out.print(table)

    ctx.emit(infos, human)
    if wait and any(i["Status"] != "SUCCESS" for i in infos):
        sys.exit(1)
