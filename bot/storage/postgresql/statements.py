"""PostgreSQL's own SQL text (the answer upsert, totals, leaderboards); the SQL both backends share is in
`bot.storage.sql.statements`."""

from __future__ import annotations

# One statement per answer: the SELECT writes nothing unless the question is still open in a running round
# of the stated guild, and a repeated answer replaces the previous attempt and counts it. FOR SHARE keeps the
# question and its round from being closed until this batch commits (a concurrent close waits, or, if it won,
# the re-checked WHERE skips the answer), so no answer lands after its question was scored.
ANSWER_UPSERT_SQL = """
INSERT INTO answers (round_question_id, user_id, guild_id, choice, text, correct, credit, answered_at, elapsed_ms)
SELECT rq.id, $4::bigint, r.guild_id, $5::integer, $6::text, $7::boolean, $8::double precision,
       $9::timestamptz, $10::integer
FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id
WHERE rq.id = $1 AND rq.round_id = $2 AND r.guild_id = $3
  AND rq.closed_at IS NULL AND r.status = 'running'
FOR SHARE OF rq, r
ON CONFLICT (round_question_id, user_id) DO UPDATE SET
    choice = excluded.choice,
    text = excluded.text,
    correct = excluded.correct,
    credit = excluded.credit,
    answered_at = excluded.answered_at,
    elapsed_ms = excluded.elapsed_ms,
    attempts = answers.attempts + 1
"""

# Totals move by increments under the row lock that INSERT ... ON CONFLICT DO UPDATE takes, never by
# read-modify-write, so concurrent writers (several bot processes) never lose points.
TOTALS_UPSERT_SQL = """
INSERT INTO player_totals (guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (guild_id, user_id) DO UPDATE SET
    points = player_totals.points + excluded.points,
    answers = player_totals.answers + excluded.answers,
    correct = player_totals.correct + excluded.correct,
    best_streak = greatest(player_totals.best_streak, excluded.best_streak),
    rounds_played = player_totals.rounds_played + excluded.rounds_played,
    rounds_won = player_totals.rounds_won + excluded.rounds_won
"""

# A page of standings. Only the page's first row needs a count of the players above it: later rows either tie
# with the row before them or sit exactly at their position. All time, that count sums the points histogram
# (one row per distinct score above, migration 002); for a week it walks the ranking index.
_LEADERBOARD_SQL = """
WITH page AS (
    SELECT user_id, points, correct, answers FROM {table} WHERE {where}
    ORDER BY points DESC, correct DESC, user_id LIMIT $2 OFFSET $3
), top AS (SELECT max(points) AS points FROM page)
SELECT user_id, points, correct, answers, (SELECT ({above}) FROM top) AS above
FROM page ORDER BY points DESC, correct DESC, user_id
"""

LEADERBOARD_ALL_TIME_SQL = _LEADERBOARD_SQL.format(
    table="player_totals",
    where="guild_id = $1",
    above="SELECT coalesce(sum(players), 0) FROM points_histogram WHERE guild_id = $1 AND points > top.points",
)
"""Parameters: scope (guild id, or 0 for every guild), limit, offset."""

LEADERBOARD_WEEKLY_SQL = _LEADERBOARD_SQL.format(
    table="player_weekly",
    where="guild_id = $1 AND week_start = $4",
    above="SELECT count(*) FROM player_weekly WHERE guild_id = $1 AND week_start = $4 AND points > top.points",
)
"""Parameters: scope, limit, offset, week start (a Monday)."""

# Kept by triggers (migration 002): counting the players would walk an index entry per player.
LEADERBOARD_SIZE_SQL = """
SELECT players FROM leaderboard_sizes WHERE guild_id = $1 AND week_start = coalesce($2::date, '-infinity'::date)
"""
"""Parameters: scope, week start or None for all time."""
