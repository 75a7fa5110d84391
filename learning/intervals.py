"""Intervals of a video played, in seconds: clip, merge, measure and trim them."""

Interval = tuple[float, float]

# Seconds kept in stored intervals; finer than a player's clock is noise.
PRECISION = 2


def intervals_clip(intervals: list[Interval], *, duration: float) -> list[Interval]:
    """Return the intervals cut to the video, empty ones dropped, in the order given."""
    clipped = []
    for start, end in intervals:
        start, end = max(0.0, float(start)), min(float(duration), float(end))
        if end > start:
            clipped.append((round(start, PRECISION), round(end, PRECISION)))
    return clipped


def intervals_merge(intervals: list[Interval]) -> list[Interval]:
    """Return the intervals sorted, overlapping and touching ones joined."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def intervals_length(intervals: list[Interval]) -> float:
    """Return the seconds the intervals cover, each second once."""
    return round(sum(end - start for start, end in intervals_merge(intervals)), 3)


def intervals_trim(intervals: list[Interval], *, seconds: float) -> list[Interval]:
    """Return the intervals merged and cut to their earliest ``seconds``.

    A heartbeat claiming more than its time allows keeps that much of what
    it claims; the rest is dropped, as if never played.
    """
    kept, left = [], max(0.0, seconds)
    for start, end in intervals_merge(intervals):
        if left <= 0:
            break
        end = min(end, start + left)
        kept.append((start, round(end, PRECISION)))
        left -= end - start
    return kept
