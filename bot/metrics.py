"""Optional Prometheus metrics and a ``/healthz`` endpoint, served when ``METRICS_PORT`` is set.

``/metrics`` (prometheus-client's text format) has:

- ``orbit_trivia_rounds_running``: rounds running now (gauge);
- ``orbit_trivia_answers_total``: answers stored (counter: ``rate()`` gives answers per second);
- ``orbit_trivia_interactions_total{type}``: interactions received, by type (counter);
- ``orbit_trivia_interaction_response_seconds``: from Discord creating an interaction to the bot's first
  response being accepted (histogram; Discord fails an interaction not answered within 3 s);
- ``orbit_trivia_storage_write_seconds{operation}``: how long each storage write took (histogram);
- ``orbit_trivia_discord_rate_limits_total{scope}``: 429 answers from Discord that discord.py waited out;
- ``orbit_trivia_gateway_connected``: 1 while the gateway connection is up;
- ``orbit_trivia_channel_writes_total{priority}``: channel writes the global write budget let through, by
  priority (``essential``: posts, reveals, standings; ``hint``; ``progress``);
- ``orbit_trivia_channel_writes_dropped_total`` and ``orbit_trivia_channel_writes_coalesced_total``: cosmetic
  writes the budget dropped (stale, or their turn came too near their question's close), and those replaced by a
  newer edit of the same message;
- ``orbit_trivia_channel_write_essential_wait_max_seconds``: the longest an essential write waited for the budget;
- ``orbit_trivia_channel_write_lag_max_seconds``: the most a write was let through after its slot (loop lag);
- ``orbit_trivia_channel_write_bound_exceeded_total``: essential writes that waited longer than the budget's
  stated bound (0 unless the scheduler is broken).

``/healthz`` answers 200 with ``{"status": "ok", ...}`` when the gateway is connected and the database is
writable, else 503 with ``"status": "unhealthy"`` and what is wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot import acks
from bot.preflight import ConfigError, database_write_problem

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)

STORAGE_WRITES = (
    "record_answer",
    "score_question",
    "create_round",
    "add_round_question",
    "set_question_message",
    "finish_round",
    "close_interrupted_rounds",
    "set_meta",
    "set_guild_settings",
    "add_guild_alias",
    "create_dispute",
    "decide_dispute",
    "delete_player",
)
"""The Storage methods that write; each is timed as ``orbit_trivia_storage_write_seconds{operation=...}``."""

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
HEALTH_CACHE_SECONDS = 5.0
"""A database probe result is reused this long, so a busy health checker cannot load the database."""

_RATE_LIMIT_MESSAGES = {
    "We are being rate limited.": "route",
    "Global rate limit has been hit.": "global",
    "Webhook ID %s is rate limited.": "webhook",
}
_active: weakref.WeakSet[BotMetrics] = weakref.WeakSet()
"""Metrics of the bots running in this process (one in production); the response hook reports to them."""


class BotMetrics:
    """The bot's metrics in their own registry, and the hooks that feed them."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.rounds_running = Gauge("orbit_trivia_rounds_running", "Rounds running now.", registry=self.registry)
        self.answers = Counter("orbit_trivia_answers", "Answers stored.", registry=self.registry)
        self.interactions = Counter(
            "orbit_trivia_interactions", "Interactions received, by type.", ["type"], registry=self.registry
        )
        self.response_seconds = Histogram(
            "orbit_trivia_interaction_response_seconds",
            "Seconds from an interaction's creation to the bot's first response to it.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.storage_write_seconds = Histogram(
            "orbit_trivia_storage_write_seconds",
            "Seconds a storage write took, by operation.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limits = Counter(
            "orbit_trivia_discord_rate_limits",
            "Rate-limit (429) answers from Discord.",
            ["scope"],
            registry=self.registry,
        )
        self.gateway_connected = Gauge(
            "orbit_trivia_gateway_connected", "1 while the gateway connection is up.", registry=self.registry
        )
        self._rate_limit_handler = _RateLimitCounter(self)

    def attach(self, bot: TriviaBot) -> None:
        """Feed these metrics from ``bot``: its events, its storage, its rounds and discord.py's responses."""
        self.rounds_running.set_function(lambda: _rounds_running(bot))
        self.registry.register(_WriteBudgetCollector(bot))
        bot.add_listener(self._on_interaction, "on_interaction")
        for event in ("on_connect", "on_resumed", "on_ready"):
            bot.add_listener(functools.partial(self._on_up, bot), event)
        bot.add_listener(self._on_down, "on_disconnect")
        for name in ("discord.http", "discord.webhook.async_"):
            logging.getLogger(name).addHandler(self._rate_limit_handler)
        _install_response_hook()
        _active.add(self)

    def detach(self) -> None:
        """Stop feeding these metrics (the bot is closing)."""
        _active.discard(self)
        for name in ("discord.http", "discord.webhook.async_"):
            logging.getLogger(name).removeHandler(self._rate_limit_handler)

    async def _on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        self.interactions.labels(type=interaction.type.name).inc()

    async def _on_up(self, bot: TriviaBot, *_: object) -> None:
        self.gateway_connected.set(1)
        self.instrument_storage(bot)

    async def _on_down(self) -> None:
        self.gateway_connected.set(0)

    def instrument_storage(self, bot: TriviaBot) -> None:
        """Time every write method of the bot's open storage (once; the storage opens in ``setup_hook``)."""
        storage = bot.storage
        if getattr(storage, "_orbit_metrics", None) is self:
            return
        # Wrapping the instance's bound methods keeps metrics out of the storage layer, which stays one
        # class owning SQL; only this bot's storage is timed, not other instances in the same process.
        for name in STORAGE_WRITES:
            method = getattr(storage, name, None)
            if method is not None:
                setattr(storage, name, self._timed(name, method))
        storage._orbit_metrics = self  # type: ignore[attr-defined]

    def _timed(self, name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        histogram = self.storage_write_seconds.labels(operation=name)

        @functools.wraps(method)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = await method(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)
            if name == "record_answer":
                self.answers.inc()
            return result

        return timed

    def observe_response(self, interaction_id: int) -> None:
        """Record the response time of an interaction from its id (a snowflake holds its creation time)."""
        created = discord.utils.snowflake_time(interaction_id)
        self.response_seconds.observe(max(0.0, (dt.datetime.now(dt.UTC) - created).total_seconds()))


class _RateLimitCounter(logging.Handler):
    """Count discord.py's rate-limit warnings: discord.py has no event for a 429, only these log records."""

    def __init__(self, metrics: BotMetrics) -> None:
        super().__init__(level=logging.WARNING)
        self._metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        template = str(record.msg)
        for start, scope in _RATE_LIMIT_MESSAGES.items():
            if template.startswith(start):
                self._metrics.rate_limits.labels(scope=scope).inc()


class _WriteBudgetCollector(Collector):
    """Report the global channel-write budget's own counts at each scrape (they live in its stats)."""

    def __init__(self, bot: TriviaBot) -> None:
        self._bot = bot

    def collect(self) -> Iterator[Metric]:
        stats = self._bot.write_budget.stats
        writes = CounterMetricFamily(
            "orbit_trivia_channel_writes", "Channel writes let through by the write budget.", labels=["priority"]
        )
        for priority, count in stats.granted_by_priority.items():
            writes.add_metric([priority.name.lower()], count)
        yield writes
        yield CounterMetricFamily(
            "orbit_trivia_channel_writes_dropped",
            "Cosmetic channel writes dropped: stale, or too near their question's close.",
            value=stats.dropped,
        )
        yield CounterMetricFamily(
            "orbit_trivia_channel_writes_coalesced",
            "Cosmetic channel writes replaced by a newer edit of the same message.",
            value=stats.coalesced,
        )
        yield GaugeMetricFamily(
            "orbit_trivia_channel_write_essential_wait_max_seconds",
            "The longest an essential channel write waited for the write budget.",
            value=stats.longest_essential_wait,
        )
        yield GaugeMetricFamily(
            "orbit_trivia_channel_write_lag_max_seconds",
            "The most a channel write was let through after its budget slot (the event loop's lag).",
            value=stats.longest_lag,
        )
        yield CounterMetricFamily(
            "orbit_trivia_channel_write_bound_exceeded",
            "Essential channel writes that waited longer than the budget's stated bound.",
            value=stats.essential_bound_exceeded,
        )


def _rounds_running(bot: TriviaBot) -> float:
    cog: Any = bot.get_cog("trivia")
    registry = getattr(cog, "registry", None)
    return float(len(registry)) if registry is not None else 0.0


@functools.cache
def _install_response_hook() -> None:
    """Time every interaction response sent (discord.py has no hook for that: wrap its one call site, and hook the
    bot's own, `bot.acks.send_text_reply`)."""
    adapter_class = discord.webhook.async_.AsyncWebhookAdapter
    original = adapter_class.create_interaction_response

    def response_sent(interaction_id: int) -> None:
        for metrics in list(_active):
            metrics.observe_response(interaction_id)

    @functools.wraps(original)
    async def create_interaction_response(self: Any, interaction_id: int, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, interaction_id, *args, **kwargs)
        response_sent(interaction_id)
        return result

    adapter_class.create_interaction_response = create_interaction_response  # type: ignore[method-assign]
    acks.text_reply_hooks.append(response_sent)  # the bot's own call site of the same request


# --------------------------------------------------------------------------- the HTTP server


class HealthCheck:
    """What ``/healthz`` reports: gateway connected, database writable (probed at most every few seconds)."""

    def __init__(self, bot: TriviaBot, database: Path) -> None:
        self._bot = bot
        self._database = database
        self._probed_at = -HEALTH_CACHE_SECONDS
        self._database_problem: str | None = None
        self._lock = asyncio.Lock()

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """Return (healthy, JSON body)."""
        async with self._lock:
            if time.monotonic() - self._probed_at >= HEALTH_CACHE_SECONDS:
                self._database_problem = await asyncio.to_thread(
                    functools.partial(database_write_problem, self._database, 1.0, busy_is_fine=False)
                )
                self._probed_at = time.monotonic()
        connected = self._bot.is_ready() and not self._bot.is_closed() and _websocket_open(self._bot)
        latency = self._bot.latency
        healthy = connected and self._database_problem is None
        body = {
            "status": "ok" if healthy else "unhealthy",
            "gateway": {
                "connected": connected,
                "latency_ms": round(latency * 1000, 1) if connected and latency == latency else None,
            },
            "database": {"writable": self._database_problem is None, "problem": self._database_problem},
        }
        return healthy, body


def _websocket_open(bot: discord.Client) -> bool:
    websocket: Any = getattr(bot, "ws", None)
    socket = getattr(websocket, "socket", None)
    return socket is not None and not socket.closed


def build_app(metrics: BotMetrics, health: HealthCheck) -> web.Application:
    """Return the aiohttp application serving ``/metrics`` and ``/healthz``."""

    async def serve_metrics(_: web.Request) -> web.Response:
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def serve_health(_: web.Request) -> web.Response:
        healthy, body = await health.report()
        return web.json_response(body, status=200 if healthy else 503)

    app = web.Application()
    app.router.add_get("/metrics", serve_metrics)
    app.router.add_get("/healthz", serve_health)
    return app


@contextlib.asynccontextmanager
async def serve_metrics(bot: TriviaBot, port: int | None, host: str = "127.0.0.1") -> AsyncIterator[BotMetrics | None]:
    """Serve ``/metrics`` and ``/healthz`` on ``host:port`` while the bot runs (nothing when ``port`` is None)."""
    if port is None:
        yield None
        return
    metrics = BotMetrics()
    metrics.attach(bot)
    runner = web.AppRunner(build_app(metrics, HealthCheck(bot, bot.settings.database_path)), access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            raise ConfigError("METRICS_PORT", f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        log.info("Serving metrics on http://%s:%s/metrics and health on /healthz", host, port)
        yield metrics
    finally:
        metrics.detach()
        await runner.cleanup()
