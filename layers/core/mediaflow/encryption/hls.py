"""Encrypting an HLS rendition that was written in the clear: each segment a playlist names is
encrypted in place (AES-128-CBC, PKCS#7), and ``#EXT-X-KEY`` is put before the first segment.

Done after the encode (and the probe of its outputs), so the engine, the chunks and the remux stay
as they are, and only what is uploaded is encrypted. An fMP4 init segment (``EXT-X-MAP``) stays in
the clear: the key line comes after the map, so it applies to the media segments only (RFC 8216
4.3.2.4/4.3.2.5). ``IV`` is always explicit, so segments of every chunk of a split task decrypt
with the same key line whatever their media sequence numbers.
"""

from __future__ import annotations

from pathlib import Path

from mediaflow.encryption import aes
from mediaflow.encryption.keys import KeyRef


def key_line(ref: KeyRef) -> str:
    return f'#EXT-X-KEY:METHOD=AES-128,URI="{ref.url}",IV=0x{ref.iv_hex}'


def with_key(playlist_text: str, ref: KeyRef) -> str:
    """The media playlist with its key line before the first segment (after any EXT-X-MAP)."""
    lines = [line for line in playlist_text.splitlines() if not line.startswith("#EXT-X-KEY")]
    for index, line in enumerate(lines):
        if line.startswith("#EXTINF"):
            lines.insert(index, key_line(ref))
            break
    return "\n".join(lines) + "\n"


def segment_uris(playlist_text: str) -> list[str]:
    return [line.strip() for line in playlist_text.splitlines() if line.strip() and not line.startswith("#")]


def encrypt_playlist(workdir: Path, playlist: str, ref: KeyRef, key: bytes) -> list[str]:
    """Encrypt the segments of one media playlist in ``workdir`` and add its key line; returns the
    segments encrypted (a master playlist, naming playlists, is left alone)."""
    path = workdir / playlist
    text = path.read_text()
    if "#EXTINF" not in text:
        return []
    uris = segment_uris(text)
    iv = bytes.fromhex(ref.iv_hex)
    for uri in uris:
        segment = workdir / uri
        if "/" in uri or not segment.is_file():
            raise ValueError(f"segment {uri!r} of {playlist} is not in the work directory")
        aes.encrypt_file(segment, key, iv)
    path.write_text(with_key(text, ref))
    return uris


def encrypt_files(workdir: Path, files: list[str], ref: KeyRef, key: bytes) -> None:
    """Encrypt every media playlist among ``files`` (an HLS rendition's files) with its segments."""
    for name in files:
        if name.endswith(".m3u8"):
            encrypt_playlist(workdir, name, ref, key)
