import pytest

from mediaflow.xmlcodec import XmlError, dumps, loads


def test_lists_repeat_and_scalars_are_text() -> None:
    xml = dumps(
        "Response", {"JobsDetail": [{"JobId": "j1"}, {"JobId": "j2"}], "Count": 3, "Ok": True, "Empty": ""}
    )
    assert xml == (
        "<Response><JobsDetail><JobId>j1</JobId></JobsDetail><JobsDetail><JobId>j2</JobId></JobsDetail>"
        "<Count>3</Count><Ok>true</Ok><Empty/></Response>"
    )
    root, body = loads(xml)
    assert root == "Response"
    assert body["JobsDetail"] == [{"JobId": "j1"}, {"JobId": "j2"}]


def test_special_characters_are_escaped() -> None:
    _, body = loads(dumps("R", {"M": "a<b & c>d"}))
    assert body["M"] == "a<b & c>d"


def test_single_elements_become_lists_when_asked() -> None:
    _, body = loads("<R><ObjectName>a</ObjectName></R>", list_fields=frozenset({"ObjectName"}))
    assert body["ObjectName"] == ["a"]


XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Tag>&x;</Tag></Request>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><Request><Tag>&lol3;</Tag></Request>'
)


@pytest.mark.parametrize("payload", [XXE, LAUGHS, "<Request><Tag>unclosed</Request>", "not xml"])
def test_hostile_or_broken_xml_is_refused(payload: str) -> None:
    with pytest.raises(XmlError):
        loads(payload)
