"""The container and service files: parsed and checked for what running in production needs.

There is no Docker daemon where the tests run, so the Dockerfile is linted here instead of built: non-root
user, data on a volume, exec-form entry point (so SIGTERM reaches the bot), a health check on /healthz.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from bot.__main__ import build_parser

REPO = Path(__file__).resolve().parent.parent
Instruction = tuple[str, str]


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Return (INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends in a continuation line"
    return instructions


@pytest.fixture(scope="module")
def final_stage() -> list[Instruction]:
    """The instructions of the Dockerfile's last stage (the image that runs)."""
    instructions = dockerfile_instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
    starts = [index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "no FROM"
    return instructions[starts[-1] :]


def _all(stage: list[Instruction], keyword: str) -> list[str]:
    return [arguments for name, arguments in stage if name == keyword]


def _env(stage: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for arguments in _all(stage, "ENV"):
        values.update(dict(re.findall(r"(\w+)=(\S+)", arguments)))
    return values


def test_the_image_runs_as_a_non_root_user(final_stage: list[Instruction]) -> None:
    users = _all(final_stage, "USER")
    assert users, "no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(index for index, (name, _) in enumerate(final_stage) if name == "USER")
    entry = min(index for index, (name, _) in enumerate(final_stage) if name in {"ENTRYPOINT", "CMD"})
    assert last_user < entry


def test_the_database_lives_on_a_volume(final_stage: list[Instruction]) -> None:
    (volume,) = _all(final_stage, "VOLUME")
    volumes = json.loads(volume) if volume.startswith("[") else volume.split()
    database = _env(final_stage)["DATABASE_PATH"]
    assert any(database.startswith(f"{folder.rstrip('/')}/") for folder in volumes), (database, volumes)


def test_the_entry_point_is_exec_form_and_runs_the_bot(final_stage: list[Instruction]) -> None:
    (entrypoint,) = _all(final_stage, "ENTRYPOINT")
    (command,) = _all(final_stage, "CMD")
    argv = json.loads(entrypoint) + json.loads(command)  # shell form is not JSON: it would fail here
    assert argv[0] == "orbit-trivia"
    assert "orbit-trivia" in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert build_parser("orbit-trivia").parse_args(argv[1:]).mode == "run"
    assert _all(final_stage, "STOPSIGNAL") in ([], ["SIGTERM"])


def test_the_health_check_asks_the_bot_s_healthz(final_stage: list[Instruction]) -> None:
    (check,) = _all(final_stage, "HEALTHCHECK")
    env = _env(final_stage)
    assert env.get("METRICS_PORT"), "the health endpoint is only served when METRICS_PORT is set"
    probe = check[check.index("CMD") + 3 :].strip()
    assert json.loads(probe)[0] == "python", "exec form, with the image's own python (no curl in slim images)"
    assert f"127.0.0.1:{env['METRICS_PORT']}/healthz" in probe
    assert env["METRICS_PORT"] in " ".join(_all(final_stage, "EXPOSE"))


def test_the_build_copies_every_package_source(final_stage: list[Instruction]) -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = {arguments.split()[0] for name, arguments in dockerfile_instructions(text) if name == "COPY"}
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = setuptools.get("package-dir", {})
    for package in setuptools["packages"]:
        source = mapped.get(package, package.replace(".", "/"))
        top = source.split("/")[0]
        assert top in copied, f"the image build does not COPY {top}/ (package {package})"


def test_the_image_installs_the_locked_versions() -> None:
    instructions = dockerfile_instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
    installs = [arguments for name, arguments in instructions if name == "RUN" and "pip wheel" in arguments]
    assert installs and all("-c requirements.lock" in command for command in installs)
    assert any(name == "COPY" and "requirements.lock" in arguments.split() for name, arguments in instructions)


def test_compose_runs_the_bot_with_its_data_volume() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    (service,) = compose["services"].values()
    assert service["build"] == "."
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in service["volumes"]}
    named = [name for name in mounts if name in (compose.get("volumes") or {})]
    assert named, "the data is on a named volume"
    database = service["environment"]["DATABASE_PATH"]
    assert database.startswith(mounts[named[0]].rstrip("/") + "/")
    assert service["env_file"] in (".env", [".env"])
    assert service["restart"] in {"unless-stopped", "always", "on-failure"}
    assert service.get("stop_signal", "SIGTERM") == "SIGTERM"
    grace = int(str(service["stop_grace_period"]).rstrip("s"))
    assert grace >= 10, "time to post standings and close before SIGKILL"


def test_the_systemd_unit_runs_the_installed_command_as_a_service_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO / "deploy" / "orbit-trivia.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].split()[0].endswith("/orbit-trivia")
    assert build_parser("orbit-trivia").parse_args(service["ExecStart"].split()[1:]).mode == "run"
    assert service["User"] not in {"root", "0"}
    assert service.get("KillSignal", "SIGTERM") == "SIGTERM"
    assert service["RestartPreventExitStatus"] == "2", "a configuration error (exit 2) must not restart in a loop"
    assert "DATABASE_PATH" in service["Environment"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    backup = configparser.ConfigParser(strict=False, interpolation=None)
    backup.optionxform = str  # type: ignore[assignment,method-assign]
    backup.read(REPO / "deploy" / "orbit-trivia-backup.service", encoding="utf-8")
    assert build_parser("orbit-trivia").parse_args(backup["Service"]["ExecStart"].split()[1:]).mode == "backup"


def test_every_setting_is_documented_in_env_example_and_the_readme() -> None:
    from bot.config import Settings

    example = (REPO / ".env.example").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        key = name.upper()
        assert re.search(rf"^{key}=", example, re.MULTILINE), f"{key} is not in .env.example"
        assert f"| `{key}` |" in readme, f"{key} is not in README's configuration table"
