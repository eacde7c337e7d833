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
from typing import Any

from mediaflow import clock, queues
from mediaflow.errors import Conflict, NotFound
from mediaflow.events.model import DomainEvent
from mediaflow.net import OutboundError, request
from mediaflow.notifications import bodies, config, signing
from mediaflow.notifications.records import DeliveryDoc
from mediaflow.observability import logger
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import DeliveryState
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


def event_lookup(project_id: str, event_id: str) -> str:
    return f"P#{project_id}#EVENT#{event_id}"


def ensure(event: DomainEvent, url: str, fmt: bodies.Format) -> Record[DeliveryDoc]:
    now = clock.key_time(clock.now())
    doc = DeliveryDoc(event=event, url=url, format=fmt, cycle_started_at=time.time())
    lookup = (event_lookup(event.project_id, event.event_id), now)
    record = new_record(doc, event.project_id, delivery_id(event.event_id, url), now, lookup=lookup)
    try:
        return store.create(record)
    except Conflict:
        return store.get(DeliveryDoc, event.project_id, record.id)


def handle_event(event: DomainEvent) -> list[str]:
    """Entry point for an event from the topic: create deliveries and make their first attempt."""
    outcomes = []
    for url, fmt in targets(event):
        delivery = ensure(event, url, fmt)
        if delivery.status == DeliveryState.PENDING and delivery.doc.attempt_count == 0:
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


IN_PROGRESS = (DeliveryState.PENDING, DeliveryState.RETRYING)


def _take_lease(project_id: str, the_id: str) -> Record[DeliveryDoc] | None:
    lease_s = get_settings().callback_timeout_s + 10
    now = time.time()

    def lease(current: Record[DeliveryDoc]) -> Record[DeliveryDoc] | None:
        if current.status not in IN_PROGRESS or current.doc.lease_until > now:
            return None
        return current.evolve(lease_until=now + lease_s)

    try:
        leased = store.update(DeliveryDoc, project_id, the_id, lease)
    except NotFound:
        return None
    return leased if leased.doc.lease_until > now and leased.status in IN_PROGRESS else None


def _post(record: Record[DeliveryDoc]) -> dict[str, Any]:
    """One HTTP attempt; returns its record (never raises for delivery failures)."""
    settings = get_settings()
    event = record.doc.event
    started = time.time()
    outcome: dict[str, Any] = {"at": clock.iso_z(clock.now()), "status_code": None, "error": None}
    secrets = [s.value for s in config.list_secrets(record.project_id)]
    if not secrets:
        return {**outcome, "error": "NoSigningSecret", "message": "the project has no signing secret"}
    content_type, body = bodies.render(event, record.doc.format)
    headers = signing.callback_headers(
        secrets, int(started), body, event.event_id, event.event_type, content_type
    )
    try:
        response = request(
            record.doc.url,
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
    failures = leased.doc.attempt_count + 1
    succeeded = outcome["error"] is None
    started = leased.doc.cycle_started_at or time.time()
    window_over = time.time() - started >= get_settings().callback_retry_window_s
    if succeeded:
        status = DeliveryState.SUCCEEDED
    elif outcome["error"] in PERMANENT_CODES or window_over:
        status = DeliveryState.FAILED
        _send(get_settings().callback_dlq_url, {"delivery_id": the_id, "project_id": project_id}, 0)
    else:
        status = DeliveryState.RETRYING
        delay = backoff_s(failures)
        outcome["next_attempt_in_s"] = round(delay, 1)
        _enqueue_retry(project_id, the_id, delay)

    def settle(current: Record[DeliveryDoc]) -> Record[DeliveryDoc]:
        attempts = [*current.doc.attempts, outcome][-MAX_ATTEMPTS_KEPT:]
        return current.evolve(status=status, attempts=attempts, attempt_count=failures, lease_until=0)

    store.update(DeliveryDoc, project_id, the_id, settle)
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
    queues.send_all(queue_url, [json.dumps(message)], delay_s=delay_s)


def replay(project_id: str, the_id: str) -> Record[DeliveryDoc]:
    """Start a new cycle of attempts for one delivery (FAILED, or SUCCEEDED but lost by the receiver)."""

    def restart(current: Record[DeliveryDoc]) -> Record[DeliveryDoc]:
        if current.status in IN_PROGRESS:
            raise Conflict("delivery is already in progress")
        return current.evolve(
            status=DeliveryState.PENDING, attempt_count=0, cycle_started_at=time.time(), lease_until=0
        )

    restarted = store.update(DeliveryDoc, project_id, the_id, restart)
    _enqueue_retry(project_id, the_id, 0)
    return restarted
