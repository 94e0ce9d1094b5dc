-- The durable inbox: every update is stored here before Telegram is told it was received
-- (the next getUpdates offset, or the webhook's 200) and deleted once it has been handled.
-- A row left pending by a crash is handled again at start-up; one that failed for good
-- (a bug) stays with its error for inspection.
CREATE TABLE update_inbox (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT    NOT NULL,           -- the update's JSON as Telegram sent it
    received_at  TEXT    NOT NULL,
    failed_at    TEXT,                       -- NULL: pending
    error        TEXT
);

-- A quiz poll about to be sent. A sendPoll that times out may still have reached the
-- chat; its answers are matched to this row when Telegram's `poll` update (question and
-- options) arrives. The row is removed when the poll is stored in sent_polls.
CREATE TABLE poll_intents (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    item_id       TEXT    NOT NULL,
    option_order  TEXT    NOT NULL,          -- JSON: content index of each shown option
    created_at    TEXT    NOT NULL,
    context       TEXT    NOT NULL,
    session_id    INTEGER,
    open_period   INTEGER
);
CREATE INDEX poll_intents_item ON poll_intents (item_id, created_at);

-- An answer to a poll not (yet) known: kept until the poll is matched, never dropped.
CREATE TABLE parked_answers (
    poll_id      TEXT    NOT NULL,
    user_id      INTEGER NOT NULL,
    payload      TEXT    NOT NULL,           -- the poll_answer update's JSON
    received_at  TEXT    NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
