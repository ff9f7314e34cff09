"""The REST server: parsing calls, routing them, authentication and injected failures."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aiohttp import BodyPartReader, web

from fake_discord.core import (
    CALLBACK_PATH,
    Call,
    FakeCore,
)
from fake_discord.payloads import (
    Json,
)
from fake_discord.records import (
    FailureRule,
    RecordedFile,
    RecordedRequest,
)

log = logging.getLogger(__name__)


class RestServer(FakeCore):
    """Answers REST calls with the route table the resources contribute."""

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        count: int = 1,
        retry_after: float | None = None,
        *,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` REST calls matching ``method`` ("*" = any) and ``path_regex`` with ``status``.

        ``path_regex`` is searched in the route path after ``/api/v10`` (e.g. ``r"/channels/\\d+/messages$"``).
        A 429 carries Discord's rate-limit headers and body with ``retry_after`` (default 1.0 s).
        """
        rule = FailureRule(method.upper(), re.compile(path_regex), status, count, retry_after, is_global)
        self._failures.append(rule)

    def _take_failure(self, method: str, path: str) -> web.Response | None:
        for rule in self._failures:
            if rule.remaining > 0 and rule.method in ("*", method) and rule.pattern.search(path):
                rule.remaining -= 1
                return self._failure_response(rule)
        return None

    def _failure_response(self, rule: FailureRule) -> web.Response:
        if rule.status == 429:
            retry = 1.0 if rule.retry_after is None else rule.retry_after
            headers = {
                "Retry-After": str(math.ceil(retry)),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Bucket": f"fake{abs(hash(rule.pattern.pattern)):x}",
                "X-RateLimit-Scope": "shared" if not rule.is_global else "global",
            }
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            body: Json = {"message": "You are being rate limited.", "retry_after": retry, "global": rule.is_global}
            return self._response(429, body, headers)
        reason = HTTPStatus(rule.status).phrase if rule.status in HTTPStatus._value2member_map_ else "Error"
        code = {403: 50013, 400: 50035}.get(rule.status, 0)
        message = "Missing Permissions" if rule.status == 403 else f"{rule.status}: {reason}"
        return self._response(rule.status, {"message": message, "code": code})

    # ------------------------------------------------------------------ REST plumbing

    @staticmethod
    def _response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        all_headers = {"Via": "1.1 google", **(headers or {})}
        if body is None:
            return web.Response(status=204 if status == 200 else status, headers=all_headers)
        # discord.py only decodes a body whose Content-Type is exactly "application/json" (no charset).
        all_headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
        if not request.can_read_body:
            return None, []
        if request.content_type == "multipart/form-data":
            payload: Any = None
            files: list[RecordedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    data = await part.read()
                    content_type = part.headers.get("Content-Type")
                    files.append(RecordedFile(part.name or "", part.filename, content_type, len(data), bytes(data)))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _handle_rest(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/api/v\d+(/.*)", request.path)
        path = match.group(1) if match else request.path
        body, files = await self._read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, files, time.monotonic())
        self.requests.append(record)
        self._notify()
        self.requests_in_flight += 1
        self.most_requests_in_flight = max(self.most_requests_in_flight, self.requests_in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            response = self._take_failure(request.method, path)
            if response is None:
                response = await self._route(request, record)
        except Exception:
            log.exception("fake discord crashed handling %s %s", request.method, path)
            response = self._response(500, {"message": "500: Internal Server Error", "code": 0})
        finally:
            self.requests_in_flight -= 1
        record.status = response.status
        if isinstance(response.body, bytes) and response.headers.get("Content-Type") == "application/json":
            record.response = json.loads(response.body)
        if response.status >= 400 and (callback := CALLBACK_PATH.fullmatch(path)) is not None:
            interaction = self._interactions_by_id.get(int(callback.group(1)))
            if interaction is not None and interaction.callback_type is None:
                interaction.rejection = (response.status, record.response)
                self._interaction_settled(interaction)
        self._notify()
        return response

    async def _route(self, request: web.Request, record: RecordedRequest) -> web.Response:
        path_known = False
        for method, pattern, handler, needs_auth in self._routes:
            found = pattern.fullmatch(record.path)
            if found is None:
                continue
            path_known = True
            if method != record.method:
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return self._response(401, {"message": "401: Unauthorized", "code": 0})
            call = Call(record.method, record.path, found.groupdict(), request.query, record.json, record.files)
            status, body = await handler(call)
            return self._response(status, body)
        log.error("FAKE DISCORD: UNHANDLED ROUTE %s %s (body=%r)", record.method, record.path, record.json)
        self.unhandled.append(record)
        if path_known:
            return self._response(405, {"message": "405: Method Not Allowed", "code": 0})
        return self._response(404, {"message": "404: Not Found", "code": 0})
