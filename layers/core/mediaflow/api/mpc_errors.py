"""The Huawei MPC family's error answers (``{"error_code": "MPC.xxxxx", "error_msg": ...}``)."""

from __future__ import annotations

from mediaflow.errors import ApiError


def invalid(message: str) -> ApiError:
    """``MPC.10202`` Invalid request parameter, naming the field."""
    return ApiError(400, "MPC.10202", f"Invalid request parameter: {message}")


def operation_failed(message: str) -> ApiError:
    return ApiError(400, "MPC.10212", f"Operation failed: {message}")


NOT_FOUND = ApiError(404, "MPC.10404", "The resource does not exist.")
TASK_NOT_CANCELABLE = ApiError(
    400, "MPC.10212", "Operation failed. The task does not exist or has already ended."
)
TEMPLATE_NOT_FOUND = ApiError(400, "MPC.10089", "The template file does not exist.")
TEMPLATE_NAME_EXISTS = ApiError(400, "MPC.10091", "The template name already exists.")
TEMPLATE_BUSY = ApiError(400, "MPC.10212", "Operation failed. The template is being changed; try again.")
GROUP_NAME_EXISTS = ApiError(400, "MPC.10230", "The template group name already exists.")
GROUP_NOT_FOUND = ApiError(400, "MPC.10231", "The template group does not exist.")
