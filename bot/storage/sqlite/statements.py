"""SQLite's own SQL text (the answer upsert, totals, leaderboards), and `sqlite_sql`, which turns the SQL the
backends share (`bot.storage.sql.statements`, written in PostgreSQL's form) into SQLite's."""

from __future__ import annotations

import functools
import re

import bot.storage.sql.statements as shared

# One statement per answer: the SELECT writes nothing unless the question is still open in a running round
# of the stated guild, and a repeated answer replaces the previous attempt and counts it.
ANSWER_UPSERT_SQL = """
INSERT INTO answers (round_question_id, user_id, guild_id, choice, text, correct, credit, answered_at, elapsed_ms)
SELECT rq.id, :user_id, r.guild_id, :choice, :text, :correct, :credit, :answered_at, :elapsed_ms
FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id
WHERE rq.id = :round_question_id AND rq.round_id = :round_id AND r.guild_id = :guild_id
  AND rq.closed_at IS NULL AND r.status = 'running'
ON CONFLICT (round_question_id, user_id) DO UPDATE SET
    choice = excluded.choice,
    text = excluded.text,
    correct = excluded.correct,
    credit = excluded.credit,
    answered_at = excluded.answered_at,
    elapsed_ms = excluded.elapsed_ms,
    attempts = answers.attempts + 1
"""

TOTALS_UPSERT_SQL = """
INSERT INTO player_totals (guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (guild_id, user_id) DO UPDATE SET
    points = player_totals.points + excluded.points,
    answers = player_totals.answers + excluded.answers,
    correct = player_totals.correct + excluded.correct,
    best_streak = max(player_totals.best_streak, excluded.best_streak),
    rounds_played = player_totals.rounds_played + excluded.rounds_played,
    rounds_won = player_totals.rounds_won + excluded.rounds_won
"""

# A page of standings. Only the page's first row needs a count: later rows either tie with the row before them
# or sit exactly at their position. The count walks the ranking index, never the answers.
_LEADERBOARD_SQL = """
WITH page AS (
    SELECT user_id, points, correct, answers FROM {table} WHERE {where}
    ORDER BY points DESC, correct DESC, user_id LIMIT ?2 OFFSET ?3
)
SELECT user_id, points, correct, answers,
       (SELECT count(*) FROM {table} WHERE {where} AND points > (SELECT max(points) FROM page)) AS above
FROM page ORDER BY points DESC, correct DESC, user_id
"""

LEADERBOARD_ALL_TIME_SQL = _LEADERBOARD_SQL.format(table="player_totals", where="guild_id = ?1")
"""Parameters: scope (guild id, or 0 for every guild), limit, offset."""

LEADERBOARD_WEEKLY_SQL = _LEADERBOARD_SQL.format(table="player_weekly", where="guild_id = ?1 AND week_start = ?4")
"""Parameters: scope, limit, offset, week start (ISO text of a Monday)."""

# Kept by triggers (migration 002): counting the players would walk an index entry per player.
LEADERBOARD_SIZE_SQL = "SELECT players FROM leaderboard_sizes WHERE guild_id = ?1 AND week_start = coalesce(?2, '')"
"""Parameters: scope, week start or None for all time (stored as '')."""

_NUMBERED_PLACEHOLDER = re.compile(r"\$(\d+)")
_CAST = re.compile(r"::(?:double precision|[a-z]+)(?:\[\])?")
_ROW_LOCK = re.compile(r"\s+FOR (?:NO KEY UPDATE|UPDATE|SHARE)(?: OF \w+(?:, \w+)*)?")


@functools.cache
def sqlite_sql(text: str) -> str:
    """Return shared SQL as SQLite runs it, translated once per statement text (then a cache lookup).

    ``$n`` becomes ``?n`` (the same numbered parameter); ``::type`` casts are dropped (they only tell PostgreSQL
    a parameter's type; SQLite binds the values as given); ``FOR [NO KEY] UPDATE``/``FOR SHARE`` clauses are dropped
    (SQLite has no row locks: its single writer holds the database lock for the whole transaction).
    """
    text = _ROW_LOCK.sub("", text)
    text = _CAST.sub("", text)
    return _NUMBERED_PLACEHOLDER.sub(r"?\1", text)


WEEKLY_UPSERT_SQL = sqlite_sql(shared.WEEKLY_UPSERT_SQL)
"""The shared weekly upsert in SQLite's form (the benchmark's seeder runs it on a bare connection)."""
