"""The error model: typed exceptions raised in logic, rendered per API family in one place.

``ApiError`` carries a family's own code (``InvalidVideo.NotFound``, ``MPC.10202``,
``InvalidArgument``) because each operation belongs to exactly one family. Data-access code
raises the family-neutral errors below; each family's service turns them into its ``ApiError``.
"""

from __future__ import annotations


class MediaflowError(Exception):
    """Base of every error the core raises on purpose."""


class ApiError(MediaflowError):
    """An answer to the caller: HTTP status plus the family's code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class NotFound(MediaflowError):
    """The item does not exist in the caller's project (another project's item looks the same)."""


class Conflict(MediaflowError):
    """A conditional write lost: the item changed, or the transition is not allowed from its state."""


class InvalidCursor(MediaflowError, ValueError):
    """A pagination cursor that this service did not hand out for this query (``cursors``)."""


class Forbidden(MediaflowError):
    """The caller is authenticated but not allowed here (project mismatch)."""


class InvalidTransition(Conflict):
    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(f"{kind}: {current} -> {target} is not allowed")
        self.kind = kind
        self.current = current
        self.target = target
