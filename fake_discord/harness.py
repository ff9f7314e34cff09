"""Run a real discord.py client against a FakeDiscord inside a test."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

from fake_discord.patching import point_discord_at, reset_discord_base
from fake_discord.server import FakeDiscord

__all__ = ["running_bot"]

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, bot: ClientT, *, token: str | None = None, timeout: float = 5.0, patch: bool = True
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in to ``fake``, connect it and wait for ``on_ready``; always close it on exit.

    Login errors (e.g. ``discord.LoginFailure``) propagate from the ``async with``. With ``patch=True``
    discord.py is pointed at the fake on entry and restored on exit. Build the client with
    ``guild_ready_timeout=0.05`` or so: discord.py otherwise waits 2 s after the last GUILD_CREATE.
    """
    if patch:
        point_discord_at(fake.base_url)
    connect_task: asyncio.Task[None] | None = None
    try:
        await bot.login(fake.token if token is None else token)
        connect_task = asyncio.create_task(bot.connect(reconnect=True), name="fake-discord-bot-connect")
        ready_task = asyncio.create_task(bot.wait_until_ready(), name="fake-discord-bot-ready")
        done, _ = await asyncio.wait({connect_task, ready_task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready_task not in done:
            ready_task.cancel()
            await asyncio.gather(ready_task, return_exceptions=True)
            if connect_task in done:
                connect_task.result()
                raise RuntimeError("the bot stopped before it was ready")
            raise TimeoutError(f"the bot was not ready after {timeout}s")
        yield bot
    finally:
        await bot.close()
        if connect_task is not None:
            # close() makes connect() return; its errors were already logged by discord.py.
            with contextlib.suppress(TimeoutError, discord.ConnectionClosed, discord.GatewayNotFound, OSError):
                await asyncio.wait_for(connect_task, timeout)
        if patch:
            reset_discord_base()
