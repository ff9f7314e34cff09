"""The command line: ``orbit-trivia run | play | sync | backup | questions …`` (also ``python -m bot …``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

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
    play.add_argument("--questions", type=int, default=5, help="how many questions (1-50, default 5)")
    play.add_argument("--seconds", type=int, default=30, help="seconds per question (5-120, default 30)")
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
    try:
        return _run_verb(args)
    except ValidationError as error:
        print(_settings_error(error), file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG


def _run_verb(args: argparse.Namespace) -> int:
    from bot.app import run, run_bot, sync_once
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
            from bot.play import play_in_terminal

            if args.kind is None:
                args.kind = "mixed"
            args.kind = args.kind.replace("-", "_").casefold()
            if args.kind not in ROUND_KINDS:
                print(f"--kind: choose one of {', '.join(ROUND_KINDS)}", file=sys.stderr)
                return EXIT_CONFIG
            play_settings = PlaySettings()
            check_database(play_settings.database_path)
            setup_logging("WARNING", [])
            return run(play_in_terminal(play_settings, args))
        settings = Settings()  # read from the environment and .env
    except FactPackError as error:
        print(f"The fact packs have errors:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    check_database(settings.database_path)
    setup_logging(settings.log_level, [settings.discord_token.get_secret_value()], log_format=settings.log_format)
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


if __name__ == "__main__":
    sys.exit(main())
