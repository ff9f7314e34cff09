"""``python -m bench budget``: the global channel-write budget measured on the real bot process.

The real bot (``python -m bot``) plays N concurrent rounds of 10-s questions against the local fake Discord,
driven by the load benchmark's rounds workload (:class:`bench.workloads.RoundsWorkload`: players click or type at
human delays), with one change that makes every question last its full time, the most writes a round makes: each
channel's starter answers the first question only, so "everyone has answered" never closes a question early.

What it reports, from what the fake recorded and what the bot itself counted (its Prometheus ``/metrics``):

* **channel writes per second in total** (message creates + edits through channel routes), in 1-s windows while
  all N rounds run (mean and max), and the most in any sliding 1-s window of the whole run;
* **writes by kind**: question posts, reveals, hint edits, progress ("N answered") edits, standings;
* what the budget **dropped** (stale cosmetic edits) and **coalesced** (replaced by a newer edit), from the bot;
* **the bound held**: every question post and reveal's delay against when it was due, from the fake's clock and
  the round's schedule (question 1 is due when the start command is answered, question k+1 ``pause`` seconds after
  the reveal of question k, each reveal ``seconds`` after its question was due), p50/p99/max; and the budget's own
  check of its stated bound ``ceil(queued essential writes / rate)`` on every essential write (the bot counts
  any breach);
* the bot's **CPU** (and per interaction), **RSS** per round, and interaction latency, for the capacity table.

``python -m bench.write_budget`` is the same question asked of a simulation on a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import socket
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench.figures import percentile, summarise, writes_in_window
from bench.processes import machine_cpu_seconds
from bench.report import _table, mib, ms
from bench.run import machine, questions_by_prompt, running
from bench.systems import Channel, Json, QuestionSeen, System, embed_title
from bench.workloads import Profile, RoundsResult, RoundsWorkload
from bot.discord_round import WRITE_GAP_SECONDS
from bot.engine.write_budget import GLOBAL_CHANNEL_WRITES_PER_SECOND
from questions.loader import default_seeds_dir

DEFAULT_ROUNDS = (200, 400)
WRITE_KINDS = ("post", "reveal", "hint", "progress", "standings")
ESSENTIAL_KINDS = ("post", "reveal")
_CREATE = re.compile(r"/channels/(\d+)/messages")
_EDIT = re.compile(r"/channels/(\d+)/messages/(\d+)")
EARLY_TOLERANCE = 0.5
"""Seconds before its due time a reveal must come to count as a question closed early (left out of the delays)."""


@dataclass(frozen=True)
class BudgetProfile:
    """How many rounds at once and how they play; see ``python -m bench budget --help``."""

    rounds: int = 200
    players: int = 5
    questions: int = 5
    seconds: int = 10
    pause: float = 3.0
    seed: int = 1

    def workload_profile(self) -> Profile:
        """Return the rounds workload's profile: starts spread over one question cycle, no look-ups."""
        return Profile(
            channels=self.rounds,
            players=self.players,
            questions=self.questions,
            seconds=self.seconds,
            rounds=1,
            lookups_per_second=0.0,
            seed=self.seed,
            pause=self.pause,
            stagger=self.seconds + self.pause,
            skip=0.0,
            saturation=False,
        )


