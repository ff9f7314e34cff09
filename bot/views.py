"""Buttons and modals. Every button is a ``DynamicItem`` whose custom_id carries its state, so it keeps working
(or answers politely) after a restart. Callbacks only parse the id and hand over to the cogs, which they know
only through the small protocols below (the cogs import this module, never the other way round)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord import ui

from bot.errors import send_error
from bot.limits import ANSWER_MAX_LENGTH
from bot.render import LETTERS, clip
from questions.models import Question, QuestionKind

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)

PREFIX = "ot"
FORM_TIMEOUT_SECONDS = 300
"""An answer form left open is forgotten after this long (longer than the longest question, 120 s)."""


class RoundActions(Protocol):
    """What the round, dispute and privacy buttons and the answer form ask of the trivia cog."""

    async def handle_choice(
        self, interaction: discord.Interaction[Any], round_id: int, position: int, choice: int
    ) -> None:
        """Store a click on an option and confirm it."""

    async def open_answer_form(self, interaction: discord.Interaction[Any], round_id: int, position: int) -> None:
        """Open the typed-answer form of a question."""

    async def handle_text(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        *,
        round_id: int | None = None,
        position: int | None = None,
    ) -> None:
        """Judge a typed answer."""

    async def decide_dispute(self, interaction: discord.Interaction[Any], dispute_id: int, *, accept: bool) -> None:
        """Record a moderator's decision on a dispute."""

    async def confirm_delete(self, interaction: discord.Interaction[Any], user_id: int) -> None:
        """Delete a player's data."""

    async def review_pack_fact(
        self, interaction: discord.Interaction[Any], pack_id: int, position: int, action: str
    ) -> None:
        """Approve ('a'), reject ('r') or show ('v') one drafted fact of a server pack."""

    async def confirm_pack_removal(self, interaction: discord.Interaction[Any], pack_id: int) -> None:
        """Remove a server pack."""


class PageTurner(Protocol):
    """What the leaderboard's page buttons ask of the scores cog."""

    async def turn_page(self, interaction: discord.Interaction[Any], scope: str, period: str, page: int) -> None:
        """Show another page of a leaderboard in the same message."""


def rounds_of(interaction: discord.Interaction[TriviaBot]) -> RoundActions:
    """Return what handles round buttons and forms in the bot that received this interaction."""
    return interaction.client.round_actions


def pages_of(interaction: discord.Interaction[TriviaBot]) -> PageTurner:
    """Return what turns leaderboard pages in the bot that received this interaction."""
    return interaction.client.page_turner


CHOICE_CLICK = re.compile(rf"{PREFIX}:c:(?P<round>\d+):(?P<pos>\d+):(?P<choice>\d+)")
"""custom_id of an option button: ``ot:c:<round>:<position>:<choice>``."""


class ChoiceButton(ui.Button[Any]):
    """One option of a multiple-choice or true/false question: ``ot:c:<round>:<position>:<choice>``.

    Option clicks are the bot's hottest path, so `TriviaBot` routes them itself by custom_id (to `choose`), and
    the button is not a discord.py ``DynamicItem``: for each click, discord.py would rebuild the question's whole
    view from the message (every button of it) in a task of its own, just to find the one clicked. Not being
    dispatchable also keeps question views out of discord.py's view store. Like a ``DynamicItem``, it carries its
    state in the custom_id, so it keeps working (or answers politely) after a restart.
    """

    def __init__(self, round_id: int, position: int, choice: int, label: str = "?", *, style: Any = None) -> None:
        super().__init__(
            label=clip(label, 80),
            style=style or discord.ButtonStyle.secondary,
            custom_id=f"{PREFIX}:c:{round_id}:{position}:{choice}",
        )
        self.round_id, self.position, self.choice = round_id, position, choice

    def is_dispatchable(self) -> bool:
        """Return False: discord.py does not dispatch these clicks (`TriviaBot` does)."""
        return False


async def choose(interaction: discord.Interaction[Any], round_id: int, position: int, choice: int) -> None:
    """Store a click on an option and confirm it privately (the one path of every option click)."""
    try:
        await rounds_of(interaction).handle_choice(interaction, round_id, position, choice)
    except Exception as error:
        await send_error(interaction, error)


