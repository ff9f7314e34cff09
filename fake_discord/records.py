"""What the fake records: REST calls, message writes, interactions and their outcomes."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from fake_discord.payloads import Json

__all__ = [
    "FailureRule",
    "InteractionLookup",
    "InteractionRecord",
    "InteractionResult",
    "MessageLogEntry",
    "RecordedFile",
    "RecordedRequest",
    "UploadedAttachment",
]

MessageSource = Literal["channel", "interaction", "followup", "user"]


@dataclass(frozen=True)
class RecordedFile:
    """One uploaded file of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    size: int
    data: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class UploadedAttachment:
    """A file a user attaches to a slash command's attachment option; the fake serves its bytes at its url.

    ``size`` overrides the size Discord states in the attachment's metadata (a lying client, or a file too
    big to build in a test); by default it is the data's length.
    """

    filename: str
    data: bytes = field(default=b"", repr=False)
    content_type: str | None = None
    size: int | None = None


@dataclass
class RecordedRequest:
    """One REST call the fake received, in arrival order.

    ``path`` is the route after ``/api/v10``, percent-decoded (``/webhooks/1/tok/messages/@original``);
    ``json`` is the JSON body, or the parsed ``payload_json`` part of a multipart body.
    ``status`` is 0 until the fake has answered.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[RecordedFile]
    time: float
    status: int = 0
    response: Any = None

    def matches(self, method: str, path_regex: str) -> bool:
        """Return whether the method (or "*") and a regex search on the path both match."""
        return method in ("*", self.method) and re.search(path_regex, self.path) is not None


@dataclass(frozen=True)
class MessageLogEntry:
    """One create, edit or delete of a message, with when it happened (monotonic seconds)."""

    kind: Literal["create", "edit", "delete"]
    channel_id: int
    message_id: int
    time: float
    source: MessageSource


@dataclass
class FailureRule:
    """An injected failure: answer the next ``remaining`` matching calls with ``status``."""

    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float | None = None
    is_global: bool = False


@dataclass
class InteractionRecord:
    """Everything the fake knows about one interaction it dispatched."""

    id: int
    token: str
    payload: Json
    dispatched_at: float
    callback_type: int | None = None
    callback_data: Json | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    original_edits: list[Json] = field(default_factory=list)
    modal: Json | None = None
    rejection: tuple[int, Any] | None = None

    @property
    def type(self) -> int:
        """Return the interaction type (2 command, 3 component, 4 autocomplete, 5 modal submit)."""
        return int(self.payload["type"])


class InteractionLookup(Protocol):
    """What an InteractionResult asks the fake about its interaction."""

    def original_message(self, token: str) -> Json | None:
        """Return the latest state of an interaction's original response message, if any."""
        ...

    async def followups(self, token: str, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until an interaction has ``count`` followups; return them in their latest state."""
        ...

    async def original_edits(self, token: str, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until an interaction's original response was edited ``count`` times; return the edit bodies."""
        ...


@dataclass
class InteractionResult:
    """The answer the bot gave to one interaction, with ways to wait for what it sends afterwards.

    ``message`` is a snapshot of the message the callback created or updated (types 4, 5, 7), if any;
    :meth:`original` gives its latest state.
    """

    fake: InteractionLookup = field(repr=False)
    interaction_id: int
    token: str
    payload: Json = field(repr=False)
    type: int
    data: Json | None
    message: Json | None

    @property
    def content(self) -> str | None:
        """Return the callback message content, if any."""
        return None if self.data is None else self.data.get("content")

    @property
    def embeds(self) -> list[Json]:
        """Return the callback message embeds."""
        return [] if self.data is None else list(self.data.get("embeds") or [])

    @property
    def flags(self) -> int:
        """Return the callback message flags (64 = ephemeral)."""
        return 0 if self.data is None else int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Return whether the callback asked for an ephemeral message."""
        return bool(self.flags & 64)

    def original(self) -> Json | None:
        """Return the latest state of the original response message, if there is one."""
        return self.fake.original_message(self.token)

    async def followups(self, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until the bot sent ``count`` followups to this interaction; return them (latest state)."""
        return await self.fake.followups(self.token, count, timeout)

    async def edits(self, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until the original response was edited ``count`` times; return the edit bodies."""
        return await self.fake.original_edits(self.token, count, timeout)