class FullTimeRounds(RoundsWorkload):
    """The rounds workload, except that each channel's starter answers its first question only.

    The starter thus joins the round and then never finishes a question, so no question closes early: every
    question is open its full time, with its hints and progress edits (the most writes a round makes).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._asked: set[int] = set()

    def _plan_question(self, channel: Channel, seen: QuestionSeen) -> None:
        if channel.index in self._asked:
            channel = Channel(channel.index, channel.guild_id, channel.channel_id, channel.players[1:])
        self._asked.add(channel.index)
        super()._plan_question(channel, seen)


@dataclass
class Write:
    """One channel write the bot made, classified."""

    time: float
    channel_id: int
    message_id: int | None
    kind: str


def classify_writes(requests: list[Any], channel_ids: set[int]) -> list[Write]:
    """Return the bot's channel creates and edits in these channels, each as post, reveal, hint, progress or
    standings (taking the buttons off a question a round ended during counts as standings)."""
    writes: list[Write] = []
    hints_shown: dict[int, int] = {}
    for request in requests:
        body: Json = request.json if isinstance(request.json, dict) else {}
        embeds = body.get("embeds") or []
        if request.method == "POST" and (match := _CREATE.fullmatch(request.path)):
            channel_id = int(match.group(1))
            response = request.response if isinstance(request.response, dict) else {}
            message_id = int(response["id"]) if "id" in response else None
            title = embed_title({"embeds": embeds})
            kind = "post" if title.startswith("Question ") and body.get("components") else "standings"
        elif request.method == "PATCH" and (match := _EDIT.fullmatch(request.path)):
            channel_id, message_id = int(match.group(1)), int(match.group(2))
            if "components" in body and not body["components"]:
                kind = "reveal" if embeds else "standings"
            else:
                hints = sum(
                    len(str(f.get("value") or "").splitlines())
                    for f in (embeds[0].get("fields") or [] if embeds else [])
                    if f.get("name") == "Hint"
                )
                kind = "hint" if hints > hints_shown.get(message_id, 0) else "progress"
                hints_shown[message_id] = max(hints, hints_shown.get(message_id, 0))
        else:
            continue
        if channel_id in channel_ids:
            writes.append(Write(request.time, channel_id, message_id, kind))
    return writes


@dataclass
class Delays:
    """How late each question post and reveal came against the round's schedule (seconds)."""

    post: list[float] = field(default_factory=list)
    reveal: list[float] = field(default_factory=list)
    early_reveals: int = 0


def schedule_delays(writes: list[Write], start_answered: dict[int, float], seconds: float, pause: float) -> Delays:
    """Return every post's and reveal's delay: question 1 is due when the start command was answered, question
    k+1 ``pause`` s after the reveal of question k; a reveal is due ``seconds`` after its question was due."""
    delays = Delays()
    by_channel: dict[int, list[Write]] = defaultdict(list)
    for write in writes:
        by_channel[write.channel_id].append(write)
    for channel_id, channel_writes in by_channel.items():
        due = start_answered.get(channel_id)
        if due is None:
            continue
        open_message: int | None = None
        reveal_due = 0.0
        for write in sorted(channel_writes, key=lambda w: w.time):
            if write.kind == "post" and open_message is None:
                delays.post.append(write.time - due)
                open_message, reveal_due = write.message_id, due + seconds
            elif write.kind == "reveal" and write.message_id == open_message:
                late = write.time - reveal_due
                if late < -EARLY_TOLERANCE:
                    delays.early_reveals += 1
                else:
                    delays.reveal.append(late)
                open_message, due = None, write.time + pause
    return delays


def spread(values: list[float]) -> dict[str, float]:
    """Return p50, p99 and max (0 for none)."""
    return {
        "p50": percentile(values, 0.5),
        "p99": percentile(values, 0.99),
        "max": max(values, default=0.0),
        "count": len(values),
    }


def per_second_windows(times: list[float], start: float, end: float) -> list[int]:
    """Return how many of ``times`` fall in each whole 1-s window from ``start`` to ``end``."""
    windows = [0] * max(0, int(end - start))
    for moment in times:
        slot = int(moment - start)
        if moment - start >= 0 and slot < len(windows):
            windows[slot] += 1
    return windows


@dataclass
class CpuSample:
    """Cumulative CPU seconds at a monotonic time: the bot's, the driver's and the whole machine's busy time."""

    time: float
    bot: float
    driver: float
    busy: float


async def sample_cpu(system: System, into: list[CpuSample], interval: float = 0.5) -> None:
    """Append a CPU sample every ``interval`` seconds until cancelled."""
    import psutil

    me = psutil.Process()
    assert system.child is not None
    while True:
        with contextlib.suppress(psutil.Error):
            own = me.cpu_times()
            busy, _ = machine_cpu_seconds()
            into.append(CpuSample(time.monotonic(), system.child.cpu_seconds(), own.user + own.system, busy))
        await asyncio.sleep(interval)


