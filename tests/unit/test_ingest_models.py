"""UploadMediaByURL request validation: URL list, encoding, metadata matching, extensions, SessionId."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from pydantic import ValidationError

from mediaflow.api.families import Family, validation_error
from mediaflow.errors import ApiError
from mediaflow.ingest.models import (
    UploadMediaByURLRequest,
    keys_of,
    match_metadata,
    parse_upload_urls,
    url_key,
)


def _urls(*urls: str) -> str:
    return ",".join(quote(u, safe="") for u in urls)


def _code(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        UploadMediaByURLRequest.model_validate(body)
    return validation_error(Family.VOD, list(info.value.errors())).code


def _refused(value: str, *, allow_loopback: bool = False) -> ApiError:
    with pytest.raises(ApiError) as info:
        parse_upload_urls(value, allow_loopback=allow_loopback)
    return info.value


def test_encoded_urls_are_decoded_once_and_requoted_for_fetching() -> None:
    raw = "https://cdn.example.com/My Clips/été.mp4?sig=a%2Fb&x=1"
    (source,) = parse_upload_urls(_urls(raw), allow_loopback=False)
    assert source.text == raw  # echoed as the caller meant it
    assert source.fetch_url == "https://cdn.example.com/My%20Clips/%C3%A9t%C3%A9.mp4?sig=a%2Fb&x=1"
    assert (source.file_name, source.extension) == ("été.mp4", "mp4")


def test_unencoded_urls_work_too_and_items_are_trimmed() -> None:
    sources = parse_upload_urls(" http://a.example/x.MOV , http://b.example/y.flv ", allow_loopback=False)
    assert [s.extension for s in sources] == ["mov", "flv"]


def test_the_lookup_key_ignores_host_case_default_port_and_fragment() -> None:
    base = url_key("http://a.example/v.mp4?q=1")
    assert base == url_key("HTTP://A.EXAMPLE:80/v.mp4?q=1#part") != url_key("http://a.example/V.mp4?q=1")
    assert base in keys_of(quote("http://A.example/v.mp4?q=1", safe=""))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (_urls(*[f"http://a.example/{i}.mp4" for i in range(21)]), "at most 20"),
        ("http://169.254.169.254/latest/meta-data/a.mp4", "ForbiddenAddress"),
        ("http://10.0.0.1/a.mp4", "ForbiddenAddress"),
        ("http://127.0.0.1/a.mp4", "ForbiddenAddress"),
        ("http://[::1]/a.mp4", "ForbiddenAddress"),
        ("http://2130706433/a.mp4", "InvalidUrl"),
        ("http://localhost/a.mp4", "ForbiddenAddress"),
        ("ftp://a.example/a.mp4", "UnsupportedScheme"),
        ("file:///etc/passwd", "UnsupportedScheme"),
        ("gopher://a.example/a.mp4", "UnsupportedScheme"),
        ("http://user:pw@a.example/a.mp4", "credentials"),
        ("a.example/a.mp4", "scheme"),
    ],
)
def test_bad_urls_are_invalid_parameter_upload_urls(value: str, fragment: str) -> None:
    error = _refused(value)
    assert (error.status, error.code) == (400, "InvalidParameter.UploadURLs")
    assert fragment in error.message


def test_twenty_urls_are_fine_and_loopback_only_with_the_setting() -> None:
    assert (
        len(parse_upload_urls(_urls(*[f"http://a.example/{i}.mp4" for i in range(20)]), allow_loopback=False))
        == 20
    )
    assert parse_upload_urls("http://127.0.0.1:8080/a.mp4", allow_loopback=True)[0].fetch_url.startswith(
        "http://127"
    )
    assert _refused(" , ").code == "MissingParameter"


def test_the_refusal_names_the_item_but_not_its_query() -> None:
    error = _refused(_urls("http://a.example/a.mp4", "http://10.0.0.1/b.mp4?token=secret"))
    assert "item 2" in error.message and "secret" not in error.message


def _request(urls: list[str], metadatas: Any = None) -> tuple[Any, Any]:
    request = UploadMediaByURLRequest.model_validate(
        {"UploadURLs": _urls(*urls), "UploadMetadatas": metadatas}
    )
    sources = parse_upload_urls(request.UploadURLs, allow_loopback=False)
    return sources, request.UploadMetadatas


def test_metadata_matches_by_source_url_in_any_spelling_and_as_a_json_string() -> None:
    urls = ["http://a.example/one.mp4", "http://a.example/stream?id=2"]
    metadatas = '[{"SourceURL": "HTTP://A.EXAMPLE/stream?id=2", "FileExtension": ".MOV", "Title": "Two"}]'
    sources, parsed = _request(urls, metadatas)
    first, second = match_metadata(sources, parsed)
    assert first is None and second is not None
    assert (second.Title, second.FileExtension) == ("Two", "mov")


def test_a_url_without_extension_needs_file_extension() -> None:
    sources, parsed = _request(["http://a.example/stream?id=2"])
    with pytest.raises(ApiError) as info:
        match_metadata(sources, parsed)
    assert info.value.code == "InvalidParameter.UploadURLs" and "FileExtension" in info.value.message


def test_metadata_for_a_url_not_in_the_list_is_refused() -> None:
    sources, parsed = _request(["http://a.example/one.mp4"], [{"SourceURL": "http://a.example/two.mp4"}])
    with pytest.raises(ApiError) as info:
        match_metadata(sources, parsed)
    assert info.value.code == "InvalidParameter" and "item 1" in info.value.message


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"Title": "t" * 129}, "LengthExceededMax"),
        ({"Title": "é" * 65}, "LengthExceededMax"),  # 130 bytes: the limit is in bytes
        ({"Description": "d" * 1025}, "LengthExceededMax"),
        ({"Tags": ",".join(str(i) for i in range(17))}, "TagsExceededMax"),
        ({"Tags": "x" * 33}, "LengthExceededMax"),
        ({"Title": "hi 😀"}, "IllegalCharacters"),
        ({"FileExtension": "exe"}, "InvalidFileName.Extension"),
        ({"TemplateGroupId": "g" * 65}, "LengthExceededMax"),
        ({}, "MissingParameter"),
    ],
)
def test_metadata_limits(entry: dict[str, Any], code: str) -> None:
    source = {} if entry == {} else {"SourceURL": "http://a.example/a.mp4"}
    assert _code({"UploadURLs": "x", "UploadMetadatas": [{**source, **entry}]}) == code


def test_limits_are_inclusive() -> None:
    entry = {
        "SourceURL": "u",
        "Title": "é" * 64,
        "Description": "d" * 1024,
        "Tags": ",".join(["x" * 32] * 16),
    }
    UploadMediaByURLRequest.model_validate({"UploadURLs": "x", "UploadMetadatas": [entry]})


@pytest.mark.parametrize("value", ["a" * 51, "has space", "semi;colon", "ümlaut"])
def test_session_id_format(value: str) -> None:
    assert _code({"UploadURLs": "x", "SessionId": value}) == "InvalidParameter"


def test_session_id_and_user_data_are_kept() -> None:
    request = UploadMediaByURLRequest.model_validate(
        {"UploadURLs": "x", "SessionId": "Batch_1-" + "a" * 42, "UserData": {"Extend": "e"}}
    )
    assert request.SessionId and len(request.SessionId) == 50
    assert request.user_data_text == '{"Extend":"e"}'


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "MissingParameter"),
        ({"UploadURLs": ""}, "InvalidParameter"),
        ({"UploadURLs": "x", "UploadMetadatas": "{}"}, "InvalidParameter"),
        ({"UploadURLs": "x", "UserData": "not json"}, "InvalidParameter"),
        ({"UploadURLs": "x", "UserData": {"Extend": "e" * 513}}, "LengthExceededMax"),
    ],
)
def test_request_level_errors(body: dict[str, Any], code: str) -> None:
    assert _code(body) == code
