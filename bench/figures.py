"""Turn what the fake recorded into figures: latencies per interaction kind, missed deadlines, channel writes."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from fake_discord import FakeDiscord

DEADLINE = 3.0
"""Discord drops an interaction whose callback has not arrived within 3 seconds."""

KINDS = ("start", "click", "answer", "leaderboard", "stats", "stop")
ERROR_MARKERS = ("Something went wrong", "scoreboard is busy", "could not be updated")
_CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback")


@dataclass
class Sent:
    """One interaction the driver dispatched."""

    kind: str
    token: str
    interaction_id: int
    sent_at: float


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values`` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class KindFigures:
    """Latency and deadline figures of one interaction kind (seconds)."""

    count: int = 0
    answered: int = 0
    missed: int = 0
    late: int = 0
    unanswered: int = 0
    rejected: int = 0
    error_replies: int = 0
    per_second: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain data."""
        return asdict(self)


class CallbackIndex:
    """When each interaction callback reached the fake (monotonic), read incrementally from ``fake.requests``."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self._seen = 0
        self.arrived: dict[int, float] = {}

    def update(self) -> None:
        """Index the requests recorded since the last call."""
        requests = self.fake.requests
        for request in requests[self._seen :]:
            if request.method == "POST" and (match := _CALLBACK.fullmatch(request.path)):
                self.arrived.setdefault(int(match.group(1)), request.time)
        self._seen = len(requests)


def summarise(
    fake: FakeDiscord, index: CallbackIndex, sent: Iterable[Sent], seconds: float
) -> tuple[dict[str, KindFigures], list[float]]:
    """Return figures per kind (plus "all") for these interactions over ``seconds`` of load, and every latency."""
    index.update()
    latencies: dict[str, list[float]] = defaultdict(list)
    figures: dict[str, KindFigures] = {}
    for item in sent:
        kinds = (item.kind, "all")
        record = fake.interactions.get(item.token)
        arrived = index.arrived.get(item.interaction_id)
        for kind in kinds:
            figures.setdefault(kind, KindFigures()).count += 1
        if record is None:
            continue
        latency = None if arrived is None else arrived - record.dispatched_at
        if latency is not None:
            for kind in kinds:
                latencies[kind].append(latency)
        on_time = latency is not None and latency <= DEADLINE and record.callback_type is not None
        content = str((record.callback_data or {}).get("content") or "")
        for kind in kinds:
            row = figures[kind]
            if on_time:
                row.answered += 1
                if any(marker in content for marker in ERROR_MARKERS):
                    row.error_replies += 1
                continue
            row.missed += 1
            if latency is None:
                row.unanswered += 1
            elif latency > DEADLINE:
                row.late += 1
            else:
                row.rejected += 1
    for kind, row in figures.items():
        values = latencies.get(kind, [])
        row.per_second = row.answered / seconds if seconds > 0 else 0.0
        row.p50, row.p95, row.p99 = (percentile(values, f) for f in (0.50, 0.95, 0.99))
        row.max = max(values, default=0.0)
    return figures, latencies.get("all", [])


def writes_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """Return the most timestamps that fall within any ``window`` seconds (same rule as the fake's helper)."""
    best = lo = 0
    for hi, moment in enumerate(times):
        while moment - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


@dataclass
class ChannelWrites:
    """Message creates and edits the bot made through channel routes, per channel."""

    steady_max_per_1s: int = 0
    steady_max_per_5s: int = 0
    with_bursts_max_per_1s: int = 0
    mean_per_second: float = 0.0
    channels_over_one_per_second: int = 0
    busiest_channel_times: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain data (without the raw times)."""
        data = asdict(self)
        data.pop("busiest_channel_times")
        return data


def channel_writes(
    fake: FakeDiscord, channel_ids: Iterable[int], round_end_message_ids: set[int], start: float, end: float
) -> ChannelWrites:
    """Measure channel writes between ``start`` and ``end``.

    Steady state leaves out the one message that ends a round (the final standings, sent right after the
    last reveal); "with bursts" keeps it.
    """
    result = ChannelWrites()
    total_rate = 0.0
    channels = 0
    for channel_id in channel_ids:
        entries = [
            e
            for e in fake.message_log.get(channel_id, [])
            if e.kind in ("create", "edit") and e.source == "channel" and start <= e.time <= end
        ]
        if not entries:
            continue
        channels += 1
        every = [e.time for e in entries]
        steady = [e.time for e in entries if not (e.kind == "create" and e.message_id in round_end_message_ids)]
        per_1s = writes_in_window(steady, 1.0)
        if per_1s > result.steady_max_per_1s:
            result.busiest_channel_times = steady
        result.steady_max_per_1s = max(result.steady_max_per_1s, per_1s)
        result.steady_max_per_5s = max(result.steady_max_per_5s, writes_in_window(steady, 5.0))
        result.with_bursts_max_per_1s = max(result.with_bursts_max_per_1s, writes_in_window(every, 1.0))
        result.channels_over_one_per_second += per_1s > 1
        span = every[-1] - every[0]
        if span > 0:
            total_rate += len(every) / span
    result.mean_per_second = total_rate / channels if channels else 0.0
    return result


@dataclass
class RestCalls:
    """REST calls the bot made in a window, by kind, per channel per second."""

    total: int = 0
    per_channel_per_second: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain data."""
        return asdict(self)


def rest_calls(fake: FakeDiscord, channels: int, start: float, end: float) -> RestCalls:
    """Count the REST calls the fake received between ``start`` and ``end``."""
    by_kind: dict[str, int] = defaultdict(int)
    for request in fake.requests:
        if not start <= request.time <= end:
            continue
        if _CALLBACK.fullmatch(request.path):
            kind = "interaction callback"
        elif request.path.startswith("/webhooks/"):
            kind = "followup/webhook"
        elif re.fullmatch(r"/channels/\d+/messages", request.path) and request.method == "POST":
            kind = "channel message create"
        elif re.fullmatch(r"/channels/\d+/messages/\d+", request.path) and request.method == "PATCH":
            kind = "channel message edit"
        else:
            kind = "other"
        by_kind[kind] += 1
    total = sum(by_kind.values())
    seconds = max(end - start, 1e-9)
    return RestCalls(total=total, per_channel_per_second=total / max(channels, 1) / seconds, by_kind=dict(by_kind))
