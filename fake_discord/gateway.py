"""Gateway side of the fake: one websocket connection and one resumable session."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aiohttp import web

__all__ = [
    "GatewayConnection",
    "GatewayFrame",
    "GatewaySession",
    "Op",
    "shard_of",
    "valid_shard",
]

log = logging.getLogger(__name__)


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard that receives a guild's events, by Discord's rule."""
    return (guild_id >> 22) % shard_count


def valid_shard(shard: Any) -> bool:
    """Return whether an IDENTIFY's ``shard`` is ``[shard_id, shard_count]`` with 0 <= shard_id < shard_count."""
    if not isinstance(shard, list | tuple) or len(shard) != 2:
        return False
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in shard):
        return False
    shard_id, shard_count = shard
    return bool(shard_count >= 1 and 0 <= shard_id < shard_count)


class Op:
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    VOICE_STATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALIDATE_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway payload, as sent ("out") or received ("in") by the fake."""

    direction: Literal["in", "out"]
    op: int
    t: str | None
    s: int | None
    d: Any
    time: float
    connection: int
    shard: int | None = None
    """The shard id of the connection's session (None before it identified)."""


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...


class _ZlibStream:
    """Transport compression ``zlib-stream``: one deflate stream per connection, each message sync-flushed."""

    def __init__(self) -> None:
        self._obj = zlib.compressobj()

    def compress(self, data: bytes) -> bytes:
        return self._obj.compress(data) + self._obj.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream:
    """Transport compression ``zstd-stream``: one zstd stream per connection, each message block-flushed."""

    def __init__(self) -> None:
        import zstandard  # optional: only when a client asks for zstd-stream

        self._flush_mode = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        self._obj = zstandard.ZstdCompressor().compressobj()

    def compress(self, data: bytes) -> bytes:
        return bytes(self._obj.compress(data)) + bytes(self._obj.flush(self._flush_mode))


def make_compressor(kind: str | None) -> _Compressor | None:
    """Return the transport compressor for a ``compress`` query value, or None for plain text frames."""
    if kind is None:
        return None
    if kind == "zlib-stream":
        return _ZlibStream()
    if kind == "zstd-stream":
        return _ZstdStream()
    raise ValueError(f"unsupported gateway compression {kind!r}")


class FrameSink(Protocol):
    """Where connections report frames (the FakeDiscord)."""

    def _record_frame(self, frame: GatewayFrame) -> None: ...


class GatewayConnection:
    """One websocket connection from a client, with its own compression stream."""

    def __init__(self, ws: web.WebSocketResponse, number: int, compress: str | None, sink: FrameSink) -> None:
        """Wrap a prepared websocket."""
        self.ws = ws
        self.number = number
        self._compressor = make_compressor(compress)
        self._lock = asyncio.Lock()
        self._sink = sink
        self.session: GatewaySession | None = None

    @property
    def closed(self) -> bool:
        """Return whether the websocket is closing or closed."""
        return self.ws.closed

    async def send(self, op: int, d: Any, *, t: str | None = None, s: int | None = None) -> bool:
        """Send one payload; return False if the socket was already closed."""
        async with self._lock:
            if self.ws.closed:
                return False
            raw = json.dumps({"op": op, "d": d, "s": s, "t": t}, separators=(",", ":")).encode()
            shard = None if self.session is None else self.session.shard_id
            self._sink._record_frame(GatewayFrame("out", op, t, s, d, time.monotonic(), self.number, shard))
            try:
                if self._compressor is None:
                    await self.ws.send_str(raw.decode())
                else:
                    await self.ws.send_bytes(self._compressor.compress(raw))
            except ConnectionError as exc:
                log.debug("gateway connection %s: send failed: %s", self.number, exc)
                return False
            return True

    async def close(self, code: int, message: str = "") -> None:
        """Close the websocket with a gateway close code."""
        async with self._lock:
            if not self.ws.closed:
                await self.ws.close(code=code, message=message.encode())


@dataclass
class GatewaySession:
    """A gateway session: its sequence, the events it dispatched (for RESUME) and its live connection."""

    session_id: str
    identify: dict[str, Any]
    connection: GatewayConnection | None = None
    seq: int = 0
    events: list[tuple[int, str, Any]] = field(default_factory=list)
    invalidated: bool = False
    ready_sent: bool = False

    @property
    def intents(self) -> int:
        """Return the intents the client identified with."""
        return int(self.identify.get("intents", 0))

    @property
    def shard(self) -> tuple[int, int]:
        """Return ``(shard_id, shard_count)`` as identified (``(0, 1)`` for a client that sent no shard)."""
        shard = self.identify.get("shard") or (0, 1)
        return int(shard[0]), int(shard[1])

    @property
    def shard_id(self) -> int:
        """Return the shard id the client identified as."""
        return self.shard[0]

    def receives_guild(self, guild_id: int | None) -> bool:
        """Return whether Discord routes this guild's events to this session (guild-less ones go to shard 0)."""
        shard_id, shard_count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, shard_count))

    async def dispatch(self, event: str, data: Any) -> int:
        """Give the event the next sequence number, keep it for RESUME and send it if connected."""
        self.seq += 1
        seq = self.seq
        self.events.append((seq, event, data))
        conn = self.connection
        if conn is not None and not conn.closed:
            await conn.send(Op.DISPATCH, data, t=event, s=seq)
        return seq

    async def resume_on(self, conn: GatewayConnection, after: int) -> int:
        """Replay every event with a sequence above ``after`` on ``conn``, then make it the live connection.

        Events dispatched while replaying are replayed too, so none is lost or sent twice.
        """
        sent = after
        replayed = 0
        while True:
            missed = [(s, t, d) for s, t, d in self.events if s > sent]
            if not missed:
                break
            for seq, event, data in missed:
                await conn.send(Op.DISPATCH, data, t=event, s=seq)
                sent = seq
                replayed += 1
        self.connection = conn
        return replayed
