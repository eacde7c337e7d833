"""Delivering one domain event to its callback URL(s): sign, POST, record, retry, dead-letter.

One delivery per (event_id, URL): its id is derived from both, so a duplicated SNS/SQS message
finds the existing delivery instead of making a second one. A short lease on the record keeps two
workers from posting the same delivery at once. Failed attempts are retried through the retry
queue with exponential backoff and jitter (SQS delays at most 15 minutes, so a longer wait is a
chain of hops carrying ``not_before``) until the retry window closes; then the delivery is
FAILED and its id goes to the dead-letter queue. Refused addresses fail at once: nothing is sent.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import replace
from typing import Any

from mediaflow import aws, clock
from mediaflow.errors import Conflict, NotFound
from mediaflow.events.model import DomainEvent
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind
from mediaflow.net import OutboundError, request
from mediaflow.notifications import bodies, config, signing
from mediaflow.observability import logger
from mediaflow.settings import get_settings

_NAMESPACE = uuid.UUID("0b9c7a52-3f4e-4b8e-9d51-6a2f7e0c4d13")
MAX_SQS_DELAY_S = 900
MAX_ATTEMPTS_KEPT = 50
PERMANENT_CODES = frozenset({"InvalidUrl", "UnsupportedScheme", "ForbiddenAddress", "NoSigningSecret"})


def delivery_id(event_id: str, url: str) -> str:
    return uuid.uuid5(_NAMESPACE, f"{event_id}|{url}").hex


def targets(event: DomainEvent) -> list[tuple[str, bodies.Format]]:
    """The per-request callback if the request named one, else the project's URL if enabled."""
    if event.callback is not None:
        return [(event.callback.url, event.callback.format)]
    if not event.use_project_callback:
        return []
    project = config.get_config(event.project_id)
    if project.url and project.enabled(event.event_type):
        return [(project.url, project.format)]
    return []


def ensure(event: DomainEvent, url: str, fmt: bodies.Format) -> store.Record:
    record = store.Record(
        kind=Kind.DELIVERY,
        project_id=event.project_id,
        id=delivery_id(event.event_id, url),
        status="PENDING",
        created_at=clock.key_time(clock.now()),
        doc={
            "event": event.model_dump(mode="json"),
            "url": url,
            "format": fmt,
            "attempts": [],
            "attempt_count": 0,
            "cycle_started_at": time.time(),
        },
        lookup=(f"P#{event.project_id}#EVENT#{event.event_id}", clock.key_time(clock.now())),
    )
    try:
        return store.create(record)
    except Conflict:
        return store.get(Kind.DELIVERY, event.project_id, record.id)


def handle_event(event: DomainEvent) -> list[str]:
    """Entry point for an event from the topic: create deliveries and make their first attempt."""
    outcomes = []
    for url, fmt in targets(event):
        delivery = ensure(event, url, fmt)
        if delivery.status == "PENDING" and delivery.doc["attempt_count"] == 0:
            outcomes.append(attempt(delivery.project_id, delivery.id))
        else:
            outcomes.append("duplicate")
    return outcomes


def handle_retry(message: dict[str, Any]) -> str:
    """Entry point for the retry queue: wait out ``not_before`` in hops, then attempt again."""
    remaining = float(message.get("not_before", 0)) - time.time()
    if remaining > 1:
        _enqueue_retry(message["project_id"], message["delivery_id"], remaining)
        return "waiting"
    return attempt(message["project_id"], message["delivery_id"])


def _take_lease(project_id: str, the_id: str) -> store.Record | None:
    lease_s = get_settings().callback_timeout_s + 10
    now = time.time()

    def lease(current: store.Record) -> store.Record | None:
        if current.status not in ("PENDING", "RETRYING") or current.doc.get("lease_until", 0) > now:
            return None
        return replace(current, doc={**current.doc, "lease_until": now + lease_s})

    try:
        leased = store.update(Kind.DELIVERY, project_id, the_id, lease)
    except NotFound:
        return None
    return (
        leased
        if leased.doc.get("lease_until", 0) > now and leased.status in ("PENDING", "RETRYING")
        else None
    )


