import time

from mediaflow.notifications.signing import callback_headers, new_secret, sign
from mediaflow.notifications.verify import verify

BODY = b'{"EventType":"FileUploadComplete"}'


def test_a_signed_body_verifies_with_its_secret() -> None:
    secret = new_secret()
    header = sign([secret], int(time.time()), BODY)
    assert verify(secret, header, BODY)


def test_during_rotation_either_secret_verifies() -> None:
    old, new = new_secret(), new_secret()
    header = sign([old, new], int(time.time()), BODY)
    assert header.count("v1=") == 2
    assert verify(old, header, BODY)
    assert verify(new, header, BODY)
    assert not verify(new_secret(), header, BODY)


def test_tampering_and_replays_are_refused() -> None:
    secret = new_secret()
    now = int(time.time())
    header = sign([secret], now, BODY)
    assert not verify(secret, header, BODY + b" ")
    assert not verify(secret, header.replace(f"t={now}", f"t={now + 1}"), BODY)
    assert not verify(secret, sign([secret], now - 301, BODY), BODY)
    assert verify(secret, sign([secret], now - 299, BODY), BODY)
    assert not verify(secret, "v1=abc", BODY)
    assert not verify(secret, "", BODY)


def test_callback_headers_carry_event_id_and_type() -> None:
    headers = callback_headers([new_secret()], 1, BODY, "evt-1", "FileUploadComplete", "application/json")
    assert headers["X-Mediaflow-Event-Id"] == "evt-1"
    assert headers["X-Mediaflow-Event-Type"] == "FileUploadComplete"
    assert headers["X-Mediaflow-Signature"].startswith("t=1,v1=")
