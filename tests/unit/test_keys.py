from collections.abc import Iterator

import pytest

from mediaflow.storage.keys import InvalidKey, parse_upload_key, upload_key, validate_user_key

P, V = "a" * 32, "b" * 32


def test_upload_key_round_trips() -> None:
    key = upload_key(P, V, "MP4")
    assert key == f"uploads/{P}/{V}/source.mp4"
    parsed = parse_upload_key(key)
    assert parsed is not None
    assert (parsed.project_id, parsed.video_id, parsed.extension) == (P, V, "mp4")


@pytest.mark.parametrize(
    "key",
    [
        f"outputs/{P}/{V}/source.mp4",
        f"uploads/{P}/{V}/other.mp4",
        f"uploads/{P}/../{V}/source.mp4",
        f"uploads/{P.upper()}/{V}/source.mp4",
        f"uploads/{P}/{V}/source.mp4/extra",
    ],
)
def test_keys_outside_the_upload_layout_are_not_uploads(key: str) -> None:
    assert parse_upload_key(key) is None


@pytest.mark.parametrize(
    "key", ["", "/abs/path.mp4", "a/../b.mp4", "a/./b", "..", "a\\b.mp4", "a\x00b", "x" * 1025]
)
def test_unsafe_user_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_user_key(key)


def test_ordinary_user_keys_pass() -> None:
    assert validate_user_key("output/smartcover-${number}.jpg") == "output/smartcover-${number}.jpg"
    assert validate_user_key("dir/sub dir/file..name.mp4") == "dir/sub dir/file..name.mp4"


# ---- one rule on every route that takes a key (issue 16, item 6)
@pytest.fixture
def media_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from mediaflow import settings

    monkeypatch.setenv("MEDIAFLOW_BUCKET", "media-bucket")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    settings.reset_settings()
    yield "media-bucket"
    settings.reset_settings()


@pytest.mark.parametrize("raw", ["/abs/x", "//x", f"/outputs/{P}/x.mp4", "/uploads"])
def test_every_route_refuses_absolute_keys(media_bucket: str, raw: str) -> None:
    from mediaflow.ci import locations as ci_locations
    from mediaflow.ci.models import OutputTarget
    from mediaflow.errors import ApiError
    from mediaflow.transcode import locations as mpc_locations

    info = mpc_locations.ObsObjInfo(bucket=media_bucket, location="us-east-1", object=raw)
    target = OutputTarget(Region="us-east-1", Bucket=media_bucket, Object=raw)
    attempts = [
        lambda: mpc_locations.input_place(P, info),
        lambda: mpc_locations.output_place(P, info),
        lambda: ci_locations.input_key(P, raw),
        lambda: ci_locations.output_pattern(P, target, count=1, fmt="jpg", job_id="j"),
    ]
    for attempt in attempts:
        with pytest.raises(ApiError) as refused:
            attempt()
        assert refused.value.status == 400
        assert "relative path" in refused.value.message


def test_output_folders_keep_their_trailing_slash(media_bucket: str) -> None:
    from mediaflow.transcode import locations as mpc_locations

    info = mpc_locations.ObsObjInfo(bucket=media_bucket, location="us-east-1", object="renditions/demo/")
    assert mpc_locations.output_place(P, info).key == f"outputs/{P}/renditions/demo/"
