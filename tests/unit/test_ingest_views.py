"""GetURLUploadInfos entries (seed 004 fields) and the UploadByURLComplete body."""

from __future__ import annotations

from typing import Any

from mediaflow.ingest.records import UrlJobDoc
from mediaflow.ingest.views import INFO_FIELDS, upload_by_url_complete, url_upload_info
from mediaflow.records.model import Record


def _job(status: str, **doc: Any) -> Record[UrlJobDoc]:
    base = {
        "upload_url": "http://a.example/v.mp4",
        "fetch_url": "http://a.example/v.mp4",
        "video_id": "v" * 32,
    }
    body = UrlJobDoc.model_validate({**base, "object_key": "k", **doc})
    return Record("p" * 32, "j" * 32, status, "2019-01-01T01:01:01.123456Z", body)


def test_a_pending_job_has_every_seed_field_with_empty_unknowns() -> None:
    info = url_upload_info(_job("PENDING"))
    assert tuple(info)[: len(INFO_FIELDS)] == INFO_FIELDS  # then the cost extension
    assert tuple(info)[len(INFO_FIELDS) :] == ("ComputeSeconds", "EstimatedCostUsd")
    assert info == {
        "CreationTime": "2019-01-01T01:01:01Z",
        "Status": "PENDING",
        "ErrorCode": "",
        "ErrorMessage": "",
        "CompleteTime": "",
        "JobId": "j" * 32,
        "UserData": "",
        "UploadURL": "http://a.example/v.mp4",
        "MediaId": "v" * 32,
        "FileSize": "",
        "ComputeSeconds": "0.000",
        "EstimatedCostUsd": "0.000000",
    }


def test_a_finished_job_reads_as_vod_does() -> None:
    user_data = '{"MessageCallback":{"CallbackURL":"http://example.com/cb"},"Extend":"x"}'
    job = _job("SUCCESS", file_size=24, complete_time="2019-01-01T01:11:01.000001Z", user_data=user_data)
    info = url_upload_info(job)
    assert (info["FileSize"], info["CompleteTime"], info["UserData"]) == (
        "24",
        "2019-01-01T01:11:01Z",
        user_data,
    )


def test_upload_by_url_complete_success_and_fail() -> None:
    ok = upload_by_url_complete(_job("SUCCESS", file_size=24, extend="x"), "2019-01-01T01:11:01Z")
    assert ok == {
        "EventTime": "2019-01-01T01:11:01Z",
        "EventType": "UploadByURLComplete",
        "VideoId": "v" * 32,
        "JobId": "j" * 32,
        "SourceURL": "http://a.example/v.mp4",
        "Status": "success",
        "Size": 24,
        "Extend": "x",
    }
    failed = upload_by_url_complete(
        _job("DOWNLOAD_FAIL", error_code="SourceNotFound", error_message="HTTP 404"), "t"
    )
    assert (failed["Status"], failed["ErrorCode"], failed["ErrorMessage"]) == (
        "fail",
        "SourceNotFound",
        "HTTP 404",
    )
    assert "Size" not in failed and "Extend" not in failed
