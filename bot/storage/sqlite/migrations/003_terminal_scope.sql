-- 003: games played in the terminal get a scope of their own.
--
-- `python -m bot play` stored its rounds under guild_id 0, which is also the all-guilds scope of player_totals
-- and player_weekly: every terminal result was added twice to the same rows (once for "its guild", once for
-- "all guilds"), and the terminal player (user 0) showed on Discord's global leaderboard. From now on terminal
-- rounds use guild_id -1 (TERMINAL_GUILD_ID), whose totals are never added to the all-guilds scope.
--
-- This moves the old terminal data there. Its totals are what the all-guilds rows hold beyond the sum of the
-- player's Discord guilds, counted twice: halved, they become the terminal's rows, and the all-guilds rows
-- become that sum again. The triggers of migration 002 keep the leaderboard sizes and histogram exact.

UPDATE rounds SET guild_id = -1 WHERE guild_id = 0;
UPDATE answers SET guild_id = -1 WHERE guild_id = 0;
UPDATE disputes SET guild_id = -1 WHERE guild_id = 0;
UPDATE guild_aliases SET guild_id = -1 WHERE guild_id = 0;

CREATE TEMP TABLE discord_totals AS
SELECT user_id, sum(points) AS points, sum(answers) AS answers, sum(correct) AS correct,
       max(best_streak) AS best_streak, sum(rounds_played) AS rounds_played, sum(rounds_won) AS rounds_won
FROM player_totals WHERE guild_id > 0 GROUP BY user_id;

INSERT INTO player_totals (guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won)
SELECT -1, g.user_id,
       (g.points - coalesce(d.points, 0)) / 2, (g.answers - coalesce(d.answers, 0)) / 2,
       (g.correct - coalesce(d.correct, 0)) / 2, g.best_streak,
       (g.rounds_played - coalesce(d.rounds_played, 0)) / 2, (g.rounds_won - coalesce(d.rounds_won, 0)) / 2
FROM player_totals AS g LEFT JOIN discord_totals AS d ON d.user_id = g.user_id
WHERE g.guild_id = 0
  AND (g.points, g.answers, g.correct, g.rounds_played, g.rounds_won) != (
      coalesce(d.points, 0), coalesce(d.answers, 0), coalesce(d.correct, 0),
      coalesce(d.rounds_played, 0), coalesce(d.rounds_won, 0));

DELETE FROM player_totals WHERE guild_id = 0 AND user_id NOT IN (SELECT user_id FROM discord_totals);

UPDATE player_totals SET (points, answers, correct, best_streak, rounds_played, rounds_won) = (
    SELECT d.points, d.answers, d.correct, d.best_streak, d.rounds_played, d.rounds_won
    FROM discord_totals AS d WHERE d.user_id = player_totals.user_id)
WHERE guild_id = 0;

DROP TABLE discord_totals;

CREATE TEMP TABLE discord_weekly AS
SELECT week_start, user_id, sum(points) AS points, sum(answers) AS answers, sum(correct) AS correct
FROM player_weekly WHERE guild_id > 0 GROUP BY week_start, user_id;

INSERT INTO player_weekly (guild_id, week_start, user_id, points, answers, correct)
SELECT -1, g.week_start, g.user_id, (g.points - coalesce(d.points, 0)) / 2, (g.answers - coalesce(d.answers, 0)) / 2,
       (g.correct - coalesce(d.correct, 0)) / 2
FROM player_weekly AS g LEFT JOIN discord_weekly AS d ON d.week_start = g.week_start AND d.user_id = g.user_id
WHERE g.guild_id = 0
  AND (g.points, g.answers, g.correct) != (coalesce(d.points, 0), coalesce(d.answers, 0), coalesce(d.correct, 0));

DELETE FROM player_weekly
WHERE guild_id = 0
  AND NOT EXISTS (SELECT 1 FROM discord_weekly AS d
                  WHERE d.week_start = player_weekly.week_start AND d.user_id = player_weekly.user_id);

UPDATE player_weekly SET (points, answers, correct) = (
    SELECT d.points, d.answers, d.correct FROM discord_weekly AS d
    WHERE d.week_start = player_weekly.week_start AND d.user_id = player_weekly.user_id)
WHERE guild_id = 0;

DROP TABLE discord_weekly;
