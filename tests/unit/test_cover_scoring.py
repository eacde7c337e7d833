"""The cover picker's frame metrics, reject rules, transition tests, hashes and selection, on
synthetic numpy frames: no ffmpeg, no subprocess."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mediaflow.covers import judge, phash, scoring, select
from mediaflow.covers.judge import Candidate
from mediaflow.covers.output import output_spec, seek_arg
from mediaflow.media.models import MediaInfo, VideoStreamInfo

H, W = 180, 320
RNG = np.random.default_rng(7)


def yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-range BT.601 RGB (H, W, 3) -> yuv420p planes, as the analysis pass delivers them."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = 128 + (b - y) / 1.772
    v = 128 + (r - y) / 1.402

    def sub(plane: np.ndarray) -> np.ndarray:
        return plane.reshape(H // 2, 2, W // 2, 2).mean(axis=(1, 3))

    def u8(plane: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(plane), 0, 255).astype(np.uint8)

    return u8(y), u8(sub(u)), u8(sub(v))


def solid(r: int, g: int, b: int) -> np.ndarray:
    return np.broadcast_to(np.array([r, g, b], dtype=np.uint8), (H, W, 3)).copy()


def picture(seed: int = 1, blocks: int = 16) -> np.ndarray:
    """A sharp, colourful, mid-exposed picture: random coloured blocks over a gradient."""
    rng = np.random.default_rng(seed)
    cells = rng.integers(30, 225, size=(H // blocks + 1, W // blocks + 1, 3))
    img = np.repeat(np.repeat(cells, blocks, axis=0), blocks, axis=1)[:H, :W]
    ramp = np.linspace(-20, 20, W)[None, :, None]
    return np.clip(img + ramp, 0, 255).astype(np.uint8)


def box_blur(rgb: np.ndarray, radius: int) -> np.ndarray:
    out = rgb.astype(np.float64)
    for axis in (0, 1):
        acc = np.zeros_like(out)
        for shift in range(-radius, radius + 1):
            acc += np.roll(out, shift, axis=axis)
        out = acc / (2 * radius + 1)
    return out.astype(np.uint8)


def metrics(rgb: np.ndarray) -> scoring.Metrics:
    return scoring.measure(*yuv(rgb))


# --- per-frame rejects -------------------------------------------------------------------------


def test_black_frame_is_rejected_as_black() -> None:
    assert scoring.absolute_reject(metrics(solid(0, 0, 0))) == "black"
    assert scoring.absolute_reject(metrics(solid(12, 12, 12))) == "black"


def test_mostly_dark_frame_with_a_small_logo_is_black() -> None:
    img = solid(5, 5, 5)
    img[80:100, 140:180] = 255
    assert scoring.absolute_reject(metrics(img)) == "black"


def test_white_frame_is_blown_out() -> None:
    assert scoring.absolute_reject(metrics(solid(255, 255, 255))) == "blown-out"


@pytest.mark.parametrize("colour", [(128, 128, 128), (40, 80, 200), (200, 40, 40)])
def test_colour_card_is_flat(colour: tuple[int, int, int]) -> None:
    m = metrics(solid(*colour))
    assert scoring.absolute_reject(m) == "flat"
    assert m.std < 1 and m.entropy < 0.5


def test_noise_and_pictures_pass() -> None:
    noise = RNG.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    assert scoring.absolute_reject(metrics(noise)) is None
    assert scoring.absolute_reject(metrics(picture())) is None


def test_sharp_edges_measure_far_sharper_than_the_same_picture_blurred() -> None:
    sharp, soft = metrics(picture()), metrics(box_blur(picture(), 12))
    assert sharp.sharpness > 50 * soft.sharpness
    assert scoring.absolute_reject(soft) == "blurred"
    assert soft.sharpness < scoring.BLUR_FLOOR < sharp.sharpness


def test_colourfulness_orders_grey_pastel_vivid() -> None:
    grey = metrics(np.repeat(picture()[..., :1], 3, axis=2))
    pastel = metrics((picture() // 4 + 96).astype(np.uint8))
    vivid = metrics(picture())
    assert grey.colourfulness < 1 < pastel.colourfulness < vivid.colourfulness


def test_score_prefers_a_well_exposed_sharp_picture_to_a_dim_soft_one() -> None:
    good = scoring.score(metrics(picture()), 1000)
    dim = scoring.score(metrics((box_blur(picture(), 2) // 4).astype(np.uint8)), 1000)
    assert good["total"] > dim["total"]
    assert set(good) == {"sharpness", "exposure", "contrast", "colourfulness", "total"}
    assert all(0 <= v <= 1 for v in good.values())


# --- transitions -------------------------------------------------------------------------------


def skewed(seed: int = 5) -> np.ndarray:
    """Another kind of picture: mostly dark, a few bright blocks (a skewed luma distribution)."""
    rng = np.random.default_rng(seed)
    img = picture(seed) // 3
    bright = rng.random((H // 16 + 1, W // 16 + 1)) < 0.2
    mask = np.repeat(np.repeat(bright, 16, axis=0), 16, axis=1)[:H, :W]
    img[mask] = 235
    return img


def test_a_dimmed_copy_of_a_neighbour_is_a_fade() -> None:
    shot = picture()
    half = (shot.astype(np.float64) * 0.5).astype(np.uint8)
    assert judge.is_fade(metrics(half), metrics(shot))
    assert not judge.is_fade(metrics(shot), metrics(shot))
    assert not judge.is_fade(metrics(half), metrics(skewed()))  # darker, but another picture


def test_a_moving_picture_fading_in_is_a_fade() -> None:
    """The shot moves between the two frames (its thumbnails no longer correlate), but the dim
    frame's values are the bright one's scaled: still a fade (``life`` fading in measured so)."""
    moving = picture(seed=1)
    later = picture(seed=2)  # the same kind of picture, everything moved
    half = (moving.astype(np.float64) * 0.5).astype(np.uint8)
    assert judge._correlation(metrics(half).thumb, metrics(later).thumb) < judge.FADE_CORR
    assert judge.is_fade(metrics(half), metrics(later))


def test_a_cross_dissolve_of_two_shots_is_a_mix() -> None:
    a = picture(seed=3)
    b = picture(seed=4, blocks=8)
    b[..., 0] //= 4  # a darker, bluer shot: a different look, as after a cut
    b[..., 1] //= 2
    mix = ((a.astype(np.float64) + b) / 2).astype(np.uint8)
    ma, mb = metrics(a), metrics(b)
    assert judge.is_mix(metrics(mix), ma, mb)
    assert not judge.is_mix(ma, ma, mb)
    assert not judge.is_mix(mb, ma, mb)


def test_judge_splits_shots_at_cuts_and_groups_a_repeated_shot() -> None:
    a, b = picture(seed=1), picture(seed=4, blocks=8)
    b[..., 0] //= 4
    frames = [a, np.roll(a, 3, axis=1), b, np.roll(b, 5, axis=0), a]  # a, a, cut, b, b, cut, a again
    cands = [Candidate(t=float(i), metrics=metrics(f), keyframe=True) for i, f in enumerate(frames)]
    judge.judge(cands, duplicate_distance=10)
    assert [c.reason for c in cands] == [None] * 5
    assert [c.shot for c in cands] == [0, 0, 1, 1, 2]
    assert cands[4].group == cands[0].group != cands[2].group


def test_judge_rejects_a_fade_between_a_shot_and_black() -> None:
    shot = picture(seed=2)
    half = (shot.astype(np.float64) * 0.45).astype(np.uint8)
    frames = [shot, np.roll(shot, 2, axis=1), half, solid(0, 0, 0)]
    cands = [Candidate(t=float(i), metrics=metrics(f), keyframe=True) for i, f in enumerate(frames)]
    judge.judge(cands, duplicate_distance=10)
    assert [c.reason for c in cands] == [None, None, "fade", "black"]


# --- hashes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hash_fn", [phash.phash, phash.dhash])
def test_hash_distances(hash_fn: Callable[[np.ndarray], int]) -> None:
    fn = hash_fn
    y = yuv(picture())[0]
    brighter = np.clip(y.astype(np.int16) + 25, 0, 255).astype(np.uint8)
    shifted = np.roll(y, 2, axis=1)
    other = yuv(picture(seed=9))[0]
    assert phash.hamming(fn(y), fn(y)) == 0
    assert phash.hamming(fn(y), fn(brighter)) <= 4
    assert phash.hamming(fn(y), fn(shifted)) <= 10
    assert phash.hamming(fn(y), fn(other)) > 16
    flat = np.full((H, W), 128, dtype=np.uint8)
    assert fn(flat) == 0


def test_hamming_counts_differing_bits() -> None:
    assert phash.hamming(0, 0) == 0
    assert phash.hamming(0b1011, 0b0001) == 2
    assert phash.hamming(2**64 - 1, 0) == 64


# --- selection ---------------------------------------------------------------------------------


def _cand(t: float, img: np.ndarray, shot: int, total: float, reason: str | None = None) -> Candidate:
    c = Candidate(t=t, metrics=metrics(img), keyframe=True, reason=reason, shot=shot, group=shot)
    c.score = {"total": total}
    return c


def test_selection_spreads_over_shots_before_taking_seconds() -> None:
    a, b = picture(seed=1), picture(seed=2)
    cands = [
        _cand(0, a, 0, 0.9),
        _cand(4, np.roll(a, 40, axis=1), 0, 0.8),
        _cand(8, b, 1, 0.5),
    ]
    chosen = select.choose(cands, 2, dedupe=False, min_gap=2)
    assert [c.t for c in chosen] == [0, 8]  # shot 1's only frame beats shot 0's second best


def test_selection_keeps_a_minimum_gap_then_relaxes_it() -> None:
    a = picture(seed=1)
    cands = [_cand(0, a, 0, 0.9), _cand(1, np.roll(a, 60, axis=0), 0, 0.8), _cand(5, picture(seed=5), 0, 0.1)]
    assert [c.t for c in select.choose(cands, 2, dedupe=False, min_gap=2)] == [0, 5]
    assert len(select.choose(cands, 3, dedupe=False, min_gap=2)) == 3


def test_delete_duplicates_never_takes_a_near_identical_pair() -> None:
    a = picture(seed=1)
    near = np.roll(a, 6, axis=1)  # 6 bits of pHash away: a near-duplicate, not the same picture
    cands = [_cand(0, a, 0, 0.9), _cand(10, near, 1, 0.8), _cand(20, picture(seed=6), 2, 0.7)]
    assert len(select.choose(cands, 3, dedupe=False, min_gap=2)) == 3
    assert [c.t for c in select.choose(cands, 3, dedupe=True, min_gap=2)] == [0, 20]


def test_the_same_picture_is_never_chosen_twice_even_without_delete_duplicates() -> None:
    a = picture(seed=1)
    cands = [_cand(0, a, 0, 0.9), _cand(10, a, 1, 0.8), _cand(20, picture(seed=6), 2, 0.7)]
    assert [c.t for c in select.choose(cands, 3, dedupe=False, min_gap=2)] == [0, 20]


def test_more_covers_than_shots_come_from_within_good_shots_spread_before_any_rejected() -> None:
    """Count 4, two good shots: each shot's best, then per shot the frame farthest from the covers
    (not the next best score), all before a rejected frame; with DeleteDuplicates pHash-distinct."""
    a, b = picture(seed=1), picture(seed=2)
    cands = [
        _cand(0, a, 0, 0.9),
        _cand(1, picture(seed=11), 0, 0.85),  # same shot, a second after its best
        _cand(6, picture(seed=12), 0, 0.6),  # same shot, far from every cover
        _cand(10, b, 1, 0.8),
        _cand(14, picture(seed=13), 1, 0.7),
        _cand(20, box_blur(picture(seed=14), 10), 2, 0.99, "blurred"),
    ]
    for dedupe in (False, True):
        chosen = select.choose(cands, 4, dedupe=dedupe, min_gap=0.5)
        assert sorted(c.t for c in chosen) == [0, 6, 10, 14]
        assert select.fill(cands, chosen, 4, dedupe) == []
    chosen = select.choose(cands, 6, dedupe=True, min_gap=0.5)
    assert len(chosen) == 5 and all(c.reason is None for c in chosen)  # every good frame first
    assert [c.reason for c in select.fill(cands, chosen, 6, dedupe=True)] == ["blurred"]


def test_fill_never_uses_black_while_anything_else_exists() -> None:
    cands = [
        _cand(0, solid(0, 0, 0), 0, 0.5, "black"),
        _cand(1, box_blur(picture(), 10), 1, 0.2, "blurred"),
    ]
    fills = select.fill(cands, [], 2, dedupe=False)
    assert [c.reason for c in fills] == ["blurred"]
    only_black = [_cand(0, solid(0, 0, 0), 0, 0.5, "black"), _cand(3, solid(0, 0, 0), 0, 0.4, "black")]
    assert len(select.fill(only_black, [], 2, dedupe=False)) == 1  # identical frames add nothing


# --- output size -------------------------------------------------------------------------------


def _info(width: int, height: int, rotation: int = 0) -> MediaInfo:
    swapped = rotation in (90, 270)
    video = VideoStreamInfo(
        index=0, codec="h264", width=width, height=height,
        display_width=height if swapped else width, display_height=width if swapped else height,
        rotation=rotation, frame_rate=25.0, avg_frame_rate="25/1", bitrate=None, pix_fmt="yuv420p",
        profile=None, nb_frames=None, duration_s=10.0,
    )  # fmt: skip
    return MediaInfo(
        format_name="mov,mp4",
        format_long_name=None,
        duration_s=10,
        size=1,
        bitrate=None,
        video=video,
        audio=[],
    )


def test_output_size_rules() -> None:
    info = _info(1920, 1080)
    assert (output_spec(info, 1280, None, "jpg").width, output_spec(info, 1280, None, "jpg").height) == (
        1280,
        720,
    )
    assert output_spec(info, None, 360, "jpg").width == 640
    both = output_spec(info, 500, 500, "png")
    assert (both.width, both.height, both.crop) == (500, 500, True)
    assert (output_spec(info, None, None, "webp").width, output_spec(info, None, None, "webp").height) == (
        1920,
        1080,
    )
    portrait = _info(1920, 1080, rotation=90)  # a phone clip: displayed 1080x1920
    assert output_spec(portrait, 540, None, "jpg").height == 960


def test_seek_arg_rounds_up_to_the_microsecond() -> None:
    assert seek_arg(1.52) == "1.520000"
    assert seek_arg(1001 / 30000) == "0.033367"
    assert float(seek_arg(12345.678901234)) >= 12345.678901234
