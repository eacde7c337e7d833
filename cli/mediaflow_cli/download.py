"""``mediaflow get --download``: an object, or an HLS playlist with everything it references.

Files come through GetPlayURL (presigned GETs; nothing but the project token is needed). For HLS,
GetPlayURL hands out a rewritten copy whose references are presigned URLs; each is downloaded
under its original name and the playlist is written back with those plain relative names, so
the directory plays offline (``ffplay DIR/x.m3u8``) exactly like the bucket's copy.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from mediaflow_cli.client import Client, CliError

CHUNK = 1024 * 1024


def _name(url: str) -> str:
    name = posixpath.basename(unquote(urlsplit(url).path))
    if not name or name in (".", ".."):
        raise CliError("InvalidPlaylist", f"cannot name a file after {url[:80]}")
    return name


def _save(url: str, dest: Path) -> Path:
    with requests.get(url, stream=True, timeout=60) as response:
        if response.status_code != 200:
            raise CliError(f"HTTP{response.status_code}", f"download of {dest.name} failed")
        tmp = dest.with_name(dest.name + ".part")
        with tmp.open("wb") as fh:
            for chunk in response.iter_content(CHUNK):
                fh.write(chunk)
        tmp.replace(dest)
    return dest


def _playlist(url: str, dest: Path, saved: list[Path], depth: int = 0) -> None:
    text = requests.get(url, timeout=60).text
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("http://", "https://")):
            name = _name(stripped)
            if name.endswith(".m3u8") and depth < 2:
                _playlist(stripped, dest.parent / name, saved, depth + 1)
            else:
                saved.append(_save(stripped, dest.parent / name))
            lines.append(name)
        elif 'URI="http' in line:  # EXT-X-MAP (fMP4 init segment) and alternate renditions
            start = line.index('URI="') + 5
            target = line[start : line.index('"', start)]
            name = _name(target)
            saved.append(_save(target, dest.parent / name))
            lines.append(line.replace(target, name))
        else:
            lines.append(line)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    saved.append(dest)


def fetch(client: Client, key: str, directory: Path) -> list[Path]:
    """Download ``key`` (and, for a playlist, its segments) into ``directory``; the saved paths."""
    directory.mkdir(parents=True, exist_ok=True)
    info = client.play_url(key)
    dest = directory / posixpath.basename(key)
    saved: list[Path] = []
    if info["Format"] == "m3u8":
        _playlist(info["PlayURL"], dest, saved)
    else:
        saved.append(_save(info["PlayURL"], dest))
    return saved
