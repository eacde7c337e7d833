from mediaflow.uploads.upload_events import landed_objects


def _record(key: str, name: str = "ObjectCreated:Put", **obj: object) -> dict[str, object]:
    return {
        "eventName": name,
        "eventTime": "2026-11-21T10:00:00.000Z",
        "s3": {"bucket": {"name": "media"}, "object": {"key": key, "size": 10, "eTag": "e", **obj}},
    }


def test_test_events_and_other_event_kinds_yield_nothing() -> None:
    assert landed_objects({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "media"}) == []
    assert landed_objects({"Records": [_record("k", name="ObjectRemoved:Delete")]}) == []


def test_keys_are_decoded_with_unquote_plus() -> None:
    (obj,) = landed_objects({"Records": [_record("uploads/a+b%2Bc/d%20e.mp4")]})
    assert obj.key == "uploads/a b+c/d e.mp4"


def test_identity_is_the_object_version() -> None:
    event = {
        "Records": [
            _record("k", versionId="v1", sequencer="0A"),
            _record("k", versionId="v2", sequencer="0B"),
        ]
    }
    first, second = landed_objects(event)
    assert first.identity != second.identity
    (again,) = landed_objects({"Records": [_record("k", versionId="v1", sequencer="0A")]})
    assert again.identity == first.identity


def test_without_versions_the_etag_and_sequencer_identify_the_upload() -> None:
    (a,) = landed_objects({"Records": [_record("k", sequencer="01")]})
    (b,) = landed_objects({"Records": [_record("k", sequencer="02")]})
    assert a.identity != b.identity
