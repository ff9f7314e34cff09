"""Small wording helpers shared by every front end (Discord and the terminal); no Discord import."""

from __future__ import annotations


def noun(count: int, singular: str, plural_form: str | None = None) -> str:
    """Return the form of a noun that goes with ``count``: "question" for 1, "questions" otherwise."""
    return singular if count == 1 else plural_form or singular + "s"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """Return "1 question", "2 questions" (or ``plural_form`` for irregular words: "2 tries")."""
    return f"{count} {noun(count, singular, plural_form)}"
