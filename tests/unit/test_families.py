import json

from defusedxml import ElementTree

from mediaflow.api.families import Family, render, validation_error
from mediaflow.errors import ApiError


def test_vod_errors_carry_request_id_host_code_message() -> None:
    out = render(Family.VOD, ApiError(404, "InvalidVideo.NotFound", "The video not exist."), "RID", "host")
    assert out.status == 404
    assert json.loads(out.body) == {
        "RequestId": "RID",
        "HostId": "host",
        "Code": "InvalidVideo.NotFound",
        "Message": "The video not exist.",
    }


def test_mpc_errors_are_error_code_and_msg() -> None:
    out = render(Family.MPC, ApiError(400, "MPC.10202", "Invalid request parameter"), "RID", "host")
    assert json.loads(out.body) == {"error_code": "MPC.10202", "error_msg": "Invalid request parameter"}


def test_ci_errors_are_xml_and_escaped() -> None:
    out = render(Family.CI, ApiError(400, "InvalidArgument", "bad <value> & more"), "RID", "host")
    assert out.content_type == "application/xml"
    root = ElementTree.fromstring(out.body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "InvalidArgument"
    assert root.findtext("Message") == "bad <value> & more"
    assert root.findtext("RequestId") == "RID"


def test_validation_errors_map_to_each_family() -> None:
    missing = [{"type": "missing", "loc": ("body", "Title"), "msg": "Field required"}]
    assert validation_error(Family.VOD, missing).code == "MissingParameter"
    assert "Title" in validation_error(Family.VOD, missing).message
    assert validation_error(Family.MPC, missing).code == "MPC.10202"
    assert validation_error(Family.CI, missing).code == "InvalidArgument"
    too_long = [{"type": "string_too_long", "loc": ("body", "Title"), "msg": "x", "ctx": {"max_length": 128}}]
    assert validation_error(Family.VOD, too_long).code == "LengthExceededMax"
    custom = [{"type": "InvalidFileName.Extension", "loc": ("body", "FileName"), "msg": "nope"}]
    assert validation_error(Family.VOD, custom).code == "InvalidFileName.Extension"
