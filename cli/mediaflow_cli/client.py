"""The API as the CLI calls it: where it is (flags, environment, .mediaflow/local.env), the token
header, and every family's error turned into one ``CliError`` line with the family's code."""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ENV_FILE = Path(".mediaflow") / "local.env"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")  # VideoId
JOB_ID = re.compile(r"^j[0-9a-f]{32}$")  # a Tencent CI JobId


class CliError(Exception):
    """One line for the person: ``<Code>: <Message>``; exit status 1."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" (HTTP {status})" if status else ""))
        self.code = code


def find_env_file(start: Path | None = None) -> Path | None:
    """``.mediaflow/local.env`` in the current directory or a parent (what ``make run`` writes)."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ENV_FILE).is_file():
            return directory / ENV_FILE
    return None


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


@dataclass(frozen=True)
class Settings:
    endpoint: str
    project_id: str
    token: str
    console_url: str

    @classmethod
    def resolve(cls, endpoint: str | None, project: str | None, token: str | None) -> Settings:
        """Flags win over MEDIAFLOW_* variables, which win over .mediaflow/local.env."""
        path = find_env_file()
        stored = read_env_file(path) if path else {}

        def pick(flag: str | None, name: str) -> str:
            return flag or os.environ.get(name) or stored.get(name) or ""

        settings = cls(
            endpoint=pick(endpoint, "MEDIAFLOW_ENDPOINT").rstrip("/"),
            project_id=pick(project, "MEDIAFLOW_PROJECT_ID"),
            token=pick(token, "MEDIAFLOW_TOKEN"),
            console_url=pick(None, "MEDIAFLOW_CONSOLE_URL"),
        )
        missing = [n for n, v in (("endpoint", settings.endpoint), ("project", settings.project_id)) if not v]
        if not settings.token:
            missing.append("token")
        if missing:
            raise CliError(
                "MissingConfiguration",
                f"no {', '.join(missing)}: pass --{missing[0]}, set MEDIAFLOW_* variables or run `make run`",
            )
        return settings


def _family_error(response: requests.Response) -> CliError:
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict):
        error = body.get("Error") or (body.get("Response") or {}).get("Error")
        if body.get("Code"):
            return CliError(str(body["Code"]), str(body.get("Message", "")), response.status_code)
        if body.get("error_code"):
            return CliError(str(body["error_code"]), str(body.get("error_msg", "")), response.status_code)
        if isinstance(error, dict):
            return CliError(str(error.get("Code")), str(error.get("Message", "")), response.status_code)
        if body.get("message"):
            return CliError(f"HTTP{response.status_code}", str(body["message"]), response.status_code)
    return CliError(
        f"HTTP{response.status_code}", response.text[:200] or "request failed", response.status_code
    )


class Client:
    def __init__(self, settings: Settings, timeout_s: float = 30) -> None:
        self.settings = settings
        self.http = requests.Session()
        self.http.headers.update({"X-Auth-Token": settings.token, "Accept": "application/json"})
        self.timeout_s = timeout_s

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.settings.endpoint}/v1/{self.settings.project_id}{path}"
        try:
            response = self.http.request(method, url, timeout=self.timeout_s, **kwargs)
        except requests.RequestException as exc:
            raise CliError("ConnectionError", f"{self.settings.endpoint}: {exc}") from exc
        if response.status_code >= 400:
            raise _family_error(response)
        return response.json() if response.content else {}

    # Alibaba VOD
    def create_upload_video(self, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("POST", "/videos", json=fields))

    def refresh_upload_video(self, video_id: str) -> dict[str, Any]:
        return dict(self.call("POST", f"/videos/{video_id}/refresh-upload"))

    def get_video(self, video_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/videos/{video_id}"))

    def list_videos(self, size: int) -> dict[str, Any]:
        return dict(self.call("GET", "/videos", params={"PageSize": str(size)}))

    def upload_by_url(self, urls: list[str], group: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"UploadURLs": ",".join(urls)}
        if group:
            body["TemplateGroupId"] = group
        return dict(self.call("POST", "/url-uploads", json=body))

    def url_jobs(self, job_ids: list[str]) -> dict[str, Any]:
        return dict(self.call("GET", "/url-uploads", params={"JobIds": ",".join(job_ids)}))

    def play_url(self, key: str) -> dict[str, Any]:
        return dict(self.call("GET", "/play-url", params={"Object": key})["PlayInfo"])

    # Huawei MPC
    def create_task(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("POST", "/transcodings", json=body))

    def tasks(self, task_ids: list[str] | None = None, size: int = 10) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"task_id": ",".join(task_ids)} if task_ids else {"size": str(size)}
        return list(self.call("GET", "/transcodings", params=params)["task_array"])

    # Tencent CI (the JSON form)
    def submit_job(self, request: dict[str, Any]) -> dict[str, Any]:
        answer = self.call("POST", "/jobs", json={"Request": request})
        return dict(_jobs(answer)[0])

    def jobs(self, job_ids: list[str] | None = None, size: int = 10) -> list[dict[str, Any]]:
        if job_ids:
            return _jobs(self.call("GET", f"/jobs/{','.join(job_ids)}"))
        return _jobs(self.call("GET", "/jobs", params={"tag": "SmartCover", "size": str(size)}))


def _jobs(answer: dict[str, Any]) -> list[dict[str, Any]]:
    detail = (answer.get("Response") or answer).get("JobsDetail") or []
    return list(detail if isinstance(detail, list) else [detail])


def decode(value: str) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(value)))


def source_location(info: dict[str, Any]) -> tuple[str, str, str]:
    """(bucket, region, source key) of a video, from GetVideoInfo."""
    video = info["Video"]
    bucket = urlsplit(video["StorageLocation"]).path.strip("/").split("/")[-1]
    file_url = (info.get("Mezzanine") or {}).get("FileURL")
    if not file_url:
        raise CliError(
            "InvalidVideo.NoSource", f"video {video['VideoId']} has no source yet ({video['Status']})"
        )
    key = urlsplit(file_url).path.split(f"/{bucket}/", 1)[1]
    return bucket, str(video.get("RegionId") or "us-east-1"), key
