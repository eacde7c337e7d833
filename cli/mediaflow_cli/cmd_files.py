"""``mediaflow ls``, ``get`` and ``play``: what a project has, downloaded or opened in the console."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
from rich.table import Table

from mediaflow_cli import download
from mediaflow_cli.base import Context, cli, json_option, lines, out, pass_ctx, status_text
from mediaflow_cli.client import HEX_ID, JOB_ID, CliError, source_location


# ---------------------------------------------------------------- ls / get / play
@cli.command()
@click.argument("what", type=click.Choice(["videos", "tasks", "jobs"]))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@json_option
@pass_ctx
def ls(ctx: Context, what: str, limit: int) -> None:
    """List videos, transcoding tasks or smart-cover jobs, newest first."""
    if what == "videos":
        items = ctx.client.list_videos(limit)["VideoList"]["Video"]
        table = Table("VideoId", "Title", "Status", "Duration", "Size", "Created")
        for v in items:
            table.add_row(
                v["VideoId"],
                v.get("Title") or "",
                status_text(v["Status"]),
                f"{v['Duration']:.1f}",
                str(v["Size"]),
                v["CreationTime"],
            )
    elif what == "tasks":
        items = ctx.client.tasks(size=limit)
        table = Table("task_id", "status", "progress", "templates", "created", "outputs")
        for t in items:
            table.add_row(
                str(t["task_id"]),
                status_text(t["status"]),
                f"{t['progress']}%",
                ",".join(map(str, t["trans_template_id"])),
                t["create_time"],
                " ".join(t["output_file_name"]),
            )
    else:
        items = ctx.client.jobs(size=limit)
        table = Table("JobId", "State", "Input", "Created")
        for j in items:
            table.add_row(
                j["JobId"],
                status_text(j["State"]),
                (j.get("Input") or {}).get("Object", ""),
                j.get("CreationTime", ""),
            )
    ctx.emit(items, lambda: out.print(table))


def objects_of(ctx: Context, ident: str) -> tuple[dict[str, Any], list[str]]:
    """What ``get`` shows for an id, and the object keys it can download."""
    if ident.isdigit() and not HEX_ID.match(ident):
        task = ctx.client.tasks([ident])
        if not task:
            raise CliError("MPC.10202", f"task {ident} not found")
        prefix = task[0]["output"]["object"].rstrip("/")
        return task[0], [f"{prefix}/{name}" for name in task[0]["output_file_name"]]
    if JOB_ID.match(ident):
        job = ctx.client.jobs([ident])
        if not job:
            raise CliError("NoSuchJob", f"job {ident} not found")
        names = (
            ((job[0].get("Operation") or {}).get("MediaResult") or {})
            .get("OutputFile", {})
            .get("ObjectName", [])
        )
        return job[0], list(names if isinstance(names, list) else [names])
    info = ctx.client.get_video(ident)
    return info, [source_location(info)[2]] if info.get("Mezzanine") else []


@cli.command()
@click.argument("ident", metavar="ID")
@click.option(
    "--download",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="download its outputs (HLS with every segment) into DIR",
)
@json_option
@pass_ctx
def get(ctx: Context, ident: str, directory: Path | None) -> None:
    """Show a video, a task (number) or a cover job (j...); --download DIR fetches its files."""
    doc, keys = objects_of(ctx, ident)
    saved: list[str] = []
    if directory is not None:
        for key in keys:
            saved += [str(p) for p in download.fetch(ctx.client, key, directory)]
    ctx.emit(
        {"item": doc, "downloaded": saved},
        lines(json.dumps(doc, indent=2, ensure_ascii=False), *(f"saved {p}" for p in saved)),
    )


@cli.command()
@click.argument("ident", metavar="ID")
@click.option("--output", "which", help="which output file to play (default: the first HLS, else the first)")
@click.option(
    "--console-url", envvar="MEDIAFLOW_CONSOLE_URL", help="the web console (local: <endpoint>/console/)"
)
@json_option
@pass_ctx
def play(ctx: Context, ident: str, which: str | None, console_url: str | None) -> None:
    """Open the console's player on a task's output or a video's source."""
    _, keys = objects_of(ctx, ident)
    if which:
        keys = [k for k in keys if k.endswith("/" + which)]
    if not keys:
        raise CliError("NothingToPlay", f"{ident} has no playable output yet")
    key = next((k for k in keys if k.endswith(".m3u8")), keys[0])
    settings = ctx.client.settings
    base = (console_url or settings.console_url or f"{settings.endpoint}/console/").rstrip("/") + "/"
    url = f"{base}#project={settings.project_id}&token={quote(settings.token)}&play={quote(key, safe='')}"
    opened = webbrowser.open(url)
    ctx.emit(
        {"url": url, "object": key, "opened": opened},
        lambda: out.print(f"{'opened' if opened else 'open'} {base} on {key}"),
    )
