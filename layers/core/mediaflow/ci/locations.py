"""Input.Object and Output.Object mapped onto the media bucket, inside the caller's project only.

The rule is shared with the MPC family (``storage.keys.project_key``): a key under ``uploads/`` or
``outputs/`` must be the project's own; anything else is relative to ``outputs/<project>/``; '..',
absolute paths and control characters are refused (``storage.keys.validate_user_key``). Covers are
written only under ``outputs/<project>/`` (never under ``uploads/``, which would start the upload
path). Output.Bucket may also be a bucket the project authorized (``buckets.access.resolve_bucket``,
the check every task kind shares), where Output.Object is any valid key; Output.Region must be
Mediaflow's region.

Output.Object wildcards: ``${jobid}`` and ``${ext}`` (the cover format) are replaced at submit,
``${number}`` (0-based rank, best cover first) per file; ``${number}`` is required when Count > 1.
"""

from __future__ import annotations

from mediaflow.api.ci_errors import invalid
from mediaflow.buckets.access import resolve_bucket, user_key
from mediaflow.ci.models import OutputTarget
from mediaflow.storage import keys

NUMBER = "${number}"
_WILDCARDS = (NUMBER, "${Number}")  # older CI documents spell it ${Number}


def _owned(project_id: str, raw: str, field: str) -> str:
    return keys.owned_key(project_id, raw, field, invalid)


def input_key(project_id: str, raw: str) -> str:
    return _owned(project_id, raw, "Input.Object")


def output_bucket(project_id: str, target: OutputTarget) -> str | None:
    """None for the media bucket, else the authorized bucket the covers go to."""
    return resolve_bucket(
        project_id,
        target.Bucket,
        target.Region,
        bucket_field="Operation.Output.Bucket",
        region_field="Operation.Output.Region",
        invalid=invalid,
    )


def output_pattern(project_id: str, target: OutputTarget, *, count: int, fmt: str, job_id: str) -> str:
    """The full key of every cover, with ``${number}`` still in it."""
    bucket = output_bucket(project_id, target)
    pattern = target.Object.replace("${jobid}", job_id).replace("${ext}", fmt)
    for spelling in _WILDCARDS[1:]:
        pattern = pattern.replace(spelling, NUMBER)
    if pattern.endswith("/"):
        raise invalid("Operation.Output.Object must name a file, not a folder")
    if count > 1 and NUMBER not in pattern:
        raise invalid("Operation.Output.Object must contain ${number} when Count is more than 1")
    if bucket is not None:
        user_key(pattern.replace(NUMBER, "0"), "Operation.Output.Object", invalid)
        return pattern
    key = _owned(project_id, pattern.replace(NUMBER, "0"), "Operation.Output.Object")
    prefix = keys.output_prefix(project_id)
    if not key.startswith(prefix):
        raise invalid(f"Operation.Output.Object must be under {prefix}")
    return pattern if pattern.startswith(prefix) else prefix + pattern


def cover_key(pattern: str, rank: int) -> str:
    return pattern.replace(NUMBER, str(rank))


def object_name(project_id: str, key: str, bucket: str | None = None) -> str:
    """The key relative to ObjectPrefix (``outputs/<project>/``) in the media bucket, as MediaResult
    reports it; the key itself in an authorized bucket."""
    return key if bucket else key.removeprefix(keys.output_prefix(project_id))
