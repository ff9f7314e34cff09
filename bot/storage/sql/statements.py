"""The SQL text both backends run, written once in PostgreSQL's form.

Placeholders are numbered (``$1``); a ``::type`` cast only tells PostgreSQL a parameter's type, and a
``FOR UPDATE``/``FOR SHARE`` clause takes a row lock. SQLite runs the same text translated once per statement
(`bot.storage.sqlite.statements.sqlite_sql`): ``?1`` placeholders, no casts, no row locks (its single writer
holds the database lock for the whole transaction). Statements that differ by more live in each backend's
``statements`` module and reach the shared queries through its `Dialect`.

Statements are composed here, once, so no query formats SQL per call.
"""

from __future__ import annotations

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

PACK_SELECT = """
SELECT p.id, p.guild_id, p.name, p.title, p.document_date, p.created_by, p.created_at,
    (SELECT count(*) FROM guild_pack_facts AS f WHERE f.pack_id = p.id AND f.status = 'draft') AS drafted,
    (SELECT count(*) FROM guild_pack_facts AS f WHERE f.pack_id = p.id AND f.status = 'approved') AS approved,
    (SELECT count(*) FROM guild_pack_facts AS f WHERE f.pack_id = p.id AND f.status = 'rejected') AS rejected
FROM guild_packs AS p
"""

PACK_FACT_COLUMNS = "pack_id, position, fact_id, status, answer, fact_json"

WEEKLY_UPSERT_SQL = """
INSERT INTO player_weekly (guild_id, week_start, user_id, points, answers, correct)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (guild_id, week_start, user_id) DO UPDATE SET
    points = player_weekly.points + excluded.points,
    answers = player_weekly.answers + excluded.answers,
    correct = player_weekly.correct + excluded.correct
"""
"""Add to one player_weekly row (by increments, under the upsert's row lock). Parameters: scope, week start,
user, points, answers, correct."""

PLAYER_STATS_SQL = """
SELECT t.points, t.rounds_played, t.rounds_won, t.answers, t.correct, t.best_streak,
       (SELECT coalesce(sum(h.players), 0) FROM points_histogram AS h
        WHERE h.guild_id = t.guild_id AND h.points > t.points) AS above
FROM player_totals AS t WHERE t.guild_id = $1 AND t.user_id = $2
"""
"""Parameters: scope, user id. The rank sums the histogram buckets above the player's points."""

# ---- composed once from the selects above

ROUND_BY_ID = f"{ROUND_SELECT} WHERE id = $1"
RUNNING_ROUNDS = f"{ROUND_SELECT} WHERE status = 'running' ORDER BY id"
RUNNING_DISCORD_ROUNDS = f"{ROUND_SELECT} WHERE status = 'running' AND guild_id > 0 ORDER BY id"
RUNNING_TERMINAL_ROUNDS = f"{ROUND_SELECT} WHERE status = 'running' AND guild_id < 0 ORDER BY id"

QUESTION_BY_ID = f"{QUESTION_SELECT} WHERE rq.id = $1"
QUESTION_BY_MESSAGE = f"{QUESTION_SELECT} WHERE rq.message_id = $1"
QUESTIONS_OF_ROUND = f"{QUESTION_SELECT} WHERE rq.round_id = $1 ORDER BY rq.position"

ANSWERS_TO_QUESTION = f"{ANSWER_SELECT} WHERE a.round_question_id = $1 ORDER BY a.elapsed_ms, a.user_id"
LAST_REJECTED_ANSWER = f"""
{ANSWER_SELECT}
WHERE a.user_id = $1 AND a.guild_id = $2 AND a.text IS NOT NULL AND a.correct = false
  AND rq.closed_at IS NOT NULL
ORDER BY a.answered_at DESC LIMIT 1
"""
PLAYER_ANSWERS_FIRST_PAGE = f"{ANSWER_SELECT} WHERE a.user_id = $1 ORDER BY a.answered_at, a.round_question_id LIMIT $2"
# A keyset page: index answers_by_player_time (migration 003) serves each one without an offset.
PLAYER_ANSWERS_NEXT_PAGE = f"""
{ANSWER_SELECT}
WHERE a.user_id = $1 AND (a.answered_at, a.round_question_id) > ($2::timestamptz, $3::bigint)
ORDER BY a.answered_at, a.round_question_id LIMIT $4
"""

DISPUTE_BY_ID = f"{DISPUTE_SELECT} WHERE d.id = $1"
PENDING_DISPUTES = f"{DISPUTE_SELECT} WHERE d.guild_id = $1 AND d.status = 'pending' ORDER BY d.id LIMIT $2"
DISPUTES_OF_PLAYER = f"{DISPUTE_SELECT} WHERE d.user_id = $1 ORDER BY d.id"

PACKS_OF_GUILD = f"{PACK_SELECT} WHERE p.guild_id = $1 ORDER BY p.name"
PACK_BY_NAME = f"{PACK_SELECT} WHERE p.guild_id = $1 AND p.name = $2"
PACK_BY_ID = f"{PACK_SELECT} WHERE p.guild_id = $1 AND p.id = $2"
PACK_FACTS = f"""
SELECT {PACK_FACT_COLUMNS} FROM guild_pack_facts
WHERE pack_id = $1 AND ($2::text IS NULL OR status = $2::text) ORDER BY position
"""
PACK_FACT_STATUS_UPDATE = f"""
UPDATE guild_pack_facts SET status = $1 WHERE pack_id = $2 AND position = $3
RETURNING {PACK_FACT_COLUMNS}
"""

PLAYER_RUNNING_ROUNDS_LOCK = """
SELECT r.id FROM rounds AS r
WHERE r.status = 'running' AND EXISTS (
    SELECT 1 FROM round_questions AS rq JOIN answers AS a ON a.round_question_id = rq.id
    WHERE rq.round_id = r.id AND a.user_id = $1
)
ORDER BY r.id
FOR NO KEY UPDATE OF r
"""
"""What `delete_player` locks first: the running rounds the player answered in. A round's end (`finish_round`) locks
its round FOR UPDATE before it reads who took part, so the two run one after the other: an end that read the player
as a participant commits first and the deletion removes what it wrote, or the end waits and finds no answer of
theirs. (NO KEY: a new question of the round, whose foreign key only takes KEY SHARE, need not wait.)"""

PLAYER_ROW_DELETES = tuple(
    f"DELETE FROM {table} WHERE user_id = $1" for table in ("disputes", "answers", "player_totals", "player_weekly")
)
"""What `delete_player` deletes; each changed row counts."""

PLAYER_ID_CLEARS = (
    "UPDATE rounds SET starter_id = NULL WHERE starter_id = $1",
    "UPDATE rounds SET winner_id = NULL WHERE winner_id = $1",
    "UPDATE disputes SET decided_by = NULL WHERE decided_by = $1",
    "UPDATE guild_aliases SET added_by = NULL WHERE added_by = $1",
    "UPDATE guild_packs SET created_by = NULL WHERE created_by = $1",
)
"""Where `delete_player` forgets the player's id but keeps the row."""
