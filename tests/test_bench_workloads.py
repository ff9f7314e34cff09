"""The benchmark driver survives a loaded machine: control replies the fake refused as late, and many connections."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest

from bench.systems import Channel, ChannelState, QuestionSeen
from bench.workloads import CONTROL_ATTEMPTS, ClickLoad, _question_posted
from fake_discord import CallbackRejectedError

CHANNEL = Channel(index=0, guild_id=1, channel_id=10, players=[100, 101])
LATE = (400, {"message": "Unknown interaction (the callback came after 3 s)"})


class _Fake:
    """Stands in for the fake Discord: every control reply is refused as late, yet the command takes effect."""

    def __init__(self, state: ChannelState, *, posts_question: bool) -> None:
        self.state = state
        self.posts_question = posts_question
        self.sent: list[str] = []

    async def interact(self, payload: dict[str, Any], **_: Any) -> None:
        command = payload["command"]
        self.sent.append(command)
        if command == "trivia stop":
            self.state.round_running = False
        elif self.posts_question:
            self.state.round_running = True
            seen = QuestionSeen(message_id=555, opened_at=time.monotonic(), prompt="?", custom_ids=["ot:c:1:0:0"])
            self.state.events.put_nowait(("question", seen, time.monotonic()))
        raise CallbackRejectedError(len(self.sent), *LATE)


def _system(fake: _Fake, state: ChannelState) -> Any:
    async def wait_until(predicate: Any, within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            assert time.monotonic() < deadline, what
            await asyncio.sleep(0.01)

    return SimpleNamespace(
        name="trivia",
        states={CHANNEL.channel_id: state},
        fake=fake,
        channels=[CHANNEL],
        wait_until=wait_until,
        slash=lambda channel, command, options, user: {"command": command, "options": options},
    )


async def test_late_refused_stop_and_start_still_open_a_question() -> None:
    state = ChannelState()
    state.round_running = True  # the previous step's round
    fake = _Fake(state, posts_question=True)
    load = ClickLoad(_system(fake, state), trivia=True)
    await load.ensure_targets(5)
    assert fake.sent == ["trivia stop", "trivia start"]
    assert load.targets[0].message_id == 555 and load.targets[0].options == ["ot:c:1:0:0"]


async def test_a_start_that_never_opens_a_question_is_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    state = ChannelState()
    fake = _Fake(state, posts_question=False)
    load = ClickLoad(_system(fake, state), trivia=True)

    async def nothing_posted(events: Any, within: float) -> None:
        return None

    monkeypatch.setattr("bench.workloads._question_posted", nothing_posted)
    with pytest.raises(TimeoutError, match=f"after {CONTROL_ATTEMPTS} starts"):
        await load.ensure_targets(5)
    assert fake.sent == ["trivia start"] * CONTROL_ATTEMPTS


async def test_question_posted_skips_other_events_and_gives_up_in_time() -> None:
    events: asyncio.Queue[tuple[str, QuestionSeen | None, float]] = asyncio.Queue()
    seen = QuestionSeen(message_id=7, opened_at=0.0, prompt="?", custom_ids=[])
    events.put_nowait(("reveal", None, 1.0))
    events.put_nowait(("question", seen, 2.0))
    assert await _question_posted(events, within=5) == (seen, 2.0)
    assert await _question_posted(events, within=0.05) is None


def test_the_driver_raises_its_open_file_limit_to_the_hard_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    resource = pytest.importorskip("resource")  # not on Windows
    import bench.__main__ as bench_main

    limits = {"now": (1024, 524288)}
    monkeypatch.setattr(resource, "getrlimit", lambda which: limits["now"])
    monkeypatch.setattr(resource, "setrlimit", lambda which, values: limits.__setitem__("now", values))
    bench_main._allow_open_files()
    assert limits["now"] == (524288, 524288)

    def refuse(which: int, values: tuple[int, int]) -> None:
        raise ValueError("not allowed")

    limits["now"] = (1024, 4096)
    monkeypatch.setattr(resource, "setrlimit", refuse)
    bench_main._allow_open_files()  # a refusal leaves the limit as it was and does not stop the run
    assert limits["now"] == (1024, 4096)

    limits["now"] = (256, resource.RLIM_INFINITY)  # macOS: no hard limit
    monkeypatch.setattr(resource, "setrlimit", lambda which, values: limits.__setitem__("now", values))
    bench_main._allow_open_files()
    assert limits["now"] == (bench_main.OPEN_FILES_WITHOUT_HARD_LIMIT, resource.RLIM_INFINITY)
