"""The SQL text of the SQLite backend that more than one place runs (the storage and the benchmark's seeder)."""

from __future__ import annotations

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

WEEKLY_UPSERT_SQL = """
INSERT INTO player_weekly (guild_id, week_start, user_id, points, answers, correct)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (guild_id, week_start, user_id) DO UPDATE SET
    points = player_weekly.points + excluded.points,
    answers = player_weekly.answers + excluded.answers,
    correct = player_weekly.correct + excluded.correct
"""

ROUND_SELECT = """
SELECT id, guild_id, channel_id, starter_id, question_count, seconds, category, kind, status,
       started_at, ended_at, winner_id
FROM rounds
"""

QUESTION_SELECT = """
SELECT rq.id, rq.round_id, r.guild_id, r.channel_id, rq.position, rq.question_id, rq.fact_id, rq.kind,
       rq.correct_choice, rq.opened_at, rq.deadline_at, rq.message_id, rq.closed_at
FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id
"""

ANSWER_SELECT = """
SELECT a.round_question_id, rq.round_id, a.guild_id, a.user_id, rq.question_id, rq.fact_id, a.choice, a.text,
       a.correct, a.credit, a.points, a.attempts, a.answered_at, a.elapsed_ms
FROM answers AS a JOIN round_questions AS rq ON rq.id = a.round_question_id
"""

DISPUTE_SELECT = """
SELECT d.id, d.round_question_id, rq.round_id, d.guild_id, d.user_id, rq.question_id, rq.fact_id, d.answer_text,
       d.status, d.created_at, d.decided_by, d.decided_at, d.points_awarded
FROM disputes AS d JOIN round_questions AS rq ON rq.id = d.round_question_id
"""
