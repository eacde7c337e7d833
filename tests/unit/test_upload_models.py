import json
from typing import Any

import pytest
from pydantic import ValidationError

from mediaflow.api.families import Family, validation_error
from mediaflow.uploads.models import CreateUploadVideoRequest


def _code(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        CreateUploadVideoRequest.model_validate(body)
    return validation_error(Family.VOD, list(info.value.errors())).code


def test_a_plain_request_is_accepted() -> None:
    req = CreateUploadVideoRequest.model_validate(
        {"Title": "demo", "FileName": "clip.MP4", "Tags": "a, b,,c"}
    )
    assert req.tag_list == ["a", "b", "c"]
    assert req.user_data is None


def test_required_fields() -> None:
    assert _code({"FileName": "a.mp4"}) == "MissingParameter"
    assert _code({"Title": "t"}) == "MissingParameter"


@pytest.mark.parametrize("name", ["notes.txt", "noext", "archive.tar.gz", ".mp4", "video.mp4.exe"])
def test_file_name_needs_a_media_extension(name: str) -> None:
    assert _code({"Title": "t", "FileName": name}) == "InvalidFileName.Extension"


def test_length_limits() -> None:
    assert _code({"Title": "t" * 129, "FileName": "a.mp4"}) == "LengthExceededMax"
    assert _code({"Title": "t", "FileName": "a.mp4", "Description": "d" * 1025}) == "LengthExceededMax"
    assert _code({"Title": "t", "FileName": "a.mp4", "Tags": "x" * 33}) == "LengthExceededMax"
    CreateUploadVideoRequest.model_validate({"Title": "t" * 128, "FileName": "a.mp4", "Tags": "x" * 32})


def test_at_most_sixteen_tags() -> None:
    CreateUploadVideoRequest.model_validate({"Title": "t", "FileName": "a.mp4", "Tags": ",".join("t" * 16)})
    assert (
        _code({"Title": "t", "FileName": "a.mp4", "Tags": ",".join(str(i) for i in range(17))})
        == "TagsExceededMax"
    )


def test_emoji_is_an_illegal_character() -> None:
    assert _code({"Title": "party \U0001f389", "FileName": "a.mp4"}) == "IllegalCharacters"


def test_user_data_as_json_string_or_object() -> None:
    as_text = json.dumps({"MessageCallback": {"CallbackURL": "https://example.com/cb"}, "Extend": {"k": "v"}})
    for user_data in (as_text, json.loads(as_text)):
        req = CreateUploadVideoRequest.model_validate(
            {"Title": "t", "FileName": "a.mp4", "UserData": user_data}
        )
        assert req.user_data is not None
        assert req.user_data.MessageCallback is not None
        assert req.user_data.MessageCallback.CallbackURL == "https://example.com/cb"
        assert req.user_data.Extend == '{"k":"v"}'
        assert json.loads(req.user_data_text or "") == json.loads(as_text)


def test_user_data_limits() -> None:
    big = {"Extend": "x" * 513}
    assert _code({"Title": "t", "FileName": "a.mp4", "UserData": big}) == "LengthExceededMax"
    assert _code({"Title": "t", "FileName": "a.mp4", "UserData": "not json"}) == "InvalidParameter"
    bad_url = {"MessageCallback": {"CallbackURL": "ftp://example.com/x"}}
    assert _code({"Title": "t", "FileName": "a.mp4", "UserData": bad_url}) == "InvalidParameter"
