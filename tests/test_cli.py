"""The ``python -m questions`` command line: validate, list and check, with their exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from questions.cli import main
from questions.generate import build_bank
from questions.loader import load_store
from questions.models import QuestionKind

REPO = Path(__file__).resolve().parent.parent

MINI_DOCUMENT = "Yulia Peresild, 37, is an actress. Klim Shipenko, 38, is a director.\n"
MINI_PACK = """\
document: {id: mini, file: mini.txt, title: Mini story, date: 2021-10-05}
categories: {crew: The crew}
entities:
  - {id: peresild, type: person, name: Yulia Peresild, surname: Peresild, role: actress}
  - {id: shipenko, type: person, name: Klim Shipenko, surname: Shipenko, role: director}
facts:
  - id: age
    category: crew
    prompts: ["How old was PROMPT_AGE actress Yulia Peresild?"]
    answer: {type: number, value: 37, unit: years old}
    source: {quote: "Yulia Peresild, 37"}
    kinds: [typed]
"""


def _write_pack(folder: Path, pack_text: str) -> Path:
    (folder / "mini.txt").write_text(MINI_DOCUMENT, encoding="utf-8")
    pack = folder / "mini.facts.yaml"
    pack.write_text(pack_text, encoding="utf-8")
    return pack


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------- validate


def test_validate_seeds_prints_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    store = load_store()
    code, out, err = _run(capsys, "validate")
    assert (code, err) == (0, "")
    expected = (
        f"OK: {len(store.documents)} documents, {len(store.entities)} entities, "
        f"{len(store.facts)} facts, {len(build_bank(store).questions)} questions"
    )
    assert out.strip() == expected


def test_validate_reports_every_load_error_with_file_and_fact(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = MINI_PACK.replace("PROMPT_AGE", "the").replace('"Yulia Peresild, 37"', '"not in the text"')
    broken += "  - {id: who, category: nope, prompts: ['Who was it?'], answer: {type: entity, entity: ghost},"
    broken += " source: {quote: x}}\n"
    _write_pack(tmp_path, broken)
    code, out, err = _run(capsys, "validate", str(tmp_path))
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) >= 3
    assert all("mini.facts.yaml" in line for line in lines)
    assert any(": age: " in line and "quote not found" in line for line in lines)
    assert any(": who: " in line and "ghost" in line for line in lines)
    assert "Traceback" not in err


def test_validate_reports_content_problems_with_the_pack_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack = _write_pack(tmp_path, MINI_PACK.replace("PROMPT_AGE", "the 37-year-old"))
    code, out, err = _run(capsys, "validate", str(pack))
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines
    assert all(line.endswith("prompt contains its answer '37'") for line in lines)
    assert any("mini.facts.yaml: age.nu1 (fact age):" in line for line in lines)


def test_validate_accepts_a_sound_pack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _write_pack(tmp_path, MINI_PACK.replace("PROMPT_AGE", "the"))
    code, out, _ = _run(capsys, "validate", str(tmp_path))
    assert code == 0
    assert out.startswith("OK: 1 documents, 2 entities, 1 facts, ")


def test_validate_missing_path_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "validate", str(tmp_path / "nowhere"))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "nowhere" in err
    assert "Traceback" not in err


def test_python_dash_m_questions_validate_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "questions", "validate"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 1 documents, ")
    assert result.stderr == ""


# --------------------------------------------------------------------------- list


def test_list_json_has_every_question_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", "--json")
    assert code == 0
    items = json.loads(out)
    bank = build_bank(load_store())
    assert [item["id"] for item in items] == [question.id for question in bank.questions]
    required = {"id", "kind", "category", "prompt", "choices", "answer", "fact_id", "quote", "difficulty", "document"}
    assert all(required <= set(item) for item in items)
    first = bank.questions[0]
    assert items[0]["prompt"] == first.prompt
    assert items[0]["choices"] == first.choices
    assert items[0]["quote"] == first.quote
    assert items[0]["document"] == first.document_id
    crew_size = next(item for item in items if item["id"] == "crew-size.mc1")
    assert len(crew_size["quotes"]) == 2 and crew_size["quote"] == crew_size["quotes"][0]
    assert crew_size["derivation"].startswith("Counting:")


def test_list_filters_by_category_and_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", "--json", "--category", "crew", "--kind", "set")
    assert code == 0
    items = json.loads(out)
    assert items
    assert {(item["category"], item["kind"]) for item in items} == {("crew", "set")}


def test_list_seed_changes_options_not_ids(capsys: pytest.CaptureFixture[str]) -> None:
    _, zero, _ = _run(capsys, "list", "--json", "--kind", "multiple_choice")
    _, five, _ = _run(capsys, "list", "--json", "--kind", "multiple_choice", "--seed", "5")
    zero_items, five_items = json.loads(zero), json.loads(five)
    assert [item["id"] for item in zero_items] == [item["id"] for item in five_items]
    assert [item["choices"] for item in zero_items] != [item["choices"] for item in five_items]


def test_list_text_marks_the_right_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", "--category", "launch")
    assert code == 0
    block = next(b for b in out.split("\n\n") if b.startswith("launch-time.mc1 "))
    lines = block.splitlines()
    assert "multiple_choice" in lines[0]
    assert "launch" in lines[0]
    assert lines[1].strip().startswith("At what time")
    marked = [line for line in lines if line.lstrip().startswith("* ")]
    assert len(marked) == 1
    assert marked[0].endswith("08:55 GMT")
    assert lines[-1].strip() == "Answer: 08:55 GMT"
    assert "launch-time.mc1" in out
    assert "crew-members" not in out


def test_list_unknown_category_or_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "list", "--category", "sports")
    assert (code, out) == (2, "")
    assert "'sports'" in err
    assert all(category in err for category in ("launch", "crew", "film", "competitors", "history", "context"))
    code, out, err = _run(capsys, "list", "--kind", "essay")
    assert (code, out) == (2, "")
    assert "'essay'" in err
    assert all(kind.value in err for kind in QuestionKind)


def test_usage_errors_return_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["list", "--seed", "many"]) == 2
    assert "usage:" in capsys.readouterr().err


# --------------------------------------------------------------------------- check


def test_check_accepts_a_right_typed_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "director.ty1", "shipenko")
    assert code == 0
    assert 'Who was the director of "The Challenge"' in out
    assert "Result: accepted (credit 1" in out
    assert "Reason: " in out


def test_check_rejects_a_wrong_answer_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "director.ty1", "Tom Cruise")
    assert code == 1
    assert "Result: rejected (credit 0" in out
    assert len(out.split("Reason: ", 1)[1].splitlines()[0].strip()) > 0
    assert "Klim Shipenko" in out


def test_check_multiple_choice_by_letter_and_option_text(capsys: pytest.CaptureFixture[str]) -> None:
    question = build_bank(load_store()).by_id["launch-time.mc1"]
    assert question.correct_index is not None
    right_letter = "ABCD"[question.correct_index]
    wrong_letter = "ABCD"[(question.correct_index + 1) % 4]
    assert _run(capsys, "check", "launch-time.mc1", right_letter)[0] == 0
    assert _run(capsys, "check", "launch-time.mc1", wrong_letter)[0] == 1
    assert _run(capsys, "check", "launch-time.mc1", "08:55 GMT")[0] == 0
    code, out, _ = _run(capsys, "check", "launch-time.mc1", right_letter, "--seed", "0")
    assert code == 0
    assert f"{right_letter}) 08:55 GMT" in out


def test_check_true_false(capsys: pytest.CaptureFixture[str]) -> None:
    question = build_bank(load_store()).by_id["launch-time.tf1"]
    right, wrong = ("True", "False") if question.correct_index == 0 else ("False", "True")
    assert _run(capsys, "check", "launch-time.tf1", right)[0] == 0
    assert _run(capsys, "check", "launch-time.tf1", wrong)[0] == 1


def test_check_unknown_question_hints_at_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "check", "no-such.mc1", "anything")
    assert (code, out) == (2, "")
    assert "'no-such.mc1'" in err
    assert "list" in err


def test_check_with_broken_packs_fails_cleanly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "check", "age.nu1", "37", "--packs", str(tmp_path / "missing"))
    assert (code, out) == (1, "")
    assert "missing" in err
    assert "Traceback" not in err


def test_check_against_other_packs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pack = _write_pack(tmp_path, MINI_PACK.replace("PROMPT_AGE", "the"))
    assert _run(capsys, "check", "age.nu1", "37", "--packs", str(pack))[0] == 0
    assert _run(capsys, "check", "age.nu1", "45", "--packs", str(pack))[0] == 1


def test_list_piped_into_a_closed_reader_ends_quietly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "questions", "list"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err


# --------------------------------------------------------------------------- settings, flags and pipes


def _env_without_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"SEEDS_DIR", "ORBIT_SEEDS_DIR", "QUESTION_SEED"}}


def test_python_dash_m_questions_honours_seeds_dir_and_dot_env(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    _write_pack(packs, MINI_PACK)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [sys.executable, "-m", "questions", "list", "--json"]

    def ids(env: dict[str, str], cwd: Path) -> set[str]:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return {question["id"] for question in json.loads(done.stdout)}

    bundled = ids(_env_without_settings(), elsewhere)
    assert "launch-time.ty1" in bundled
    mini = {"age.nu1"}
    assert mini <= ids(_env_without_settings() | {"SEEDS_DIR": str(packs)}, elsewhere) <= {"age.nu1", "age.mc1"}
    (elsewhere / ".env").write_text(f"SEEDS_DIR={packs}\n", encoding="utf-8")
    assert mini <= ids(_env_without_settings(), elsewhere) <= {"age.nu1", "age.mc1"}, ".env in the folder is read"


def test_list_accepts_round_kinds_like_play(capsys: pytest.CaptureFixture[str]) -> None:
    _, typed, _ = _run(capsys, "list", "--json", "--kind", "typed")
    kinds = {question["kind"] for question in json.loads(typed)}
    assert kinds == {"typed", "numeric", "set"}, "the round kind 'typed' takes every typed-answer kind, as in play"
    _, mixed, _ = _run(capsys, "list", "--json", "--kind", "mixed")
    assert len(json.loads(mixed)) == len(build_bank(load_store()).questions)


def test_validate_list_and_play_share_their_flag_names() -> None:
    def flags(*command: str) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-m", *command, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", done.stdout)) - {"--help"}

    validate, listing, play = flags("questions", "validate"), flags("questions", "list"), flags("bot", "play")
    assert {"--packs", "--seed"} <= validate
    assert {"--packs", "--seed", "--category", "--kind"} <= listing
    assert {"--packs", "--seed", "--category", "--kind"} <= play


def test_list_piped_to_head_ends_without_a_traceback(tmp_path: Path) -> None:
    for command in (f"{sys.executable} -m questions list", f"{sys.executable} -m bot questions list --json"):
        done = subprocess.run(
            f"{command} | head -n 2", shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
        )
        assert len(done.stdout.splitlines()) == 2
        assert done.stderr == "", done.stderr


@pytest.mark.parametrize("verb", ["", "run", "play", "sync", "backup", "questions", "questions validate"])
def test_every_verb_of_the_orbit_trivia_command_has_help(verb: str) -> None:
    script = Path(sys.executable).parent / "orbit-trivia"
    assert script.exists(), "pip install puts the orbit-trivia command beside python"
    done = subprocess.run(
        [str(script), *verb.split(), "--help"], capture_output=True, text=True, timeout=60, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: orbit-trivia {verb}".rstrip()), done.stdout[:200]
    if not verb:
        for name in ("run", "play", "sync", "backup", "questions"):
            assert name in done.stdout


# --------------------------------------------------------------------------- review


def test_review_prints_the_whole_bank_for_an_editor(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "review")
    assert code == 0
    store = load_store()
    bank = build_bank(store)
    assert out.startswith("# Question bank review\n")
    assert f"{len(store.facts)} facts · {len(bank.questions)} questions" in out
    assert "no problems found by the checks" in out
    for fact_id in store.facts:
        assert f"#### `{fact_id}` — " in out
    for question in bank.questions:
        assert f"- `{question.id}` · *" in out
    # every quote of a derived fact, and its derivation in plain words
    actress = out.split("#### `actress` — ", 1)[1].split("#### ", 1)[0]
    assert actress.count("\n> ") == 4
    assert "**Derivation:** By elimination" in actress
    assert "✅ " in actress and "▫️ " in actress


def test_review_out_writes_a_file_and_shows_the_checks_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack = _write_pack(tmp_path, MINI_PACK.replace("PROMPT_AGE", "the 37-year-old"))
    target = tmp_path / "review.md"
    code, out, err = _run(capsys, "review", "--packs", str(pack), "--out", str(target))
    assert (code, out) == (0, "")
    assert "Wrote the review of 1 facts and 1 questions" in err
    text = target.read_text(encoding="utf-8")
    assert "**1 problems** (marked ⚠️)" in text
    assert "⚠️ prompt contains its answer '37'" in text
    assert "> Yulia Peresild, 37" in text


def test_review_to_an_unwritable_place_is_one_clear_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "review", "--out", str(tmp_path / "no-such-folder" / "review.md"))
    assert (code, out) == (1, "")
    assert err.startswith("error: cannot write ")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # the quote never names the answer and the fact declares no derivation
        ('source: {quote: "Yulia Peresild, 37"}', 'source: {quote: "is an actress"}', "no quote names the answer"),
        # a second prompt that no question of the allowed kinds asks: padding
        (
            'prompts: ["How old was the actress Yulia Peresild?"]',
            'prompts: ["How old was the actress Yulia Peresild?", "Her age?"]\n    kinds: [multiple_choice]',
            "2 prompts but only 1 become questions",
        ),
        # the prompt ties the answer to someone no quote names: the reveal would not prove it
        (
            'prompts: ["How old was the actress Yulia Peresild?"]',
            'prompts: ["How old was the actress Yulia Peresild, who flew with Klim Shipenko?"]',
            "names 'Klim Shipenko', which no quote (nor the derivation) names",
        ),
    ],
)
def test_validate_fails_a_bad_pack_of_each_content_class(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = MINI_PACK.replace("PROMPT_AGE", "the")
    if "kinds" in new:
        text = text.replace("    kinds: [typed]\n", "")
    assert old in text
    pack = _write_pack(tmp_path, text.replace(old, new))
    code, out, err = _run(capsys, "validate", str(pack))
    assert (code, out) == (1, "")
    assert message in err
    assert "mini.facts.yaml: " in err
