-- Running challenge totals per (group, period, question), written with each challenge answer
-- in the same transaction as challenge_totals: the Mini App's student x question matrix reads
-- its column totals (a question's answers and right answers, all time or in one week) as at
-- most a row per question, instead of summing challenge_item_totals' row per member and
-- question (250,000 rows for a group of 5,000 members x 50 questions).
-- period: 'all' for all time, else the week's Monday (UTC) as YYYY-MM-DD, as challenge_totals.
CREATE TABLE challenge_question_totals (
    chat_id  INTEGER NOT NULL,
    period   TEXT    NOT NULL,
    item_id  TEXT    NOT NULL,
    answers  INTEGER NOT NULL,
    right    INTEGER NOT NULL,
    PRIMARY KEY (chat_id, period, item_id)
) WITHOUT ROWID;

INSERT INTO challenge_question_totals (chat_id, period, item_id, answers, right)
SELECT chat_id, date(answered_at / 1000, 'unixepoch', '-6 days', 'weekday 1'), item_id,
       COUNT(*), SUM(correct)
FROM answers WHERE context = 'challenge'
GROUP BY chat_id, date(answered_at / 1000, 'unixepoch', '-6 days', 'weekday 1'), item_id;
INSERT INTO challenge_question_totals (chat_id, period, item_id, answers, right)
SELECT chat_id, 'all', item_id, COUNT(*), SUM(correct)
FROM answers WHERE context = 'challenge'
GROUP BY chat_id, item_id;
