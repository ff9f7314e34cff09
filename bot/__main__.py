"""``python -m bot`` runs the bot; ``play`` plays in the terminal; ``sync`` syncs; ``copy-db`` moves the data."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot.limits import SECONDS, TERMINAL_QUESTIONS
from questions.generate import ROUND_KINDS


def _settings_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        if problem["type"] == "missing":
            lines.append(f"{key} is not set: put it in .env or the environment (see .env.example).")
        else:
            lines.append(f"{key}: {str(problem['msg']).removeprefix('Value error, ')}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen mode; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Orbit Trivia, a Discord trivia bot.")
    sub = parser.add_subparsers(dest="mode")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("sync", help="sync slash commands globally (and to DEV_GUILD_IDS) now, then exit")
    play = sub.add_parser("play", help="play a round in the terminal, no Discord token needed")
    play.add_argument(
        "--questions",
        type=int,
        default=TERMINAL_QUESTIONS.default,
        help=f"how many questions ({TERMINAL_QUESTIONS.span}, default {TERMINAL_QUESTIONS.default})",
    )
    play.add_argument(
        "--seconds",
        type=int,
        default=SECONDS.default,
        help=f"seconds per question ({SECONDS.span}, default {SECONDS.default})",
    )
    play.add_argument("--category", default=None, help="only this category (default: all)")
    play.add_argument("--kind", default="mixed", choices=list(ROUND_KINDS))
    play.add_argument("--name", default="you", help="your player name")
    play.add_argument("--seed", type=int, default=None, help="random seed for the questions drawn")
    copy = sub.add_parser(
        "copy-db", help="copy every row of one database into another, empty one (SQLite <-> PostgreSQL), and check it"
    )
    copy.add_argument("source", help="a SQLite file, or a postgresql:// URL")
    copy.add_argument("target", help="an empty (or new) SQLite file, or a postgresql:// URL of an empty database")
    args = parser.parse_args(argv)
    if args.mode == "copy-db":
        return _copy_db(args.source, args.target)

    from bot.app import run, run_bot, sync_once
    from bot.config import PlaySettings, Settings
    from bot.logs import setup_logging
    from questions.loader import FactPackError

    try:
        if args.mode == "play":
            from bot.play import play_in_terminal

            play_settings = PlaySettings()
            setup_logging("WARNING", [])
            return run(play_in_terminal(play_settings, args))
        settings = Settings()  # read from the environment and .env
    except ValidationError as error:
        print(_settings_error(error), file=sys.stderr)
        return 2
    except FactPackError as error:
        print(f"The fact packs have errors:\n{error}", file=sys.stderr)
        return 2
    secrets = [settings.discord_token.get_secret_value()]
    if settings.database_url is not None:  # its password; messages show the URL without it
        secrets.append(urlsplit(settings.database_url.get_secret_value()).password or "")
    setup_logging(settings.log_level, secrets)
    try:
        if args.mode == "sync":
            return run(sync_once(settings))
        return run(run_bot(settings))
    except FactPackError as error:
        print(f"The fact packs have errors:\n{error}", file=sys.stderr)
        return 2
    except Exception:
        # Through logging, so the token is redacted from the traceback too.
        logging.getLogger("bot").critical("The bot stopped on an unexpected error.", exc_info=True)
        return 1


def _copy_db(source: str, target: str) -> int:
    """Run ``copy-db``: print what was copied, or one clear line saying why nothing was."""
    import asyncio

    from bot.storage import StorageError
    from bot.storage.copying import CopyRefused, copy_database, describe

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        report = asyncio.run(copy_database(source, target))
    except CopyRefused as error:
        print(f"copy-db refused: {error}", file=sys.stderr)
        return 2
    except StorageError as error:
        print(f"copy-db failed, nothing was committed to {describe(target)}: {error}", file=sys.stderr)
        return 1
    tables = ", ".join(f"{name} {count}" for name, count in report.rows.items())
    print(f"Copied {describe(source)} into {describe(target)}: {tables}.")
    print(f"Checked: totals of {report.players} player(s) and {report.answers} answer(s) match the source.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
