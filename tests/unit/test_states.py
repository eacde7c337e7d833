import pytest

from mediaflow.errors import InvalidTransition
from mediaflow.records.states import VIDEO


def test_video_starts_uploading_and_settles_on_upload() -> None:
    assert VIDEO.initial == "Uploading"
    assert VIDEO.can("Uploading", "UploadSucc")
    assert VIDEO.can("Uploading", "UploadFail")


def test_a_settled_video_accepts_a_new_source() -> None:
    for state in ("UploadSucc", "UploadFail", "Normal", "TranscodeFail"):
        assert VIDEO.can(state, "UploadSucc")
        assert VIDEO.can(state, "UploadFail")


@pytest.mark.parametrize(
    ("current", "target"), [("Uploading", "Normal"), ("UploadFail", "Transcoding"), ("Normal", "Uploading")]
)
def test_unlisted_transitions_are_refused(current: str, target: str) -> None:
    with pytest.raises(InvalidTransition):
        VIDEO.check(current, target)


def test_staying_in_a_state_is_not_a_transition() -> None:
    VIDEO.check("Normal", "Normal")
