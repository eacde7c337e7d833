"""What work costs: billed seconds and GB-seconds of the invocations that did it, and their price.

Every invocation that works on a job adds its wall time and its memory (Lambda bills duration x
configured memory) to the job; ``price_per_gb_s`` (default: Lambda x86 on-demand in us-east-1,
$0.0000166667 per GB-second) turns GB-seconds into an estimate in US dollars.
"""

from __future__ import annotations

from mediaflow.settings import get_settings


def charge(compute_s: float, gb_s: float, seconds: float) -> dict[str, float]:
    """The new ``compute_s``/``gb_s`` after an invocation of ``seconds`` of this function."""
    memory_gb = get_settings().jobs.function_memory_mb / 1024
    return {"compute_s": round(compute_s + seconds, 3), "gb_s": round(gb_s + seconds * memory_gb, 3)}


def usd(gb_s: float) -> float:
    return round(gb_s * get_settings().jobs.price_per_gb_s, 6)
