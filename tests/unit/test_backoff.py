import pytest

from mediaflow.notifications.deliveries import backoff_s, delivery_id
from mediaflow.settings import reset_settings


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEDIAFLOW_CALLBACK_RETRY_BASE_S", "MEDIAFLOW_CALLBACK_RETRY_CAP_S"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for failures, ceiling in [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (40, 3600)]:
        delays = [backoff_s(failures) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len({round(d, 3) for d in delays}) > 100  # jittered, not a fixed schedule


def test_a_day_of_retries_is_about_thirty_attempts() -> None:
    elapsed, attempts = 0.0, 0
    while elapsed < 86400:
        attempts += 1
        elapsed += backoff_s(attempts)
    assert 25 <= attempts <= 60


def test_delivery_ids_are_stable_per_event_and_url() -> None:
    assert delivery_id("e1", "https://a/") == delivery_id("e1", "https://a/")
    assert delivery_id("e1", "https://a/") != delivery_id("e1", "https://b/")
    assert delivery_id("e1", "https://a/") != delivery_id("e2", "https://a/")
