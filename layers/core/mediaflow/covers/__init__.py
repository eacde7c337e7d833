"""Smart covers: pick a video's best frames (well exposed, sharp, not a transition, spread over
shots, optionally without near-duplicates), fast, and write them at full quality.

``picker`` has the pipeline; ``plan`` which frames become candidates and the decode budget;
``index`` reads an MP4's sample table, ``mkv`` and ``fetch`` decode chosen samples in one ffmpeg;
``frames`` runs ffmpeg analysis passes; ``scoring`` the per-frame metrics and absolute reject
thresholds; ``judge`` the clip-relative ones (blur, fades, shots); ``select`` the choice of covers
and the job's message; ``phash`` the perceptual hashes; ``output`` writes the covers. numpy is
imported here, so import this package lazily from handlers.
"""

from mediaflow.covers.frames import PickError, PickErrorCode
from mediaflow.covers.picker import Cover, PickResult, pick_covers
from mediaflow.covers.select import DUPLICATE_DISTANCE

__all__ = ["DUPLICATE_DISTANCE", "Cover", "PickError", "PickErrorCode", "PickResult", "pick_covers"]
