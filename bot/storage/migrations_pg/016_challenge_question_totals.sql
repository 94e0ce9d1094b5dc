-- As SQLite's 016: running challenge totals per (group, period, question), for the Mini App's
-- student x question matrix. period: 'all', or the week's Monday (UTC) as YYYY-MM-DD.
CREATE TABLE challenge_question_totals (
    chat_id  BIGINT  NOT NULL,
    period   TEXT    NOT NULL,
    item_id  TEXT    NOT NULL,
    answers  INTEGER NOT NULL,
    "right"  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, period, item_id)
);

INSERT INTO challenge_question_totals (chat_id, period, item_id, answers, "right")
SELECT chat_id,
       to_char(date_trunc('week', to_timestamp(answered_at / 1000.0) AT TIME ZONE 'UTC'),
               'YYYY-MM-DD'),
       item_id, COUNT(*), SUM(correct)
FROM answers WHERE context = 'challenge'
GROUP BY 1, 2, 3;
INSERT INTO challenge_question_totals (chat_id, period, item_id, answers, "right")
SELECT chat_id, 'all', item_id, COUNT(*), SUM(correct)
FROM answers WHERE context = 'challenge'
GROUP BY chat_id, item_id;
