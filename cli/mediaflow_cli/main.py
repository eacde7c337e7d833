"""``mediaflow``: Mediaflow for people - upload with a progress bar, watch jobs, list, download, play.

Works against the local stack (reads ``.mediaflow/local.env``) and a deployment alike
(``--endpoint/--project/--token`` or MEDIAFLOW_ENDPOINT / MEDIAFLOW_PROJECT_ID / MEDIAFLOW_TOKEN).
Errors are one line with the API family's code; ``--json`` prints machine-readable answers.
Shell completion: ``eval "$(_MEDIAFLOW_COMPLETE=bash_source mediaflow)"`` (zsh_source, fish_source).
"""

from __future__ import annotations

import functools
import json
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
from rich.console import Console
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

from mediaflow_cli import download, upload
from mediaflow_cli.client import HEX_ID, JOB_ID, Client, CliError, Settings, source_location

out = Console()
err = Console(stderr=True)
VIDEO_DONE = {"UploadSucc", "UploadFail", "Normal", "TranscodeFail"}
TASK_DONE = {"SUCCEEDED", "FAILED", "CANCELED"}
JOB_DONE = {"Success", "Failed", "Cancel"}
URL_DONE = {"SUCCESS", "DOWNLOAD_FAIL", "UPLOAD_FAIL"}
GOOD = {"UploadSucc", "Normal", "SUCCEEDED", "Success", "SUCCESS"}


class Context:
    def __init__(self, endpoint: str | None, project: str | None, token: str | None, as_json: bool) -> None:
        self._args = (endpoint, project, token)
        self.as_json = as_json
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client(Settings.resolve(*self._args))
        return self._client

    def emit(self, data: Any, human: Callable[[], object]) -> None:
        if self.as_json:
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            human()


pass_ctx = click.make_pass_decorator(Context)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` on every command too (``mediaflow ls videos --json`` reads best)."""

    def set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(Context).as_json = True

    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        expose_value=False,
        callback=set_json,
        help="print JSON for scripts",
    )(fn)


@click.group(help=__doc__.split("\n\n")[0])
@click.option("--endpoint", envvar="MEDIAFLOW_ENDPOINT", help="API base URL")
@click.option("--project", envvar="MEDIAFLOW_PROJECT_ID", help="project id")
@click.option("--token", envvar="MEDIAFLOW_TOKEN", help="project token (X-Auth-Token)")
@click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")
@click.version_option(package_name="mediaflow")
@click.pass_context
def cli(
    ctx: click.Context, endpoint: str | None, project: str | None, token: str | None, as_json: bool
) -> None:
    ctx.obj = Context(endpoint, project, token, as_json)


def status_text(status: str) -> str:
    colour = (
        "green"
        if status in GOOD
        else "red"
        if "FAIL" in status.upper() or status.startswith("Cancel")
        else "yellow"
    )
    return f"[{colour}]{status}[/{colour}]"


# ---------------------------------------------------------------- upload / ingest
@cli.command("upload")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--title", help="video title (default: the file name)")
@click.option("--template-group", help="TemplateGroupId: transcode once uploaded")
@click.option(
    "--wait/--no-wait", default=True, show_default=True, help="wait for UploadSucc and print the media info"
)
@json_option
@pass_ctx
def upload_cmd(
    ctx: Context, files: tuple[Path, ...], title: str | None, template_group: str | None, wait: bool
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


def lines(*texts: str) -> Callable[[], None]:
    """A human form that prints one line per text."""
    return lambda: out.print("\n".join(texts), highlight=False)


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


def main() -> None:
    try:
        cli(standalone_mode=False)
    except CliError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except click.exceptions.Abort:
        err.print("interrupted - run the same upload again to resume")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
