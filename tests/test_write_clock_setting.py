"""WRITE_CLOCK_SPEED (for tests against the fake Discord only): real-time write spacing unless asked, never slower."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def test_channel_writes_are_spaced_in_real_time_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WRITE_CLOCK_SPEED", raising=False)
    assert Settings(discord_token="t").write_clock_speed == 1
    monkeypatch.setenv("WRITE_CLOCK_SPEED", "10")
    assert Settings(discord_token="t").write_clock_speed == 10


@pytest.mark.parametrize("speed", [0, 0.5, -1, 101])
def test_a_write_clock_slower_than_real_time_or_absurdly_fast_is_refused(speed: float) -> None:
    with pytest.raises(ValidationError, match="write_clock_speed"):
        Settings(discord_token="t", write_clock_speed=speed)
