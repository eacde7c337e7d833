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
