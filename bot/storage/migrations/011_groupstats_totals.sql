-- /groupstats read every challenge answer a group ever gave (half a second for a group with a
-- million, holding the database thread). Running totals per (group, question, member), written
-- with each answer in the group commit like challenge_totals, make it a read of a row per
-- member and question. Members and this week's players come from challenge_totals.
CREATE TABLE challenge_item_totals (
    chat_id  INTEGER NOT NULL,
    item_id  TEXT    NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    answers  INTEGER NOT NULL,
    right    INTEGER NOT NULL,
    PRIMARY KEY (chat_id, item_id, user_id)
) WITHOUT ROWID;
INSERT INTO challenge_item_totals (chat_id, item_id, user_id, answers, right)
SELECT chat_id, item_id, user_id, COUNT(*), SUM(correct)
FROM answers WHERE context = 'challenge'
GROUP BY chat_id, item_id, user_id;

-- /forget deletes a learner's rows through ON DELETE CASCADE: without an index starting with
-- user_id, each cascade scanned its whole table. (Their private chat's sent polls are still
-- found by a scan: an index on them would cost about 13 bytes per answer, for a rare command.)
CREATE INDEX challenge_item_totals_user ON challenge_item_totals (user_id);
CREATE INDEX challenge_totals_user ON challenge_totals (user_id);

-- Read by nothing now that /groupstats reads the totals.
DROP INDEX answers_group;
