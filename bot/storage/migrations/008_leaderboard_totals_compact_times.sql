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

-- Compact storage: times as integer milliseconds since the Unix epoch (UTC) instead of
-- 32-character ISO text, and no index nobody reads. Everything existing is kept.
-- ms(x) below is CAST(round((julianday(x) - 2440587.5) * 86400000.0) AS INTEGER):
-- SQLite keeps julianday in whole milliseconds, so the result is exact. COALESCE keeps
-- anything that is not a time (NULL, test placeholders) as it was.
-- The inbox's, intents' and parked answers' times (migration 004) are converted too, and
-- review_state's copy carries recall_predicted (migration 005).

-- Small tables: converted in place. Their columns keep TEXT affinity, so the numbers are
-- stored as 13 digits; all values are 13 digits until the year 2286, so text order is still
-- time order, and a number compared with them is compared as text.
UPDATE users SET
    created_at = COALESCE(CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER), created_at),
    updated_at = COALESCE(CAST(round((julianday(updated_at) - 2440587.5) * 86400000.0) AS INTEGER), updated_at),
    next_prompt_at = COALESCE(CAST(round((julianday(next_prompt_at) - 2440587.5) * 86400000.0) AS INTEGER), next_prompt_at);
UPDATE update_inbox SET
    received_at = COALESCE(CAST(round((julianday(received_at) - 2440587.5) * 86400000.0) AS INTEGER), received_at),
    failed_at = COALESCE(CAST(round((julianday(failed_at) - 2440587.5) * 86400000.0) AS INTEGER), failed_at);
UPDATE poll_intents SET
    created_at = COALESCE(CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER), created_at);
UPDATE parked_answers SET
    received_at = COALESCE(CAST(round((julianday(received_at) - 2440587.5) * 86400000.0) AS INTEGER), received_at);
UPDATE sessions SET
    started_at = COALESCE(CAST(round((julianday(started_at) - 2440587.5) * 86400000.0) AS INTEGER), started_at),
    finished_at = COALESCE(CAST(round((julianday(finished_at) - 2440587.5) * 86400000.0) AS INTEGER), finished_at);
UPDATE challenges SET
    started_at = COALESCE(CAST(round((julianday(started_at) - 2440587.5) * 86400000.0) AS INTEGER), started_at),
    question_sent_at =
        COALESCE(CAST(round((julianday(question_sent_at) - 2440587.5) * 86400000.0) AS INTEGER), question_sent_at),
    finished_at = COALESCE(CAST(round((julianday(finished_at) - 2440587.5) * 86400000.0) AS INTEGER), finished_at);

-- sent_polls first (answers will reference it): the rowid becomes a named key, `id`, kept
-- as it was; the time becomes a number. The (chat_id, sent_at) index is only for groups,
-- where /explain looks polls up by chat (PollRepository.by_message, latest_in_chat); a
-- private chat's polls are only ever found by poll id.
CREATE TABLE sent_polls_compact (
    id            INTEGER PRIMARY KEY,
    poll_id       TEXT    NOT NULL UNIQUE,   -- Telegram's id
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    item_id       TEXT    NOT NULL,
    option_order  TEXT    NOT NULL,          -- JSON: content index of each shown option
    sent_at       INTEGER NOT NULL,          -- ms since the Unix epoch, UTC
    context       TEXT    NOT NULL,          -- quiz | test | daily | challenge
    session_id    INTEGER,
    open_period   INTEGER
);
INSERT INTO sent_polls_compact (id, poll_id, chat_id, message_id, item_id, option_order,
                                sent_at, context, session_id, open_period)
SELECT rowid, poll_id, chat_id, message_id, item_id, option_order,
       COALESCE(CAST(round((julianday(sent_at) - 2440587.5) * 86400000.0) AS INTEGER), sent_at),
       context, session_id, open_period
FROM sent_polls ORDER BY rowid;
DROP TABLE sent_polls;
ALTER TABLE sent_polls_compact RENAME TO sent_polls;
CREATE INDEX sent_polls_group ON sent_polls (chat_id, sent_at) WHERE chat_id < 0;

-- answers (one row per answer: the big one). The poll answered is referenced by the sent
-- poll's integer key instead of Telegram's 19-character id, in the row and in the unique
-- index that makes a redelivered answer change nothing. answers_chat (chat_id, context,
-- answered_at) served only group totals, now read from challenge_totals; a partial index
-- over challenge answers keeps group_tallies quick at a fraction of the size.
CREATE TABLE answers_compact (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    item_id        TEXT    NOT NULL,
    chat_id        INTEGER NOT NULL,
    poll_ref       INTEGER REFERENCES sent_polls (id) ON DELETE CASCADE,  -- NULL: no poll
    chosen_option  INTEGER,                  -- content order; NULL for self-graded items
    grade          TEXT    NOT NULL,         -- again | hard | good | easy
    correct        INTEGER NOT NULL,
    answered_at    INTEGER NOT NULL,         -- ms since the Unix epoch, UTC
    seconds        REAL,
    context        TEXT    NOT NULL,
    session_id     INTEGER,
    points         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (poll_ref, user_id)
);
-- An old answer whose sent poll is gone keeps its row (poll_ref NULL): history is kept.
INSERT INTO answers_compact (id, user_id, item_id, chat_id, poll_ref, chosen_option, grade,
                             correct, answered_at, seconds, context, session_id, points)
SELECT a.id, a.user_id, a.item_id, a.chat_id, s.id, a.chosen_option, a.grade, a.correct,
       COALESCE(CAST(round((julianday(a.answered_at) - 2440587.5) * 86400000.0) AS INTEGER), a.answered_at),
       a.seconds, a.context, a.session_id, a.points
FROM answers a LEFT JOIN sent_polls s ON s.poll_id = a.poll_id ORDER BY a.id;
DROP TABLE answers;
ALTER TABLE answers_compact RENAME TO answers;
-- A learner's answers by learner only: their rowids already follow time, and a learner's
-- few hundred rows are read whole or filtered; the time in every entry cost 6 bytes each.
CREATE INDEX answers_user ON answers (user_id);
CREATE INDEX answers_challenge ON answers (session_id) WHERE context = 'challenge';
CREATE INDEX answers_group ON answers (chat_id, answered_at) WHERE context = 'challenge';

-- review_state: its key (user_id, item_id) is natural, so the table is that key's b-tree
-- (no rowid, no second copy of the key); review_state_due was never read (a learner's
-- states are read whole).
CREATE TABLE review_state_compact (
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    item_id      TEXT    NOT NULL,
    state        INTEGER NOT NULL,
    step         INTEGER,
    stability    REAL,
    difficulty   REAL,
    due          INTEGER NOT NULL,           -- ms since the Unix epoch, UTC
    last_review  INTEGER,                    -- ms since the Unix epoch, UTC
    reps         INTEGER NOT NULL DEFAULT 0,
    lapses       INTEGER NOT NULL DEFAULT 0,
    recall_predicted REAL NOT NULL DEFAULT 0,   -- added by 005
    PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
INSERT INTO review_state_compact (user_id, item_id, state, step, stability, difficulty, due,
                                  last_review, reps, lapses, recall_predicted)
SELECT user_id, item_id, state, step, stability, difficulty,
       COALESCE(CAST(round((julianday(due) - 2440587.5) * 86400000.0) AS INTEGER), due),
       COALESCE(CAST(round((julianday(last_review) - 2440587.5) * 86400000.0) AS INTEGER), last_review),
       reps, lapses, recall_predicted
FROM review_state;
DROP TABLE review_state;
ALTER TABLE review_state_compact RENAME TO review_state;
