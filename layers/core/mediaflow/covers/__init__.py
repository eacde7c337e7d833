"""Smart covers: pick a video's best frames (well exposed, sharp, not a transition, spread over
shots, optionally without near-duplicates) from its keyframes, fast, and write them at full quality.

``picker`` has the pipeline and its rules; ``scoring`` the per-frame metrics and absolute reject
thresholds; ``judge`` the clip-relative ones (blur, fades, shots); ``phash`` the perceptual hashes;
``frames`` the ffmpeg runs. numpy is imported here, so import this package lazily from handlers.
"""

from mediaflow.covers.frames import PickError, PickErrorCode
from mediaflow.covers.picker import DUPLICATE_DISTANCE, Cover, PickResult, pick_covers

__all__ = ["DUPLICATE_DISTANCE", "Cover", "PickError", "PickErrorCode", "PickResult", "pick_covers"]
