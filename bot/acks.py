"""Answering interactions within Discord's 3 seconds when the work behind them may take longer.

Discord shows "This interaction failed" unless a bot acknowledges an interaction within 3 seconds of its
creation. Most work (storing a click) takes milliseconds, and is then confirmed with one direct reply. When
it takes longer (a stalled disk, a busy database, a round winding down), the interaction is acknowledged
with a deferral while there is still time, and the reply follows as a followup once the work is done.

An interaction that reaches the bot already too old to wait for (Discord replays them after a gateway
outage) is acknowledged *before* the work starts: if Discord no longer accepts it, the player was shown
"This interaction failed", so the work (storing their answer) is not done at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord.enums import InteractionResponseType
from discord.http import Route
from discord.webhook.async_ import async_context, interaction_message_response_params

log = logging.getLogger(__name__)
T = TypeVar("T")

ACK_BUDGET_SECONDS = 2.0
"""How long after its creation an interaction may wait for its work before it is deferred.

Discord allows 3 s; the second left over covers the deferral's own trip to Discord and clock skew."""


class InteractionExpired(Exception):  # noqa: N818 - what happened, like the engine's errors
    """Discord no longer accepts a reply to this interaction: the player was shown that it failed."""


def interaction_age(interaction: discord.Interaction[Any]) -> float:
    """Return how many seconds ago Discord created the interaction (from its snowflake id).

    Plain arithmetic on the id rather than ``utcnow() - created_at``: this runs on every answer, and the two
    datetimes cost more than the rest of it (issue 12)."""
    created_ms = (interaction.id >> 22) + discord.utils.DISCORD_EPOCH
    return time.time() - created_ms / 1000


async def acknowledged(
    interaction: discord.Interaction[Any],
    work: Callable[[], Awaitable[T]],
    *,
    ephemeral: bool = True,
    updates_message: bool = False,
) -> T:
    """Run ``work``, deferring the interaction if a direct reply would come too late; return the work's result.

    After this returns, reply with :func:`reply` (or :func:`update` when ``updates_message``: a button that
    edits its own message), which sends a followup or edits the message if the interaction was deferred.
    Raises `InteractionExpired` (and the work is not done) if the interaction expired before it could start.
    """
    budget = ACK_BUDGET_SECONDS - interaction_age(interaction)

    async def defer() -> None:
        if updates_message:
            await interaction.response.defer()  # "edits the message later": no new message
        else:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)

    if budget <= 0:
        try:
            await defer()
        except discord.NotFound as error:
            raise InteractionExpired(f"interaction {interaction.id} expired before it reached the bot") from error
        return await _unless_refused(interaction, work(), public=not ephemeral and not updates_message)
    # The work runs in this task; only if it outlasts the budget does a timer start the deferral, alongside it.
    # (Running the work as a task of its own and waiting on it cost every click a task and a wait.)
    deferral: asyncio.Task[None] | None = None

    async def defer_meanwhile() -> None:
        try:
            await defer()
        except discord.HTTPException as error:
            # The work goes on regardless: what it stores counts, and is kept.
            log.warning("Could not defer interaction %s: %s", interaction.id, error)

    def start_deferral() -> None:
        nonlocal deferral
        deferral = asyncio.ensure_future(defer_meanwhile())

    timer = asyncio.get_running_loop().call_later(budget, start_deferral)
    try:
        try:
            result = await work()
        finally:
            timer.cancel()
            if deferral is not None:
                await deferral  # a reply or refusal must follow the deferral, as its followup
    except Exception:
        await _withdraw_public_deferral(interaction, public=not ephemeral and not updates_message)
        raise
    return result


async def _unless_refused(interaction: discord.Interaction[Any], work: Awaitable[T], *, public: bool) -> T:
    """Await the work; if it fails after a public deferral, remove the public "thinking…" first.

    The refusal is then sent as a new, private followup: a player's error is nobody else's business.
    """
    try:
        return await work
    except Exception:
        await _withdraw_public_deferral(interaction, public=public)
        raise


async def _withdraw_public_deferral(interaction: discord.Interaction[Any], *, public: bool) -> None:
    """Remove the public "thinking…" of a deferred interaction whose work failed (the refusal goes privately)."""
    if public and interaction.response.is_done():
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as error:
            log.warning("Could not remove the deferred reply of interaction %s: %s", interaction.id, error)


async def reply(
    interaction: discord.Interaction[Any], content: str | None, *, ephemeral: bool = True, **extra: Any
) -> None:
    """Reply directly, or as the followup of a deferred interaction (which replaces its "thinking…")."""
    if interaction.response.is_done():
        if content is not None:
            extra["content"] = content
        await interaction.followup.send(ephemeral=ephemeral, **extra)
    elif content is not None and not extra:
        await send_text_reply(interaction, content, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **extra)


_EPHEMERAL = discord.MessageFlags(ephemeral=True)
_CALLBACK_ROUTE = "/interactions/{webhook_id}/{webhook_token}/callback"

text_reply_hooks: list[Callable[[int], None]] = []
"""Called with the interaction's id after each `send_text_reply` (the metrics time every response: bot/metrics.py)."""


async def send_text_reply(interaction: discord.Interaction[Any], content: str, *, ephemeral: bool = True) -> None:
    """Answer an interaction with a text message, as ``interaction.response.send_message(content)`` does, minus
    the copy of the message Discord sends back, which a verdict or a "choice saved" never reads.

    discord.py always asks for that copy (``?with_response=1``), then parses it into an `InteractionCallbackResponse`
    and a `Message`: about 0.08 ms of the bot's CPU per click or ``/answer``, a tenth of all it spends on one
    (BENCHMARKS.md, issue 12). Without the query Discord answers 204 No Content. The request is discord.py's own:
    the same payload builder (content, flags, the client's allowed mentions), the same webhook adapter (rate limits,
    retries, errors raised as `discord.HTTPException`), and afterwards ``interaction.response.is_done()`` is true,
    so followups and edits of the original response work as usual. The names it borrows from discord.py's modules
    are checked against the pinned version by tests/test_hot_path.py.
    """
    response = interaction.response
    if response.is_done():
        raise discord.InteractionResponded(interaction)
    params = interaction_message_response_params(
        type=InteractionResponseType.channel_message.value,
        content=content,
        flags=_EPHEMERAL if ephemeral else discord.utils.MISSING,
        previous_allowed_mentions=interaction._state.allowed_mentions,
    )
    route = Route("POST", _CALLBACK_ROUTE, webhook_id=interaction.id, webhook_token=interaction.token)
    http = interaction._state.http
    await async_context.get().request(
        route, session=interaction._session, proxy=http.proxy, proxy_auth=http.proxy_auth, payload=params.payload
    )
    response._response_type = InteractionResponseType.channel_message
    for hook in text_reply_hooks:
        try:
            hook(interaction.id)
        except Exception:  # the reply was sent: a broken observer must not turn it into an error
            log.exception("A text reply hook failed")


async def update(interaction: discord.Interaction[Any], **fields: Any) -> None:
    """Edit the message a button is on, directly or (if the interaction was deferred) as its original response."""
    if interaction.response.is_done():
        await interaction.edit_original_response(**fields)
    else:
        await interaction.response.edit_message(**fields)
