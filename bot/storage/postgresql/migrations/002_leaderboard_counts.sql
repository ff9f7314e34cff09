-- 002: leaderboard sizes and a points histogram, kept exact by triggers (as SQLite's 002).
--
-- A leaderboard's size is one row, and a rank sums the histogram buckets above a score (one per distinct
-- score, far fewer than players), so neither walks an index entry per player.
--
-- Safe under concurrent writers: every change is an increment under the row's lock (INSERT ... ON CONFLICT DO
-- UPDATE, or UPDATE), never a read-modify-write; a bucket is decremented first and deleted only once it reaches
-- 0, so two transactions leaving the same score never race on "players = 1". The all-time leaderboard's
-- week_start is '-infinity'.

CREATE TABLE leaderboard_sizes (
    guild_id   bigint NOT NULL,
    week_start date NOT NULL,
    players    bigint NOT NULL CHECK (players >= 0),
    PRIMARY KEY (guild_id, week_start)
);

CREATE TABLE points_histogram (
    guild_id bigint NOT NULL,
    points   bigint NOT NULL,
    players  bigint NOT NULL CHECK (players >= 0),
    PRIMARY KEY (guild_id, points)
);

INSERT INTO leaderboard_sizes (guild_id, week_start, players)
SELECT guild_id, '-infinity', count(*) FROM player_totals GROUP BY guild_id;

INSERT INTO leaderboard_sizes (guild_id, week_start, players)
SELECT guild_id, week_start, count(*) FROM player_weekly GROUP BY guild_id, week_start;

INSERT INTO points_histogram (guild_id, points, players)
SELECT guild_id, points, count(*) FROM player_totals GROUP BY guild_id, points;

CREATE FUNCTION leave_points_bucket(scope bigint, old_points bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE points_histogram SET players = players - 1 WHERE guild_id = scope AND points = old_points;
    DELETE FROM points_histogram WHERE guild_id = scope AND points = old_points AND players = 0;
$$;

CREATE FUNCTION enter_points_bucket(scope bigint, new_points bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO points_histogram (guild_id, points, players) VALUES (scope, new_points, 1)
    ON CONFLICT (guild_id, points) DO UPDATE SET players = points_histogram.players + 1;
$$;

CREATE FUNCTION count_leaderboard_player(scope bigint, week date, change bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO leaderboard_sizes (guild_id, week_start, players) VALUES (scope, week, greatest(change, 0))
    ON CONFLICT (guild_id, week_start) DO UPDATE SET players = leaderboard_sizes.players + change;
$$;

CREATE FUNCTION player_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM count_leaderboard_player(NEW.guild_id, '-infinity', 1);
        PERFORM enter_points_bucket(NEW.guild_id, NEW.points);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.points <> NEW.points THEN
            PERFORM leave_points_bucket(OLD.guild_id, OLD.points);
            PERFORM enter_points_bucket(NEW.guild_id, NEW.points);
        END IF;
        RETURN NEW;
    ELSE
        PERFORM count_leaderboard_player(OLD.guild_id, '-infinity', -1);
        PERFORM leave_points_bucket(OLD.guild_id, OLD.points);
        RETURN OLD;
    END IF;
END;
$$;

CREATE FUNCTION player_weekly_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM count_leaderboard_player(NEW.guild_id, NEW.week_start, 1);
        RETURN NEW;
    ELSE
        PERFORM count_leaderboard_player(OLD.guild_id, OLD.week_start, -1);
        RETURN OLD;
    END IF;
END;
$$;

CREATE TRIGGER player_totals_counted AFTER INSERT OR UPDATE OF points OR DELETE ON player_totals
FOR EACH ROW EXECUTE FUNCTION player_totals_changed();

CREATE TRIGGER player_weekly_counted AFTER INSERT OR DELETE ON player_weekly
FOR EACH ROW EXECUTE FUNCTION player_weekly_changed();
