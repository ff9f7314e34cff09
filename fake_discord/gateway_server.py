"""The gateway websocket: HELLO, IDENTIFY, RESUME, heartbeats, member requests, drops."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

import json
import time
import uuid

from aiohttp import WSMsgType, web

from fake_discord.core import (
    PRIVILEGED_INTENTS,
    FakeCore,
)
from fake_discord.gateway import GatewayConnection, GatewayFrame, GatewaySession, Op, make_compressor, valid_shard
from fake_discord.payloads import (
    Json,
)


class GatewayServer(FakeCore):
    """Serves gateway connections and their sessions."""

    async def drop_gateway(self, *, resumable: bool = True, shard_id: int | None = None) -> None:
        """Drop the bot's gateway connection (of the latest client, or of the one identified as ``shard_id``).

        ``resumable=True`` closes it with code 4000 so the client RESUMEs; events dispatched meanwhile are
        buffered and replayed. ``resumable=False`` sends INVALID_SESSION (d=false) so the client must IDENTIFY
        again; until it has (``await fake.wait_until_ready()``), dispatching to it raises RuntimeError.
        """
        session = self._require_session() if shard_id is None else self._shard_session(shard_id)
        if session is None:
            raise RuntimeError(f"no client has identified as shard {shard_id}")
        conn = session.connection
        if conn is None:
            raise RuntimeError("the gateway session is not connected")
        session.connection = None
        if resumable:
            await conn.close(4000, "fake discord dropped the connection")
        else:
            session.invalidated = True
            await conn.send(Op.INVALIDATE_SESSION, False)
        self._notify()

    async def gateway_outage(self, seconds: float) -> None:
        """Drop the gateway (resumably) and refuse to reconnect for ``seconds``: events are replayed after."""
        self._gateway_down_until = time.monotonic() + seconds
        await self.drop_gateway(resumable=True)

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._gateway_down_until:
            return web.Response(status=503, text="fake discord: the gateway is down")
        compress = request.query.get("compress")
        try:
            make_compressor(compress)
        except (ValueError, ImportError) as exc:
            return web.Response(status=400, text=str(exc))
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        await ws.prepare(request)
        self._connection_count += 1
        conn = GatewayConnection(ws, self._connection_count, compress, self)
        self._connections.add(conn)
        self.gateway_connections.append((request.path, dict(request.query)))
        try:
            if request.query.get("encoding", "json") != "json":
                await conn.close(4002, "Only encoding=json is supported by the fake.")
                return ws
            trace = ['["fake-discord-gateway",{"micros":0}]']
            await conn.send(Op.HELLO, {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": trace})
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    text = msg.data if isinstance(msg.data, str) else bytes(msg.data).decode()
                    await self._on_gateway_payload(conn, text)
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, text: str) -> None:
        try:
            payload = json.loads(text)
            op = int(payload["op"])
        except (ValueError, KeyError, TypeError):
            await conn.close(4002, "Error while decoding payload.")
            return
        data = payload.get("d")
        self._record_frame(GatewayFrame("in", op, None, None, data, time.monotonic(), conn.number))
        if op == Op.HEARTBEAT:
            await conn.send(Op.HEARTBEAT_ACK, None)
        elif op == Op.IDENTIFY:
            await self._identify(conn, data or {})
        elif op == Op.RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(4003, "Not authenticated.")
        elif op == Op.REQUEST_MEMBERS:
            await self._request_members(conn.session, data or {})
        elif op not in (Op.PRESENCE, Op.VOICE_STATE):
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: Json) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        if data.get("shard") is not None and not valid_shard(data["shard"]):
            await conn.close(4010, "Invalid shard.")
            return
        self.identify_count += 1
        self.identify_payloads.append(data)
        session = GatewaySession(uuid.uuid4().hex, identify=data, connection=conn)
        conn.session = session
        self._sessions[session.session_id] = session
        self._session = session
        # The latest IDENTIFY of a shard takes its events over (a restarted shard process replaces the old).
        self._shard_sessions.pop(session.shard, None)
        self._shard_sessions[session.shard] = session
        shard = list(session.shard)
        guilds = [g for g in self.guilds.values() if session.receives_guild(g.id)]
        ready = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "shard": shard,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "auth": {},
            "_trace": ['["fake-discord-gateway",{"micros":0}]'],
        }
        await session.dispatch("READY", ready)
        for guild in guilds:
            await session.dispatch("GUILD_CREATE", guild.guild_create_payload())
        session.ready_sent = True
        self._notify()

    async def _resume(self, conn: GatewayConnection, data: Json) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated:
            await conn.send(Op.INVALIDATE_SESSION, False)
            return
        old = session.connection
        session.connection = None
        if old is not None and old is not conn:
            await old.close(4000, "Session resumed elsewhere.")
        self.resume_count += 1
        conn.session = session
        await session.resume_on(conn, int(data.get("seq") or 0))
        await session.dispatch("RESUMED", {"_trace": ['["fake-discord-gateway",{"micros":0}]']})
        self._notify()

    async def _request_members(self, session: GatewaySession, data: Json) -> None:
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = {int(u) for u in data.get("user_ids") or []}
        query = data.get("query")
        if user_ids:
            members = [m for m in members if int(m["user"]["id"]) in user_ids]
        elif query:
            members = [m for m in members if m["user"]["username"].lower().startswith(str(query).lower())]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in user_ids - {int(m["user"]["id"]) for m in members}],
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
