"""The baseline: a bare discord.py bot with Orbit Trivia's command tree shape that answers at once and stores nothing.

``python -m bench.baseline`` reads DISCORD_TOKEN, DISCORD_API_BASE and LOG_LEVEL from the environment. It
registers /trivia start|stop, /answer, /leaderboard, /stats and the ``ot:c:`` and ``ot:t:`` dynamic buttons,
and answers every interaction with a fixed reply. Whatever the trivia bot costs beyond this is its own work.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from typing import Any

import discord
import yarl
from discord import app_commands, ui

from bot.shutdown import stop_on_signals  # as light as discord.py itself: asyncio, signal, logging

log = logging.getLogger("bench.baseline")

PREFIX = "ot"
START_REPLY = "🚀 **Trivia!** A round of fixed questions starts now."
QUESTION_TITLE = "Question 1/1 · Baseline"
QUESTION_PROMPT = "Which of these is the fixed answer of the baseline bot? It never changes and nothing is stored."
CHOICES = ("The first one", "The second one", "The third one", "The fourth one")


def question_embed() -> discord.Embed:
    """Return the fixed question embed, about the size of a real one."""
    embed = discord.Embed(title=QUESTION_TITLE, description=QUESTION_PROMPT, colour=0x5865F2)
    embed.add_field(
        name="Options", value="\n".join(f"**{'ABCD'[i]}** · {c}" for i, c in enumerate(CHOICES)), inline=False
    )
    embed.add_field(name="Time", value="Closes <t:2000000000:R>", inline=True)
    embed.add_field(name="Answered", value="0", inline=True)
    embed.set_footer(text="Multiple choice · Pick an option below. You can change your choice until time is up.")
    return embed


class FixedChoice(ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:c:(?P<round>\d+):(?P<pos>\d+):(?P<choice>\d+)"):
    """An option button, ``ot:c:<round>:<position>:<choice>``, answered with a fixed private reply."""

    def __init__(self, round_id: int, position: int, choice: int) -> None:
        super().__init__(
            ui.Button(label=CHOICES[choice % len(CHOICES)], custom_id=f"{PREFIX}:c:{round_id}:{position}:{choice}")
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> FixedChoice:
        """Rebuild the button from its custom_id."""
        return cls(int(match["round"]), int(match["pos"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Confirm the choice (nothing is stored)."""
        await interaction.response.send_message(
            "You chose an option. You can change it until time is up.", ephemeral=True
        )


class FixedTyped(ui.DynamicItem[ui.Button[Any]], template=rf"{PREFIX}:t:(?P<round>\d+):(?P<pos>\d+)"):
    """The typed-answer button, ``ot:t:<round>:<position>``, answered with a fixed private reply."""

    def __init__(self, round_id: int, position: int) -> None:
        super().__init__(ui.Button(label="Answer", custom_id=f"{PREFIX}:t:{round_id}:{position}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> FixedTyped:
        """Rebuild the button from its custom_id."""
        return cls(int(match["round"]), int(match["pos"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Reply at once (nothing is stored)."""
        await interaction.response.send_message("Use `/answer text:` to answer.", ephemeral=True)


def question_view() -> ui.View:
    """Return the fixed question's option buttons."""
    view = ui.View(timeout=None)
    for choice in range(len(CHOICES)):
        view.add_item(FixedChoice(0, 0, choice))
    return view


trivia = app_commands.Group(name="trivia", description="Trivia rounds (baseline).", guild_only=True)


@trivia.command(name="start", description="Start a trivia round in this channel.")
@app_commands.describe(
    questions="How many questions (1-50)",
    category="Only ask questions of this category",
    kind="Which kind of questions to ask",
    seconds="Seconds to answer each question (5-120)",
)
@app_commands.choices(
    kind=[
        app_commands.Choice(name="Mixed", value="mixed"),
        app_commands.Choice(name="Multiple choice", value="multiple_choice"),
        app_commands.Choice(name="True or false", value="true_false"),
        app_commands.Choice(name="Typed answers", value="typed"),
    ]
)
async def start(
    interaction: discord.Interaction[Any],
    questions: app_commands.Range[int, 1, 50] | None = None,
    category: str | None = None,
    kind: str = "mixed",
    seconds: app_commands.Range[int, 5, 120] | None = None,
) -> None:
    """Reply with the fixed question and its buttons."""
    await interaction.response.send_message(START_REPLY, embed=question_embed(), view=question_view())


@trivia.command(name="stop", description="Stop the round running in this channel.")
async def stop(interaction: discord.Interaction[Any]) -> None:
    """Reply with a fixed sentence."""
    await interaction.response.send_message("⏹️ The round was stopped.")


@app_commands.command(name="answer", description="Answer the open typed question in this channel.")
@app_commands.describe(text="Your answer")
@app_commands.guild_only()
async def answer(interaction: discord.Interaction[Any], text: app_commands.Range[str, 1, 200]) -> None:
    """Reply with a fixed verdict."""
    await interaction.response.send_message("❌ Not quite (baseline).", ephemeral=True)


@app_commands.command(name="leaderboard", description="Ranked trivia scores.")
@app_commands.describe(scope="This server or every server", period="All time or this week")
@app_commands.choices(
    scope=[app_commands.Choice(name="This server", value="server"), app_commands.Choice(name="Global", value="global")],
    period=[app_commands.Choice(name="All time", value="all"), app_commands.Choice(name="This week", value="week")],
)
@app_commands.guild_only()
async def leaderboard(interaction: discord.Interaction[Any], scope: str = "server", period: str = "all") -> None:
    """Reply with a fixed leaderboard."""
    embed = discord.Embed(
        title="🏆 Leaderboard · baseline", description="\n".join(f"**{n}.** player {n}" for n in range(1, 11))
    )
    await interaction.response.send_message(embed=embed)


@app_commands.command(name="stats", description="A player's trivia stats in this server.")
@app_commands.describe(member="Whose stats (default: yours)")
@app_commands.guild_only()
async def stats(interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
    """Reply with fixed stats."""
    embed = discord.Embed(title="Stats · baseline", description="0 points · 0 played · 0 won")
    await interaction.response.send_message(embed=embed, ephemeral=True)


class BaselineBot(discord.Client):
    """A bare client: the same intents as Orbit Trivia, the same command tree shape, no storage."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        commands: tuple[app_commands.Group | app_commands.Command[Any, ..., Any], ...] = (
            trivia,
            answer,
            leaderboard,
            stats,
        )
        for command in commands:
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        """Register the dynamic buttons and sync the commands globally."""
        self.add_dynamic_items(FixedChoice, FixedTyped)
        await self.tree.sync()


def point_discord_at(base_url: str) -> None:
    """Send REST calls and the gateway connection to ``base_url`` instead of discord.com."""
    base = base_url.rstrip("/")
    discord.http.Route.BASE = f"{base}/api/v{discord.http.INTERNAL_API_VERSION}"
    gateway = yarl.URL(base)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway.with_scheme(
        "wss" if gateway.scheme == "https" else "ws"
    ).with_path("/")


async def run_baseline() -> int:
    """Run the baseline bot until interrupted."""
    base = os.environ.get("DISCORD_API_BASE")
    if base:
        point_discord_at(base)
    client = BaselineBot()
    async with client, stop_on_signals(client.close):  # like the bot: stops however it was started
        await client.start(os.environ["DISCORD_TOKEN"])
    return 0


def main() -> int:
    """Run the baseline; SIGINT or SIGTERM close it cleanly."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "WARNING"), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        return asyncio.run(run_baseline())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