def cpu_between(samples: list[CpuSample], start: float, end: float) -> dict[str, float]:
    """Return the bot's, the driver's and everything else's CPU in percent of one core between two times."""
    inside = [s for s in samples if start <= s.time <= end]
    if len(inside) < 2:
        return {"bot_percent": 0.0, "driver_percent": 0.0, "other_percent": 0.0, "bot_cpu_seconds": 0.0, "seconds": 0.0}
    first, last = inside[0], inside[-1]
    elapsed = last.time - first.time
    bot, driver = last.bot - first.bot, last.driver - first.driver
    return {
        "seconds": elapsed,
        "bot_cpu_seconds": bot,
        "bot_percent": 100 * bot / elapsed,
        "driver_percent": 100 * driver / elapsed,
        "other_percent": max(0.0, 100 * (last.busy - first.busy - bot - driver) / elapsed),
    }


def free_port() -> int:
    """Return a free local TCP port for the bot's metrics server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def scrape_budget(port: int) -> dict[str, float]:
    """Return the write budget's counters from the bot's ``/metrics``."""
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
        text = await response.text()
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("orbit_trivia_channel_write"):
                label = sample.labels.get("priority")
                found[sample.name + (f"{{{label}}}" if label else "")] = float(sample.value)
    return found


async def run_budget_once(profile: BudgetProfile, workdir: Path) -> dict[str, Any]:
    """Play ``profile.rounds`` concurrent rounds on a fresh bot process; return the figures as plain data."""
    port = free_port()
    env = {
        "ROUND_PAUSE_SECONDS": str(profile.pause),
        "QUESTION_SEED": "0",
        "SEEDS_DIR": str(default_seeds_dir()),
        "METRICS_PORT": str(port),
    }
    folder = workdir / f"budget-{profile.rounds}-{time.monotonic_ns()}"
    folder.mkdir(parents=True)
    system = System("trivia", "bot", profile.rounds, profile.players, folder)
    load_before = os.getloadavg()
    samples: list[CpuSample] = []
    async with running(system, env) as child:
        sampler = asyncio.create_task(sample_cpu(system, samples))
        try:
            workload = FullTimeRounds(system, profile.workload_profile(), questions_by_prompt())
            rounds = await workload.run()
        finally:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
        counters = await scrape_budget(port)
        peak_rss = child.peak_rss()
    figures = budget_figures(system, profile, rounds, samples, counters)
    figures["peak_rss_bytes"] = peak_rss
    figures["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    return figures


def budget_figures(
    system: System, profile: BudgetProfile, rounds: RoundsResult, samples: list[CpuSample], counters: dict[str, float]
) -> dict[str, Any]:
    """Turn one run's records into the budget's figures."""
    fake = system.fake
    channel_ids = {channel.channel_id for channel in system.channels}
    writes = [w for w in classify_writes(fake.requests, channel_ids) if rounds.start <= w.time <= rounds.end]
    times = sorted(w.time for w in writes)
    # The steady state: from the moment every round has shown its first question to the first round's end
    # (the whole run when rounds did not overlap that long).
    steady_from, steady_to = rounds.start, rounds.end
    steady = False
    if rounds.active_from is not None and rounds.active_to is not None and rounds.active_to - rounds.active_from >= 2:
        steady_from, steady_to, steady = rounds.active_from, rounds.active_to, True
    windows = per_second_windows(times, steady_from, steady_to)
    in_steady = [w for w in writes if steady_from <= w.time <= steady_to]
    steady_seconds = len(windows)
    by_kind = Counter(w.kind for w in writes)
    steady_by_kind = Counter(w.kind for w in in_steady)

    system.index.update()
    start_answered: dict[int, float] = {}
    for sent in rounds.sent:
        if sent.kind == "start" and (arrived := system.index.arrived.get(sent.interaction_id)) is not None:
            record = fake.interactions.get(sent.token)
            if record is not None:
                start_answered[int(record.payload["channel_id"])] = arrived
    delays = schedule_delays(writes, start_answered, profile.seconds, profile.pause)

    interaction_seconds = max((s.sent_at for s in rounds.sent), default=rounds.start) - rounds.start
    kinds, _ = summarise(fake, system.index, rounds.sent, interaction_seconds)
    every = kinds.get("all")
    cpu = cpu_between(samples, steady_from, steady_to)
    answers_in_steady = sum(
        1 for s in rounds.sent if s.kind in ("click", "answer") and steady_from <= s.sent_at <= steady_to
    )
    budget_rate = GLOBAL_CHANNEL_WRITES_PER_SECOND
    stated_bound = float(math.ceil(profile.rounds / budget_rate))
    allowance = stated_bound + WRITE_GAP_SECONDS
    essential = delays.post + delays.reveal
    exceeded = int(counters.get("orbit_trivia_channel_write_bound_exceeded_total", -1))
    growth = None
    if rounds.active_rounds and rounds.active_rss:
        growth = (rounds.active_rss - rounds.idle_rss) / rounds.active_rounds
    steady_rate = sum(windows) / steady_seconds if steady_seconds else 0.0
    granted = {
        priority: int(counters.get(f"orbit_trivia_channel_writes_total{{{priority}}}", 0))
        for priority in ("essential", "hint", "progress")
    }
    dropped = int(counters.get("orbit_trivia_channel_writes_dropped_total", 0))
    coalesced = int(counters.get("orbit_trivia_channel_writes_coalesced_total", 0))
    # What the rounds asked for: the writes sent, scaled up by the share the budget dropped or coalesced over
    # the whole run (the bot counts those for the run, not per second).
    sent_in_all = sum(granted.values())
    asked_factor = (sent_in_all + dropped + coalesced) / sent_in_all if sent_in_all else 1.0
    return {
        "profile": asdict(profile),
        "budget_per_second": budget_rate,
        "seconds": rounds.seconds,
        "steady_seconds": steady_seconds,
        "all_rounds_overlapped": steady,
        "rounds_finished": rounds.rounds_finished,
        "failures": rounds.failures,
        "writes": len(writes),
        "writes_by_kind": {kind: by_kind.get(kind, 0) for kind in WRITE_KINDS},
        "steady_writes_by_kind": {kind: steady_by_kind.get(kind, 0) for kind in WRITE_KINDS},
        "writes_per_second_mean": steady_rate,
        "writes_per_second_max": max(windows, default=0),
        "most_in_any_sliding_second": writes_in_window(times, 1.0),
        "writes_per_round_per_second": steady_rate / profile.rounds,
        "essential_per_round_per_second": (
            (steady_by_kind.get("post", 0) + steady_by_kind.get("reveal", 0)) / steady_seconds / profile.rounds
            if steady_seconds
            else 0.0
        ),
        "asked_per_round_per_second": asked_factor * steady_rate / profile.rounds,
        "budget": {
            "granted": granted,
            "dropped": dropped,
            "coalesced": coalesced,
            "longest_essential_wait": counters.get("orbit_trivia_channel_write_essential_wait_max_seconds", 0.0),
            "longest_lag": counters.get("orbit_trivia_channel_write_lag_max_seconds", 0.0),
            "bound_exceeded": exceeded,
        },
        "delays": {
            "post": spread(delays.post),
            "reveal": spread(delays.reveal),
            "post_and_reveal": spread(essential),
            "early_reveals": delays.early_reveals,
        },
        "stated_bound": stated_bound,
        "allowance": allowance,
        "bound_held": exceeded == 0 and bool(essential) and max(essential) <= allowance,
        "cpu": cpu,
        "cpu_percent_per_round": cpu["bot_percent"] / profile.rounds,
        "answers_in_steady": answers_in_steady,
        "cpu_ms_per_answer": 1000 * cpu["bot_cpu_seconds"] / answers_in_steady if answers_in_steady else None,
        "interactions": every.as_dict() if every is not None else None,
        "idle_rss_bytes": rounds.idle_rss,
        "active_rss_bytes": rounds.active_rss,
        "rss_per_round_bytes": growth,
    }


async def run_budget(
    rounds_at_once: tuple[int, ...], base: BudgetProfile, repeats: int, workdir: Path
) -> dict[str, Any]:
    """Run each number of concurrent rounds ``repeats`` times (each on a fresh bot process)."""
    results: dict[str, Any] = {"machine": machine(), "runs": []}
    for repeat in range(repeats):
        for count in rounds_at_once:
            profile = BudgetProfile(**{**asdict(base), "rounds": count})
            figures = await run_budget_once(profile, workdir)
            figures["repeat"] = repeat + 1
            results["runs"].append(figures)
    return results


def _median_spread(values: list[float], fmt: str) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return format(values[0], fmt)
    return "/".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def format_budget(results: dict[str, Any]) -> str:
    """Render the budget benchmark's results: one row per run, then min/median/max per number of rounds."""
    runs = results["runs"]
    if not runs:
        return "Write budget: no runs"
    first = runs[0]["profile"]
    lines = [
        f"Write budget (real bot): {first['players']} players per round, {first['questions']} questions of "
        f"{first['seconds']} s, pause {first['pause']:g} s; global budget {runs[0]['budget_per_second']}/s. "
        "Writes = channel message creates + edits; per 1-s window while every round runs.",
        "",
    ]
    header = ["rounds", "run", "writes/s mean", "max 1 s", "max sliding 1 s", "post/reveal/hint/progress/standings",
              "dropped", "coalesced", "post+reveal delay p50/p99/max ms", "bound", "held", "bot CPU", "other CPU",
              "load avg", "failures"]  # fmt: skip
    rows = []
    for run in runs:
        kinds = run["writes_by_kind"]
        delay = run["delays"]["post_and_reveal"]
        rows.append(
            [
                str(run["profile"]["rounds"]),
                str(run["repeat"]),
                f"{run['writes_per_second_mean']:.1f}",
                str(run["writes_per_second_max"]),
                str(run["most_in_any_sliding_second"]),
                "/".join(str(kinds[k]) for k in WRITE_KINDS),
                str(run["budget"]["dropped"]),
                str(run["budget"]["coalesced"]),
                f"{ms(delay['p50'])}/{ms(delay['p99'])}/{ms(delay['max'])}",
                f"{run['stated_bound']:g}+{WRITE_GAP_SECONDS:g} s",
                "yes" if run["bound_held"] else "NO",
                f"{run['cpu']['bot_percent']:.0f}%",
                f"{run['cpu']['other_percent']:.0f}%",
                "/".join(str(x) for x in run["load_average_before_after"]),
                str(len(run["failures"])),
            ]
        )
    lines += _table(header, rows)
    lines += ["", "min/median/max over the runs of each size:"]
    header = ["rounds", "runs", "writes/s mean", "max 1 s", "writes/round/s", "asked/round/s", "essential/round/s",
              "post delay p99 ms", "reveal delay p99 ms", "delay max ms", "budget's longest wait s", "loop lag max ms",
              "bot CPU %/round", "ms CPU/answer", "RSS/round", "click p99 ms"]  # fmt: skip
    rows = []
    for count in sorted({run["profile"]["rounds"] for run in runs}):
        mine = [run for run in runs if run["profile"]["rounds"] == count]

        def pick(path: str, mine: list[dict[str, Any]] = mine) -> list[float]:
            values = []
            for run in mine:
                value: Any = run
                for part in path.split("."):
                    value = None if value is None else value.get(part)
                if value is not None:
                    values.append(float(value))
            return values

        rows.append(
            [
                str(count),
                str(len(mine)),
                _median_spread(pick("writes_per_second_mean"), ".1f"),
                _median_spread(pick("writes_per_second_max"), ".0f"),
                _median_spread(pick("writes_per_round_per_second"), ".3f"),
                _median_spread(pick("asked_per_round_per_second"), ".3f"),
                _median_spread(pick("essential_per_round_per_second"), ".3f"),
                _median_spread([1000 * v for v in pick("delays.post.p99")], ".0f"),
                _median_spread([1000 * v for v in pick("delays.reveal.p99")], ".0f"),
                _median_spread([1000 * v for v in pick("delays.post_and_reveal.max")], ".0f"),
                _median_spread(pick("budget.longest_essential_wait"), ".2f"),
                _median_spread([1000 * v for v in pick("budget.longest_lag")], ".0f"),
                _median_spread(pick("cpu_percent_per_round"), ".3f"),
                _median_spread(pick("cpu_ms_per_answer"), ".2f"),
                _median_spread([v / 1024 for v in pick("rss_per_round_bytes")], ".0f") + " KiB",
                _median_spread([1000 * v for v in pick("interactions.p99")], ".1f"),
            ]
        )
    lines += _table(header, rows)
    peak = max(run["peak_rss_bytes"] for run in runs)
    lines += ["", f"peak RSS of any run: {mib(peak)}"]
    return "\n".join(lines)
