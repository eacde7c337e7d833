"""A minimal Matroska stream for ffmpeg's stdin: one H.264/HEVC video track, the chosen samples.

Why Matroska: it carries the samples exactly as MP4 stores them (length-prefixed NAL units, the
avcC/hvcC record as CodecPrivate), so no bitstream rewriting, and a presentation timestamp per
frame, so each decoded frame can be matched to the sample it came from. Timestamps are in
microseconds (TimestampScale 1000 ns); each frame gets its own Cluster, because a block's
timestamp relative to its cluster is a signed 16-bit number (+-32 ms at that scale).

The stream is written in decode order (a cluster per frame, clusters need not be in time order)
with an unknown-size Segment, as a live Matroska stream is; ffmpeg reads it from a pipe.
"""

from __future__ import annotations

_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
_CODEC_IDS = {"h264": b"V_MPEG4/ISO/AVC", "hevc": b"V_MPEGH/ISO/HEVC"}
TIMESTAMP_SCALE_NS = 1000


def _size(n: int) -> bytes:
    """EBML variable-size integer (the shortest of 1-8 bytes)."""
    for length in range(1, 9):
        if n < (1 << (7 * length)) - 1:
            return ((1 << (7 * length)) | n).to_bytes(length, "big")
    raise ValueError("element too large")


def _uint(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def _el(element_id: int, payload: bytes) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big") + _size(len(payload)) + payload


def header(
    codec: str, config: bytes, width: int, height: int, colour: tuple[int, int, int, int | None] | None = None
) -> bytes:
    """EBML header, the start of an unknown-size Segment, Info and Tracks. ``colour`` is the MP4's
    colr box (primaries, transfer, matrix, full range or None): Matroska numbers them the same way,
    and ffmpeg gives them to the decoder as the container's, as it does for the MP4 itself."""
    ebml = _el(
        0x1A45DFA3,
        _el(0x4286, _uint(1))  # EBMLVersion
        + _el(0x42F7, _uint(1))  # EBMLReadVersion
        + _el(0x42F2, _uint(4))  # EBMLMaxIDLength
        + _el(0x42F3, _uint(8))  # EBMLMaxSizeLength
        + _el(0x4282, b"matroska")  # DocType
        + _el(0x4287, _uint(4))  # DocTypeVersion
        + _el(0x4285, _uint(2)),  # DocTypeReadVersion
    )
    info = _el(0x1549A966, _el(0x2AD7B1, _uint(TIMESTAMP_SCALE_NS)) + _el(0x4D80, b"mediaflow"))
    colours = b""
    if colour is not None:
        primaries, transfer, matrix, full = colour
        colours = _el(0x55B1, _uint(matrix)) + _el(0x55BA, _uint(transfer)) + _el(0x55BB, _uint(primaries))
        if full is not None:
            colours += _el(0x55B9, _uint(2 if full else 1))  # Range: 1 broadcast, 2 full
        colours = _el(0x55B0, colours)
    video = _el(0xE0, _el(0xB0, _uint(width)) + _el(0xBA, _uint(height)) + colours)
    track = _el(
        0xAE,
        _el(0xD7, _uint(1))  # TrackNumber
        + _el(0x73C5, _uint(1))  # TrackUID
        + _el(0x83, _uint(1))  # TrackType: video
        + _el(0x9C, _uint(0))  # FlagLacing
        + _el(0x86, _CODEC_IDS[codec])
        + _el(0x63A2, config)  # CodecPrivate
        + video,
    )
    return ebml + b"\x18\x53\x80\x67" + _UNKNOWN_SIZE + info + _el(0x1654AE6B, track)


def frame_head(pts_us: int, key: bool, size: int) -> bytes:
    """What precedes a sample of ``size`` bytes: a Cluster with its Timestamp and one SimpleBlock
    (track 1, relative timestamp 0). The caller writes the sample itself right after it."""
    timestamp = _el(0xE7, _uint(pts_us))
    block = b"\x81\x00\x00" + (b"\x80" if key else b"\x00")
    simple = b"\xa3" + _size(len(block) + size) + block
    return b"\x1f\x43\xb6\x75" + _size(len(timestamp) + len(simple) + size) + timestamp + simple
