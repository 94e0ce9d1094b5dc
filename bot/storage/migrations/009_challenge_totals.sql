-- Running challenge totals per group, member and period, kept in the same transaction as each
-- challenge answer, so /leaderboard reads at most a few rows instead of summing every answer.
-- period: 'all' for all time, else the week's Monday (UTC) as YYYY-MM-DD.
CREATE TABLE challenge_totals (
    chat_id  INTEGER NOT NULL,
    period   TEXT    NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    right    INTEGER NOT NULL,
    points   INTEGER NOT NULL,
    seconds  REAL    NOT NULL,
    PRIMARY KEY (chat_id, period, user_id)
) WITHOUT ROWID;
-- Standings order (most points, then least time, then user id): top 10 and a member's rank
-- are index range reads.
CREATE INDEX challenge_totals_standings
    ON challenge_totals (chat_id, period, points DESC, seconds, user_id);

-- Existing challenge answers, so the boards read the same before and after.
INSERT INTO challenge_totals (chat_id, period, user_id, right, points, seconds)
SELECT chat_id, date(answered_at, '-6 days', 'weekday 1'), user_id,
       SUM(correct), SUM(points), SUM(COALESCE(seconds, 0))
FROM answers WHERE context = 'challenge'
GROUP BY chat_id, date(answered_at, '-6 days', 'weekday 1'), user_id;
INSERT INTO challenge_totals (chat_id, period, user_id, right, points, seconds)
SELECT chat_id, 'all', user_id, SUM(correct), SUM(points), SUM(COALESCE(seconds, 0))
FROM answers WHERE context = 'challenge'
GROUP BY chat_id, user_id;