class TypedAnswerButton(ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:t:(?P<round>\d+):(?P<pos>\d+)"):
    """Opens the answer form of a typed question: ``ot:t:<round>:<position>``."""

    def __init__(self, round_id: int, position: int) -> None:
        super().__init__(
            ui.Button(
                label="Answer",
                emoji="✍️",
                style=discord.ButtonStyle.primary,
                custom_id=f"{PREFIX}:t:{round_id}:{position}",
            )
        )
        self.round_id, self.position = round_id, position

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> TypedAnswerButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["round"]), int(match["pos"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Open the answer form, if the question is still open."""
        try:
            await rounds_of(interaction).open_answer_form(interaction, self.round_id, self.position)
        except Exception as error:
            await send_error(interaction, error)


class AnswerModal(ui.Modal):
    """The form for a typed answer."""

    def __init__(self, round_id: int, position: int, prompt: str, user_id: int) -> None:
        # discord.py keeps one open modal per custom_id and forgets it once submitted, so the id names the
        # player: with a shared id, the first player to submit would make everyone else's form fail.
        super().__init__(
            title=clip(f"Question {position + 1}", 45),
            custom_id=f"{PREFIX}:m:{round_id}:{position}:{user_id}",
            timeout=FORM_TIMEOUT_SECONDS,
        )
        self.round_id, self.position = round_id, position
        self.answer: ui.TextInput[AnswerModal] = ui.TextInput(
            label=clip(prompt, 45),
            custom_id="answer",
            placeholder="Type your answer",
            max_length=ANSWER_MAX_LENGTH,
            min_length=1,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Judge the typed answer."""
        await rounds_of(interaction).handle_text(
            interaction, self.answer.value, round_id=self.round_id, position=self.position
        )

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Turn a failure into a private reply."""
        await send_error(interaction, error)


def question_view(round_id: int, position: int, question: Question) -> ui.View:
    """Return the buttons of an open question: one per option, or the answer-form button."""
    view = ui.View(timeout=None)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        for index, choice in enumerate(question.choices):
            view.add_item(ChoiceButton(round_id, position, index, f"{LETTERS[index]} · {choice}"))
    elif question.kind == QuestionKind.TRUE_FALSE:
        for index, choice in enumerate(question.choices):
            style = discord.ButtonStyle.success if index == 0 else discord.ButtonStyle.danger
            view.add_item(ChoiceButton(round_id, position, index, choice, style=style))
    else:
        view.add_item(TypedAnswerButton(round_id, position))
    return view


class LeaderboardPageButton(
    ui.DynamicItem[ui.Button[Any]],
    template=rf"{PREFIX}:lb:(?P<scope>[gs]):(?P<period>[aw]):(?P<page>\d+):(?P<dir>[pn])",
):
    """Turns a leaderboard page: ``ot:lb:<g|s>:<a|w>:<page>:<p|n>`` (global/server, all time/week)."""

    def __init__(self, scope: str, period: str, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            ui.Button(
                label="◀ Previous" if direction == "p" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:lb:{scope}:{period}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.scope, self.period, self.page, self.direction = scope, period, page, direction

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> LeaderboardPageButton:
        """Rebuild the button from its custom_id."""
        return cls(match["scope"], match["period"], int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the page this button points to."""
        try:
            await pages_of(interaction).turn_page(interaction, self.scope, self.period, self.page)
        except Exception as error:
            await send_error(interaction, error)


def leaderboard_view(scope: str, period: str, page: int, pages: int) -> ui.View | None:
    """Return the paging buttons of a leaderboard, or None when it fits on one page."""
    if pages <= 1:
        return None
    view = ui.View(timeout=None)
    view.add_item(LeaderboardPageButton(scope, period, max(page - 1, 0), "p", disabled=page == 0))
    view.add_item(LeaderboardPageButton(scope, period, min(page + 1, pages - 1), "n", disabled=page >= pages - 1))
    return view


class DisputeDecisionButton(ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:d:(?P<id>\d+):(?P<verdict>[ad])"):
    """Accepts or declines a dispute: ``ot:d:<dispute>:<a|d>``; only Manage Server may decide."""

    def __init__(self, dispute_id: int, verdict: str) -> None:
        accept = verdict == "a"
        super().__init__(
            ui.Button(
                label="Accept" if accept else "Decline",
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.danger,
                custom_id=f"{PREFIX}:d:{dispute_id}:{verdict}",
            )
        )
        self.dispute_id, self.accept = dispute_id, accept

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> DisputeDecisionButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["id"]), match["verdict"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the decision."""
        try:
            await rounds_of(interaction).decide_dispute(interaction, self.dispute_id, accept=self.accept)
        except Exception as error:
            await send_error(interaction, error)


def dispute_view(dispute_id: int) -> ui.View:
    """Return the Accept/Decline buttons of a dispute."""
    view = ui.View(timeout=None)
    view.add_item(DisputeDecisionButton(dispute_id, "a"))
    view.add_item(DisputeDecisionButton(dispute_id, "d"))
    return view


class PrivacyDeleteButton(ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:pd:(?P<user>\d+)"):
    """Confirms deleting a player's data: ``ot:pd:<user>``; only that player may press it."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            ui.Button(
                label="Delete my trivia data", style=discord.ButtonStyle.danger, custom_id=f"{PREFIX}:pd:{user_id}"
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> PrivacyDeleteButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Delete the player's data after checking it is theirs."""
        try:
            await rounds_of(interaction).confirm_delete(interaction, self.user_id)
        except Exception as error:
            await send_error(interaction, error)


PACK_REVIEW_ACTIONS = {"a": "Approve", "r": "Reject", "p": "◀ Previous", "n": "Next ▶"}
"""The review pager's buttons: approve or reject the fact shown, or show the previous or next one."""


class PackReviewButton(
    ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:pk:(?P<pack>\d+):(?P<pos>\d+):(?P<action>[arpn])"
):
    """One button of the pack review pager: ``ot:pk:<pack>:<fact position>:<a|r|p|n>``; Manage Server only.

    ``a``/``r`` approve or reject the fact at that position; ``p``/``n`` show the fact at that position.
    """

    def __init__(self, pack_id: int, position: int, action: str, *, disabled: bool = False) -> None:
        style = {"a": discord.ButtonStyle.success, "r": discord.ButtonStyle.danger}.get(
            action, discord.ButtonStyle.secondary
        )
        super().__init__(
            ui.Button(
                label=PACK_REVIEW_ACTIONS[action],
                style=style,
                custom_id=f"{PREFIX}:pk:{pack_id}:{position}:{action}",
                disabled=disabled,
            )
        )
        self.pack_id, self.position, self.action = pack_id, position, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> PackReviewButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["pack"]), int(match["pos"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the decision, or turn the page."""
        try:
            await rounds_of(interaction).review_pack_fact(interaction, self.pack_id, self.position, self.action)
        except Exception as error:
            await send_error(interaction, error)


def pack_review_view(pack_id: int, position: int, total: int, *, decided: str | None) -> ui.View:
    """Return the pager of one drafted fact: Approve / Reject (the one already chosen disabled), Previous / Next."""
    view = ui.View(timeout=None)
    view.add_item(PackReviewButton(pack_id, position, "a", disabled=decided == "approved"))
    view.add_item(PackReviewButton(pack_id, position, "r", disabled=decided == "rejected"))
    view.add_item(PackReviewButton(pack_id, max(position - 1, 0), "p", disabled=position == 0))
    view.add_item(PackReviewButton(pack_id, min(position + 1, total - 1), "n", disabled=position >= total - 1))
    return view


class PackRemoveButton(ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:pkrm:(?P<pack>\d+)"):
    """Confirms removing a server pack: ``ot:pkrm:<pack>``; Manage Server only."""

    def __init__(self, pack_id: int) -> None:
        super().__init__(
            ui.Button(label="Remove the pack", style=discord.ButtonStyle.danger, custom_id=f"{PREFIX}:pkrm:{pack_id}")
        )
        self.pack_id = pack_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> PackRemoveButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["pack"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Remove the pack."""
        try:
            await rounds_of(interaction).confirm_pack_removal(interaction, self.pack_id)
        except Exception as error:
            await send_error(interaction, error)


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (
    TypedAnswerButton,
    LeaderboardPageButton,
    DisputeDecisionButton,
    PrivacyDeleteButton,
    PackReviewButton,
    PackRemoveButton,
)
"""The buttons discord.py dispatches (option clicks are routed by the bot itself: see `ChoiceButton`)."""
