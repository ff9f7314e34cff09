-- 003: games played in the terminal get a scope of their own (as SQLite's 003, with the same repair).
--
-- `python -m bot play` stored its rounds under guild_id 0, which is also the all-guilds scope of player_totals
-- and player_weekly: every terminal result was added twice to the same rows (once for "its guild", once for
-- "all guilds"), and the terminal player (user 0) showed on Discord's global leaderboard. From now on terminal
-- rounds use guild_id -1 (TERMINAL_GUILD_ID), whose totals are never added to the all-guilds scope.
--
-- This moves the old terminal data there. Its totals are what the all-guilds rows hold beyond the sum of the
-- player's Discord guilds, counted twice: halved, they become the terminal's rows, and the all-guilds rows
-- become that sum again (the sums are cast back to bigint, so halving truncates as in SQLite). The triggers
-- of migration 002 keep the leaderboard sizes and histogram exact.
-- Runs in the migration's one transaction, under its advisory lock.

UPDATE rounds SET guild_id = -1 WHERE guild_id = 0;
UPDATE answers SET guild_id = -1 WHERE guild_id = 0;
UPDATE disputes SET guild_id = -1 WHERE guild_id = 0;
UPDATE guild_aliases SET guild_id = -1 WHERE guild_id = 0;

CREATE TEMP TABLE discord_totals ON COMMIT DROP AS
SELECT user_id, sum(points)::bigint AS points, sum(answers)::bigint AS answers, sum(correct)::bigint AS correct,
       max(best_streak) AS best_streak, sum(rounds_played)::bigint AS rounds_played,
       sum(rounds_won)::bigint AS rounds_won
FROM player_totals WHERE guild_id > 0 GROUP BY user_id;

INSERT INTO player_totals (guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won)
SELECT -1, g.user_id,
       (g.points - coalesce(d.points, 0)) / 2, (g.answers - coalesce(d.answers, 0)) / 2,
       (g.correct - coalesce(d.correct, 0)) / 2, g.best_streak,
       (g.rounds_played - coalesce(d.rounds_played, 0)) / 2, (g.rounds_won - coalesce(d.rounds_won, 0)) / 2
FROM player_totals AS g LEFT JOIN discord_totals AS d ON d.user_id = g.user_id
WHERE g.guild_id = 0
  AND (g.points, g.answers, g.correct, g.rounds_played, g.rounds_won) <> (
      coalesce(d.points, 0), coalesce(d.answers, 0), coalesce(d.correct, 0),
      coalesce(d.rounds_played, 0), coalesce(d.rounds_won, 0));

DELETE FROM player_totals WHERE guild_id = 0 AND user_id NOT IN (SELECT user_id FROM discord_totals);

UPDATE player_totals AS t
SET points = d.points, answers = d.answers, correct = d.correct, best_streak = d.best_streak,
    rounds_played = d.rounds_played, rounds_won = d.rounds_won
FROM discord_totals AS d
WHERE t.guild_id = 0 AND d.user_id = t.user_id;

CREATE TEMP TABLE discord_weekly ON COMMIT DROP AS
SELECT week_start, user_id, sum(points)::bigint AS points, sum(answers)::bigint AS answers,
       sum(correct)::bigint AS correct
FROM player_weekly WHERE guild_id > 0 GROUP BY week_start, user_id;

INSERT INTO player_weekly (guild_id, week_start, user_id, points, answers, correct)
SELECT -1, g.week_start, g.user_id, (g.points - coalesce(d.points, 0)) / 2, (g.answers - coalesce(d.answers, 0)) / 2,
       (g.correct - coalesce(d.correct, 0)) / 2
FROM player_weekly AS g LEFT JOIN discord_weekly AS d ON d.week_start = g.week_start AND d.user_id = g.user_id
WHERE g.guild_id = 0
  AND (g.points, g.answers, g.correct) <> (coalesce(d.points, 0), coalesce(d.answers, 0), coalesce(d.correct, 0));

DELETE FROM player_weekly AS w
WHERE w.guild_id = 0
  AND NOT EXISTS (SELECT 1 FROM discord_weekly AS d WHERE d.week_start = w.week_start AND d.user_id = w.user_id);

UPDATE player_weekly AS w
SET points = d.points, answers = d.answers, correct = d.correct
FROM discord_weekly AS d
WHERE w.guild_id = 0 AND d.week_start = w.week_start AND d.user_id = w.user_id;

DROP TABLE discord_totals;
DROP TABLE discord_weekly;

-- A player's answers page by page, oldest first (`player_answers`): each page is one index range scan.
CREATE INDEX answers_by_player_time ON answers (user_id, answered_at, round_question_id);
