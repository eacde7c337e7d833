"""``mediaflow transcode``, ``covers`` and ``watch``: start tasks and jobs, follow them to the end."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
)

from mediaflow_cli.base import (
    GOOD,
    JOB_DONE,
    TASK_DONE,
    VIDEO_DONE,
    Context,
    cli,
    err,
    json_option,
    lines,
    out,
    pass_ctx,
    status_text,
)
from mediaflow_cli.client import HEX_ID, JOB_ID, CliError, source_location


# ---------------------------------------------------------------- transcode / covers / watch
def resolve_source(ctx: Context, video_or_key: str) -> tuple[str, str, str]:
    if HEX_ID.match(video_or_key):
        return source_location(ctx.client.get_video(video_or_key))
    raise CliError("InvalidParameter", "give a VideoId (32 hex) or use --bucket/--region with a key")


@cli.command()
@click.argument("source")
@click.option(
    "--template",
    "templates",
    multiple=True,
    required=True,
    type=int,
    help="transcoding template id (repeatable), e.g. 111 = H.264 360p HLS, 114 = MP4",
)
@click.option("--output", help="output object (default: transcodes/<VideoId>)")
@click.option("--bucket", help="media bucket (when SOURCE is a key)")
@click.option("--region", help="its region (when SOURCE is a key)")
@click.option("--wait/--no-wait", default=False, help="watch the task until it ends")
@json_option
@pass_ctx
def transcode(
    ctx: Context,
    source: str,
    templates: tuple[int, ...],
    output: str | None,
    bucket: str | None,
    region: str | None,
    wait: bool,
) -> None:
    """Transcode SOURCE (a VideoId or an object key) with one or more templates."""
    if bucket and region:
        key = source
    else:
        bucket, region, key = resolve_source(ctx, source)
    name = source if HEX_ID.match(source) else Path(key).stem
    body = {
        "input": {"bucket": bucket, "location": region, "object": key},
        "output": {"bucket": bucket, "location": region, "object": output or f"transcodes/{name}"},
        "trans_template_id": list(templates),
    }
    task_id = str(ctx.client.create_task(body)["task_id"])
    if wait:
        sys.exit(watch_ids(ctx, [task_id]))
    ctx.emit({"task_id": task_id}, lambda: out.print(f"task {task_id} created; `mediaflow watch {task_id}`"))


@cli.command()
@click.argument("video")
@click.option("--count", default=5, show_default=True, type=click.IntRange(1, 10))
@click.option("--width", default=1280, show_default=True, type=click.IntRange(128, 4096))
@click.option("--format", "fmt", default="jpg", type=click.Choice(["jpg", "png", "webp"]))
@click.option("--wait/--no-wait", default=True, show_default=True)
@json_option
@pass_ctx
def covers(ctx: Context, video: str, count: int, width: int, fmt: str, wait: bool) -> None:
    """Smart covers of VIDEO (a SmartCover job); prints the covers best first."""
    bucket, region, key = source_location(ctx.client.get_video(video))
    job = ctx.client.submit_job(
        {
            "Tag": "SmartCover",
            "Input": {"Object": key},
            "Operation": {
                "SmartCover": {
                    "Format": fmt,
                    "Width": str(width),
                    "Count": str(count),
                    "DeleteDuplicates": "true",
                },
                "Output": {
                    "Region": region,
                    "Bucket": bucket,
                    "Object": f"covers/{video}/cover-${{number}}.{fmt}",
                },
            },
        }
    )
    if wait:
        status = watch_ids(ctx, [job["JobId"]], quiet=ctx.as_json)
        job = ctx.client.jobs([job["JobId"]])[0]
        files = (
            ((job.get("Operation") or {}).get("MediaResult") or {})
            .get("OutputFile", {})
            .get("ObjectName", [])
        )
        ctx.emit(job, lines(*files))
        sys.exit(status)
    ctx.emit(job, lambda: out.print(f"job {job['JobId']} submitted; `mediaflow watch {job['JobId']}`"))


def _snapshot(ctx: Context, ident: str) -> tuple[str, str, int, bool]:
    """(kind, status, progress %, ended) of a task, job or video."""
    if ident.isdigit() and not HEX_ID.match(ident):
        task = ctx.client.tasks([ident])
        if not task:
            raise CliError("MPC.10202", f"task {ident} not found")
        return "task", task[0]["status"], int(task[0].get("progress") or 0), task[0]["status"] in TASK_DONE
    if JOB_ID.match(ident):
        job = ctx.client.jobs([ident])
        if not job:
            raise CliError("NoSuchJob", f"job {ident} not found")
        state = job[0]["State"]
        return (
            "cover job",
            state,
            100 if state in JOB_DONE else 50 if state == "Running" else 0,
            state in JOB_DONE,
        )
    video = ctx.client.get_video(ident)["Video"]
    status = video["Status"]
    return "video", status, 100 if status in VIDEO_DONE else 50, status in VIDEO_DONE


def watch_ids(ctx: Context, ids: list[str], quiet: bool = False) -> int:
    """Live progress until every id ended; 0 when all succeeded."""
    final: dict[str, str] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[status]}"),
        console=err,
        disable=quiet or ctx.as_json,
    ) as bar:
        rows = {i: bar.add_task(i, total=100, status="") for i in ids}
        while len(final) < len(ids):
            for ident in ids:
                if ident in final:
                    continue
                kind, status, percent, ended = _snapshot(ctx, ident)
                bar.update(rows[ident], description=f"{kind} {ident}", completed=percent, status=status)
                if ended:
                    final[ident] = status
            if len(final) < len(ids):
                time.sleep(1)
    if not quiet:
        ctx.emit(final, lines(*(f"{i}: {status_text(s)}" for i, s in final.items())))
    return 0 if all(s in GOOD for s in final.values()) else 1


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@json_option
@pass_ctx
def watch(ctx: Context, ids: tuple[str, ...]) -> None:
    """Follow tasks (numbers), cover jobs (j...) and videos until they end; exit 0 if all succeeded."""
    sys.exit(watch_ids(ctx, list(ids)))
