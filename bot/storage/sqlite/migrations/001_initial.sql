-- 001: the first schema of Orbit Trivia.
--
-- Every statement ends with ';' at the end of a line: the migration runner splits on complete statements
-- and runs them one by one inside a single transaction (executescript would commit half-way).
--
-- Times are ISO-8601 UTC text with microseconds ('2025-01-06T12:00:00.000000+00:00'), so they sort as text.
-- Week starts are ISO dates of the Monday (UTC). Discord ids are 64-bit INTEGERs.
-- In player_totals and player_weekly, guild_id 0 holds each player's sum over every guild, maintained in
-- the same transactions, so the global leaderboard is an index walk too (Discord ids are never 0).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    default_questions INTEGER NOT NULL CHECK (default_questions > 0),
    default_seconds   INTEGER NOT NULL CHECK (default_seconds > 0)
) STRICT;

CREATE TABLE rounds (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    starter_id     INTEGER,
    question_count INTEGER NOT NULL CHECK (question_count > 0),
    seconds        INTEGER NOT NULL CHECK (seconds > 0),
    category       TEXT,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'finished', 'stopped', 'abandoned', 'interrupted', 'error')),
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    winner_id      INTEGER
) STRICT;

-- One running round per channel, enforced by the database so that two shards cannot both start one.
CREATE UNIQUE INDEX rounds_one_running_per_channel ON rounds (channel_id) WHERE status = 'running';
CREATE INDEX rounds_by_starter ON rounds (starter_id) WHERE starter_id IS NOT NULL;
CREATE INDEX rounds_by_winner ON rounds (winner_id) WHERE winner_id IS NOT NULL;

CREATE TABLE round_questions (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES rounds (id),
    position       INTEGER NOT NULL CHECK (position >= 0),
    question_id    TEXT NOT NULL,
    fact_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    correct_choice INTEGER,
    opened_at      TEXT NOT NULL,
    deadline_at    TEXT NOT NULL,
    message_id     INTEGER,
    -- Set once, when the question is scored (or never, if its round was interrupted first).
    closed_at      TEXT,
    UNIQUE (round_id, position)
) STRICT;

CREATE UNIQUE INDEX round_questions_by_message ON round_questions (message_id) WHERE message_id IS NOT NULL;

-- One row per player per question: the latest attempt, how many attempts, and (once scored) the verdict.
CREATE TABLE answers (
    round_question_id INTEGER NOT NULL REFERENCES round_questions (id),
    user_id           INTEGER NOT NULL,
    guild_id          INTEGER NOT NULL,
    choice            INTEGER,
    text              TEXT CHECK (length(text) <= 200),
    correct           INTEGER CHECK (correct IN (0, 1)),
    credit            REAL NOT NULL DEFAULT 0,
    points            INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 1 CHECK (attempts > 0),
    answered_at       TEXT NOT NULL,
    elapsed_ms        INTEGER NOT NULL,
    PRIMARY KEY (round_question_id, user_id)
) STRICT, WITHOUT ROWID;

-- Serves a player's recent answers (disputes), privacy export and delete.
CREATE INDEX answers_by_player ON answers (user_id, guild_id, answered_at);

CREATE TABLE player_totals (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    points        INTEGER NOT NULL DEFAULT 0,
    answers       INTEGER NOT NULL DEFAULT 0,
    correct       INTEGER NOT NULL DEFAULT 0,
    best_streak   INTEGER NOT NULL DEFAULT 0,
    rounds_played INTEGER NOT NULL DEFAULT 0,
    rounds_won    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;

-- Leaderboard pages walk this index in order; rank counts the entries above a player's points.
CREATE INDEX player_totals_ranking ON player_totals (guild_id, points DESC, correct DESC, user_id, answers);
CREATE INDEX player_totals_by_user ON player_totals (user_id);

CREATE TABLE player_weekly (
    guild_id   INTEGER NOT NULL,
    week_start TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    points     INTEGER NOT NULL DEFAULT 0,
    answers    INTEGER NOT NULL DEFAULT 0,
    correct    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, week_start, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX player_weekly_ranking
    ON player_weekly (guild_id, week_start, points DESC, correct DESC, user_id, answers);
CREATE INDEX player_weekly_by_user ON player_weekly (user_id);

CREATE TABLE guild_aliases (
    guild_id INTEGER NOT NULL,
    fact_id  TEXT NOT NULL,
    alias    TEXT NOT NULL COLLATE NOCASE CHECK (length(alias) > 0),
    added_by INTEGER,
    added_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, fact_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE disputes (
    id                INTEGER PRIMARY KEY,
    round_question_id INTEGER NOT NULL,
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    answer_text       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at        TEXT NOT NULL,
    decided_by        INTEGER,
    decided_at        TEXT,
    points_awarded    INTEGER NOT NULL DEFAULT 0 CHECK (points_awarded >= 0),
    UNIQUE (round_question_id, user_id),
    FOREIGN KEY (round_question_id, user_id) REFERENCES answers (round_question_id, user_id)
) STRICT;

CREATE INDEX disputes_by_guild_status ON disputes (guild_id, status, id);
CREATE INDEX disputes_by_user ON disputes (user_id);
