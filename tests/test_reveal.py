"""The reveal proves its answer: every quote the fact cites, and the derivation step in plain words."""

from __future__ import annotations

from bot.render import source_text
from questions.generate import build_bank
from questions.loader import load_store


def test_reveal_quotes_every_sentence_and_states_the_derivation() -> None:
    bank = build_bank(load_store())
    question = bank.by_id["crew-size.mc1"]
    text = source_text(question, "5 October 2021")
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("> ")] == [f"> {quote}" for quote in question.quotes]
    assert len(question.quotes) == 2
    assert "**How we know:** Counting: the report names the two film-makers" in text
    assert lines[-1] == f"— *{question.document_title}, 5 October 2021*"


def test_reveal_of_a_quoted_answer_has_no_derivation_line() -> None:
    question = build_bank(load_store()).by_id["launch-time.mc1"]
    text = source_text(question)
    assert "How we know" not in text
    assert "0855 GMT" in text
    assert text.endswith(f"— *{question.document_title}*")


def test_every_reveal_of_the_bank_fits_a_discord_field() -> None:
    for question in build_bank(load_store()):
        assert len(source_text(question, "5 October 2021")) <= 1024, question.id
