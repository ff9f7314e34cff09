"""The command line: ``orbit-trivia run | play | sync | backup | copy-db | questions …`` (also ``python -m bot …``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot.limits import SECONDS, TERMINAL_QUESTIONS
from bot.preflight import EXIT_CONFIG, ConfigError
from questions.cli import PACKS_HELP, add_selection_options
from questions.generate import ROUND_KINDS

COMMAND = "orbit-trivia"
"""The console script the package installs (``[project.scripts]``)."""


def _settings_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        if problem["type"] == "missing":
            lines.append(f"{key} is not set: put it in .env or the environment (see .env.example).")
        else:
            lines.append(f"{key}: {str(problem['msg']).removeprefix('Value error, ')}")
    return "\n".join(lines)


def _program_name() -> str:
    return COMMAND if Path(sys.argv[0]).name == COMMAND else "python -m bot"


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Return the parser of every verb; each has its own ``--help``."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Orbit Trivia, a Discord trivia bot. Settings come from the environment or .env.",
        epilog="With no verb, runs the bot.",
    )
    sub = parser.add_subparsers(dest="mode", metavar="VERB")
    sub.add_parser("run", help="run the bot (the default)", description="Run the bot until it is stopped.")
    sub.add_parser(
        "sync",
        help="sync slash commands globally (and to DEV_GUILD_IDS) now, then exit",
        description="Log in, sync the slash commands globally and to DEV_GUILD_IDS, and exit.",
    )
    play = sub.add_parser(
        "play",
        help="play a round in the terminal, no Discord token needed",
        description="Play a round in the terminal with the bot's engine, matcher and database.",
    )
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
    add_selection_options(play)
    play.add_argument("--name", default="you", help="your player name")
    play.add_argument("--seed", type=int, default=None, help="random seed for the questions drawn")
    play.add_argument("--packs", nargs="+", type=Path, metavar="PATH", help=PACKS_HELP)
    backup = sub.add_parser(
        "backup",
        help="copy the live database safely (SQLite online backup), also while the bot runs",
        description=(
            "Copy DATABASE_PATH with SQLite's online backup API into one consistent, verified file. "
            "Safe while the bot is running."
        ),
    )
    backup.add_argument(
        "destination",
        nargs="?",
        type=Path,
        help="a file, or an existing folder (default: backups/ beside the database, with a dated name)",
    )
    copy = sub.add_parser(
        "copy-db",
        help="copy every row of one database into another, empty one (SQLite <-> PostgreSQL), and check it",
        description="Copy every row of SOURCE into the empty TARGET in one transaction, then check the totals match.",
    )
    copy.add_argument("source", help="a SQLite file, or a postgresql:// URL")
    copy.add_argument("target", help="an empty (or new) SQLite file, or a postgresql:// URL of an empty database")
    sub.add_parser(
        "questions",
        add_help=False,  # its own parser answers --help
        help="validate fact packs, list questions, check answers (see: questions --help)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen verb; return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    prog = _program_name()
    if arguments[:1] == ["questions"]:
        from questions.cli import run as run_questions

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return run_questions(arguments[1:], prog=f"{prog} questions")
    args = build_parser(prog).parse_args(arguments)
    if args.mode == "copy-db":
        return _copy_db(args.source, args.target)
    try:
        return _run_verb(args)
    except ValidationError as error:
        print(_settings_error(error), file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG


def _run_verb(args: argparse.Namespace) -> int:
    from bot.config import PlaySettings, Settings
    from bot.logs import setup_logging
    from bot.preflight import check_database
    from questions.loader import FactPackError

    if args.mode == "backup":
        from bot.backup import backup_database

        report = backup_database(PlaySettings().database_path, args.destination)
        print(f"Backed up {report.source} to {report.destination} ({report.size_bytes} bytes).")
        return 0
    try:
        if args.mode == "play":
            from bot.app import run
            from bot.play import play_in_terminal

            if args.kind is None:
                args.kind = "mixed"
            args.kind = args.kind.replace("-", "_").casefold()
            if args.kind not in ROUND_KINDS:
                print(f"--kind: choose one of {', '.join(ROUND_KINDS)}", file=sys.stderr)
                return EXIT_CONFIG
            play_settings = PlaySettings()
            if play_settings.database_url is None:
                check_database(play_settings.database_path)
            setup_logging("WARNING", [])
            return run(play_in_terminal(play_settings, args))
        settings = Settings()  # read from the environment and .env
    except FactPackError as error:
        print(f"The fact packs have errors:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    if settings.database_url is None:
        check_database(settings.database_path)
    secrets = [settings.discord_token.get_secret_value()]
    if settings.database_url is not None:  # its password; messages show the URL without it
        secrets.append(urlsplit(settings.database_url.get_secret_value()).password or "")
    setup_logging(settings.log_level, secrets, log_format=settings.log_format)
    # Only now: a setting the bot cannot run with is told without loading discord.py and the cogs (~0.2 s).
    from bot.app import run, run_bot, sync_once

    try:
        if args.mode == "sync":
            return run(sync_once(settings))
        return run(run_bot(settings))
    except FactPackError as error:
        print(f"The fact packs have errors:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
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
