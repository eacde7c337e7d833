"""The Alibaba VOD family's error answers (``{"RequestId", "HostId", "Code", "Message"}``)."""

from __future__ import annotations

from mediaflow.errors import ApiError

VIDEO_NOT_FOUND = ApiError(404, "InvalidVideo.NotFound", "The video not exist.")
VIDEO_DAMAGED = ApiError(400, "InvalidVideo.Damaged", "The video has been Damaged.")
TEMPLATE_GROUP_NOT_FOUND = ApiError(
    404, "InvalidTemplateGroupId.NotFound", "The TemplateGroupId does not exist."
)
DUPLICATE_SESSION = ApiError(
    400, "InvalidParameter.SessionId", "The SessionId was already used within the last 10 minutes."
)


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(400, "InvalidParameter", f"The specified parameter {field} is not valid: {reason}")


def invalid_message(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter", message)


def missing(message: str) -> ApiError:
    return ApiError(400, "MissingParameter", message)


def invalid_upload_urls(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter.UploadURLs", message)
