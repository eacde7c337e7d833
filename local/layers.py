"""Where a template layer's content lives locally.

Lambda unpacks layers into /opt: ``/opt/python`` joins sys.path, ``/opt/bin`` joins PATH.  Locally a
layer is one of three kinds, decided by its ContentUri directory:

- *package*: it holds a Python package (``layers/core/mediaflow/__init__.py``); the directory itself
  goes on PYTHONPATH, so edits to the core are live without any build;
- *makefile*: it has a Makefile (``BuildMethod: makefile``, e.g. the static ffmpeg layer); it is
  built once, when it has no ``bin/`` or ``python/`` yet, with
  ``make -C <ContentUri> build-<LogicalId> ARTIFACTS_DIR=<repo>/.mediaflow/layers/<LogicalId>``, and
  that directory's ``python/`` and ``bin/`` are then used;
- *plain*: anything else; its own ``python/`` and ``bin/`` are used if present.

The first layer ``bin/`` directory is also exported as MEDIAFLOW_BIN_DIR (``/opt/bin`` in Lambda).
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from local.views import Layer

log = logging.getLogger("local.layers")
BUILD_TIMEOUT = 900


def layer_kind(content: Path) -> str:
    if any((child / "__init__.py").exists() for child in content.iterdir() if child.is_dir()):
        return "package"
    if (content / "Makefile").exists():
        return "makefile"
    return "plain"


class LayerSet:
    """Resolves layers to PYTHONPATH entries and bin directories, building makefile layers once."""

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root

    def artifacts(self, layer: Layer) -> Path:
        return self.repo_root / ".mediaflow" / "layers" / layer.logical_id

    def _opt_root(self, layer: Layer) -> Path | None:
        """The directory that plays /opt for this layer (None for package layers and missing ones)."""
        content = layer.content_uri
        if content is None or not content.is_dir():
            return None
        kind = layer_kind(content)
        if kind == "package":
            return None
        return self.artifacts(layer) if kind == "makefile" else content

    def prepare(self, layers: Iterable[Layer]) -> None:
        """Build every makefile layer whose artifacts are missing (warn and go on, never fail)."""
        for layer in {layer.logical_id: layer for layer in layers}.values():
            content = layer.content_uri
            if content is None or not content.is_dir():
                log.warning("layer %s: ContentUri %s not found; skipped", layer.logical_id, content)
                continue
            kind = layer_kind(content)
            if kind == "plain" and not any((content / d).is_dir() for d in ("python", "bin")):
                log.warning(
                    "layer %s: %s has no package, Makefile, python/ or bin/ yet; skipped",
                    layer.logical_id,
                    content,
                )
            built = any((self.artifacts(layer) / d).is_dir() for d in ("bin", "python"))
            if kind != "makefile" or built:
                continue
            self._build(layer, content)

    def _build(self, layer: Layer, content: Path) -> None:
        target = self.artifacts(layer)
        command = [
            *("make", "-C", str(content), f"build-{layer.logical_id}", f"ARTIFACTS_DIR={target}"),
            f"PYTHON={sys.executable}",  # this venv's interpreter and pip, as `make ffmpeg` uses
        ]
        log.info("building layer %s: %s", layer.logical_id, " ".join(command))
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("layer %s: build failed (%s); functions run without it", layer.logical_id, exc)
            return
        if done.returncode != 0:
            log.warning(
                "layer %s: build failed (exit %d); functions run without it\n%s",
                layer.logical_id,
                done.returncode,
                (done.stdout + done.stderr)[-2000:],
            )

    def pythonpath(self, layers: Iterable[Layer]) -> list[Path]:
        paths = []
        for layer in layers:
            content = layer.content_uri
            if content is not None and content.is_dir() and layer_kind(content) == "package":
                paths.append(content)
                continue
            root = self._opt_root(layer)
            if root is not None and (root / "python").is_dir():
                paths.append(root / "python")
        return paths

    def bin_dirs(self, layers: Iterable[Layer]) -> list[Path]:
        roots = (self._opt_root(layer) for layer in layers)
        return [root / "bin" for root in roots if root is not None and (root / "bin").is_dir()]
