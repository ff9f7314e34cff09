"""Stop cleanly on SIGINT or SIGTERM, however the process was started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

log = logging.getLogger(__name__)

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and what ``docker stop``, ``systemctl stop`` and ``kill`` send."""


@contextlib.asynccontextmanager
async def stop_on_signals(
    stop: Callable[[], Awaitable[object]], *, signals: Sequence[signal.Signals] = STOP_SIGNALS
) -> AsyncIterator[list[signal.Signals]]:
    """While inside, the first stop signal runs ``stop()`` (a clean shutdown); a second one cancels the task.

    The handlers are the event loop's own, installed whatever the process inherited: a background job or
    ``nohup`` starts with SIGINT ignored, and Python then never raises KeyboardInterrupt for it. Leaving the
    block waits for a ``stop()`` under way. Yields the signals received so far.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[signal.Signals] = []
    stopping: list[asyncio.Task[object]] = []

    async def run_stop() -> object:
        return await stop()

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) == 1:
            log.info("Received %s: stopping cleanly (running rounds post their standings)", sig.name)
            stopping.append(loop.create_task(run_stop(), name="stop-on-signal"))
        elif task is not None and not task.done():
            log.warning("Received %s again: stopping now", sig.name)
            task.cancel()

    installed: list[signal.Signals] = []
    for sig in signals:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or a platform without them
            log.debug("Cannot handle %s here; the default applies", sig.name)
        else:
            installed.append(sig)
    try:
        yield received
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if stopping:
            await stopping[0]