def _post(record: store.Record) -> dict[str, Any]:
    """One HTTP attempt; returns its record (never raises for delivery failures)."""
    settings = get_settings()
    event = DomainEvent.model_validate(record.doc["event"])
    started = time.time()
    outcome: dict[str, Any] = {"at": clock.iso_z(clock.now()), "status_code": None, "error": None}
    secrets = [s.value for s in config.list_secrets(record.project_id)]
    if not secrets:
        return {**outcome, "error": "NoSigningSecret", "message": "the project has no signing secret"}
    content_type, body = bodies.render(event, record.doc["format"])
    headers = signing.callback_headers(
        secrets, int(started), body, event.event_id, event.event_type, content_type
    )
    try:
        response = request(
            record.doc["url"],
            method="POST",
            body=body,
            headers=headers,
            allow_loopback=settings.allow_loopback,
            deadline_s=settings.callback_timeout_s,
            follow_redirects=True,  # every hop is re-resolved and re-checked by the client
            truncate_body=True,  # the receiver's answer body is ignored
        )
        outcome["status_code"] = response.status
        if not 200 <= response.status < 300:
            outcome["error"] = "HttpStatus"
    except OutboundError as exc:
        outcome.update(error=exc.code, message=exc.message)
    outcome["elapsed_ms"] = round((time.time() - started) * 1000)
    return outcome


def backoff_s(failures: int) -> float:
    """Exponential backoff with (equal) jitter: between half and all of min(cap, base * 2^(n-1))."""
    settings = get_settings()
    ceiling = min(settings.callback_retry_cap_s, settings.callback_retry_base_s * 2 ** (failures - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography


def attempt(project_id: str, the_id: str) -> str:
    leased = _take_lease(project_id, the_id)
    if leased is None:
        return "skipped"
    outcome = _post(leased)
    failures = int(leased.doc.get("attempt_count", 0)) + 1
    succeeded = outcome["error"] is None
    started = float(leased.doc.get("cycle_started_at", time.time()))
    window_over = time.time() - started >= get_settings().callback_retry_window_s
    if succeeded:
        status = "SUCCEEDED"
    elif outcome["error"] in PERMANENT_CODES or window_over:
        status = "FAILED"
        _send(get_settings().callback_dlq_url, {"delivery_id": the_id, "project_id": project_id}, 0)
    else:
        status = "RETRYING"
        delay = backoff_s(failures)
        outcome["next_attempt_in_s"] = round(delay, 1)
        _enqueue_retry(project_id, the_id, delay)

    def settle(current: store.Record) -> store.Record:
        attempts = [*current.doc.get("attempts", []), outcome][-MAX_ATTEMPTS_KEPT:]
        doc = {**current.doc, "attempts": attempts, "attempt_count": failures, "lease_until": 0}
        return replace(current, status=status, doc=doc)

    store.update(Kind.DELIVERY, project_id, the_id, settle)
    logger.info(
        "callback attempt",
        extra={
            "delivery_id": the_id,
            "status": status,
            "code": outcome.get("status_code"),
            "error": outcome["error"],
        },
    )
    return status


def _enqueue_retry(project_id: str, the_id: str, delay_s: float) -> None:
    message = {"delivery_id": the_id, "project_id": project_id, "not_before": time.time() + delay_s}
    _send(get_settings().callback_retry_queue_url, message, min(MAX_SQS_DELAY_S, max(0, int(delay_s))))


def _send(queue_url: str, message: dict[str, Any], delay_s: int) -> None:
    if not queue_url:
        raise RuntimeError("callback queue URL is not configured")
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(message), DelaySeconds=delay_s)


def replay(project_id: str, the_id: str) -> store.Record:
    """Start a new cycle of attempts for one delivery (FAILED, or SUCCEEDED but lost by the receiver)."""

    def restart(current: store.Record) -> store.Record:
        if current.status in ("PENDING", "RETRYING"):
            raise Conflict("delivery is already in progress")
        doc = {**current.doc, "attempt_count": 0, "cycle_started_at": time.time(), "lease_until": 0}
        return replace(current, status="PENDING", doc=doc)

    restarted = store.update(Kind.DELIVERY, project_id, the_id, restart)
    _enqueue_retry(project_id, the_id, 0)
    return restarted
