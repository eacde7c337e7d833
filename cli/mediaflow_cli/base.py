"""``mediaflow``: Mediaflow for people - upload with a progress bar, watch jobs, list, download, play.

Works against the local stack (reads ``.mediaflow/local.env``) and a deployment alike
(``--endpoint/--project/--token`` or MEDIAFLOW_ENDPOINT / MEDIAFLOW_PROJECT_ID / MEDIAFLOW_TOKEN).
Errors are one line with the API family's code; ``--json`` prints machine-readable answers.
Shell completion: ``eval "$(_MEDIAFLOW_COMPLETE=bash_source mediaflow)"`` (zsh_source, fish_source).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console

from mediaflow_cli.client import Client, Settings

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


def lines(*texts: str) -> Callable[[], None]:
    """A human form that prints one line per text."""
    return lambda: out.print("\n".join(texts), highlight=False)
