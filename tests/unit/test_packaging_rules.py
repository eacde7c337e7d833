"""Pure rules of issue 12: the bucket policy's project check, the HLS key line, usage tiers, remux codecs."""

from __future__ import annotations

import os

import pytest

from mediaflow.buckets.policy import bucket_policy, names_project
from mediaflow.encryption import aes
from mediaflow.encryption.hls import with_key
from mediaflow.encryption.keys import KeyRef
from mediaflow.media.models import MediaInfo
from mediaflow.remux.media import refused_codec
from mediaflow.usage.record import tier

PROJECT = "a" * 32


def test_the_policy_names_its_project_only() -> None:
    document = bucket_policy("b", PROJECT, "123456789012", "stack")
    assert names_project(document, PROJECT)
    assert not names_project(document, "b" * 32)
    assert not names_project(None, PROJECT)
    denied = {"Statement": [{**document["Statement"][0], "Effect": "Deny"}]}
    assert not names_project(denied, PROJECT)
    condition = document["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"aws:PrincipalAccount": "123456789012"}
    assert condition["ArnLike"] == {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/stack-*"}


def test_the_key_line_goes_before_the_first_segment_after_the_map() -> None:
    ref = KeyRef(key_id="k", url="https://keys/k", iv_hex="00" * 16)
    text = '#EXTM3U\n#EXT-X-MAP:URI="i.mp4"\n#EXTINF:2.0,\ns0.m4s\n#EXTINF:2.0,\ns1.m4s\n#EXT-X-ENDLIST\n'
    lines = with_key(text, ref).splitlines()
    assert lines[2] == '#EXT-X-KEY:METHOD=AES-128,URI="https://keys/k",IV=0x' + "00" * 16
    assert lines[1].startswith("#EXT-X-MAP") and lines[3].startswith("#EXTINF")
    assert with_key(with_key(text, ref), ref).count("#EXT-X-KEY") == 1


def test_aes_round_trip_with_pkcs7_padding() -> None:
    key, iv = os.urandom(16), os.urandom(16)
    for size in (0, 15, 16, 17, 188 * 7):
        data = os.urandom(size)
        sealed = aes.encrypt(data, key, iv)
        assert len(sealed) == (size // 16 + 1) * 16 and aes.decrypt(sealed, key, iv) == data
    with pytest.raises(ValueError):
        aes.encrypt(b"x", b"short", iv)


@pytest.mark.parametrize(
    ("size", "name"),
    [
        ((640, 360), "SD"),
        ((1280, 720), "HD"),
        ((1920, 1080), "FHD"),
        ((2560, 1440), "2K"),
        ((3840, 2160), "4K"),
        ((1080, 1920), "FHD"),
    ],
)
def test_resolution_tiers_follow_the_short_side(size: tuple[int, int], name: str) -> None:
    assert tier(*size) == name


def _info(video: str | None, audio: str | None) -> MediaInfo:
    streams = []
    if video:
        streams.append(
            {
                "index": 0,
                "codec_type": "video",
                "codec_name": video,
                "width": 64,
                "height": 64,
                "avg_frame_rate": "25/1",
            }
        )
    if audio:
        streams.append(
            {"index": 1, "codec_type": "audio", "codec_name": audio, "sample_rate": "48000", "channels": 2}
        )
    return MediaInfo.from_ffprobe({"format": {"duration": "2.0", "format_name": "mov"}, "streams": streams})


def test_remux_targets_carry_only_their_codecs() -> None:
    assert refused_codec(_info("h264", "aac"), "HLS") is None
    assert refused_codec(_info("hevc", None), "HLS") is None
    assert "vp9" in (refused_codec(_info("vp9", "opus"), "HLS") or "")
    assert refused_codec(_info("vp9", "opus"), "DASH") is None
    assert "opus" in (refused_codec(_info("h264", "opus"), "HLS") or "")
    assert "mpeg4" in (refused_codec(_info("mpeg4", None), "DASH") or "")
