-- Group challenge rounds. Their answers live in `answers` (context 'challenge', session_id = round).
CREATE TABLE challenges (
    id                INTEGER PRIMARY KEY,
    chat_id           INTEGER NOT NULL,
    started_by        INTEGER NOT NULL,
    deck_id           TEXT    NOT NULL,
    item_ids          TEXT    NOT NULL,      -- JSON list, in the order they are asked
    seconds           INTEGER NOT NULL,      -- each poll's open period
    position          INTEGER NOT NULL DEFAULT 0,  -- questions sent so far
    started_at        TEXT    NOT NULL,
    question_sent_at  TEXT,
    finished_at       TEXT
);
-- One running round per group, enforced by the database itself.
CREATE UNIQUE INDEX challenges_one_running ON challenges (chat_id) WHERE finished_at IS NULL;
CREATE INDEX answers_challenge ON answers (session_id) WHERE context = 'challenge';
