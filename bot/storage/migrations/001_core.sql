-- Learners, the polls sent to them, every answer, study sessions and memory state.
CREATE TABLE users (
    user_id            INTEGER PRIMARY KEY,
    first_name         TEXT    NOT NULL,
    username           TEXT,
    active             INTEGER NOT NULL DEFAULT 1,
    active_deck        TEXT,
    last_item_id       TEXT,
    timezone           TEXT,                 -- IANA name or UTC+H; NULL: never set (UTC)
    daily_time         TEXT,                 -- local HH:MM; NULL: daily revision off
    daily_size         INTEGER NOT NULL DEFAULT 5,
    desired_retention  REAL    NOT NULL DEFAULT 0.9,
    last_daily_date    TEXT,                 -- local date of the last daily prompt
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,           -- test | daily
    deck_id      TEXT    NOT NULL,
    item_ids     TEXT    NOT NULL,           -- JSON list, in the order they are shown
    position     INTEGER NOT NULL DEFAULT 0, -- how many have been sent
    started_at   TEXT    NOT NULL,
    finished_at  TEXT
);
CREATE INDEX sessions_open ON sessions (user_id, kind, finished_at);

CREATE TABLE sent_polls (
    poll_id       TEXT    PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    item_id       TEXT    NOT NULL,
    option_order  TEXT    NOT NULL,          -- JSON: content index of each shown option
    sent_at       TEXT    NOT NULL,
    context       TEXT    NOT NULL,          -- quiz | test | daily | challenge
    session_id    INTEGER,
    open_period   INTEGER
);
CREATE INDEX sent_polls_chat ON sent_polls (chat_id, sent_at);

CREATE TABLE answers (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    item_id        TEXT    NOT NULL,
    chat_id        INTEGER NOT NULL,
    poll_id        TEXT,
    chosen_option  INTEGER,                  -- content order; NULL for self-graded items
    grade          TEXT    NOT NULL,         -- again | hard | good | easy
    correct        INTEGER NOT NULL,
    answered_at    TEXT    NOT NULL,
    seconds        REAL,
    context        TEXT    NOT NULL,
    session_id     INTEGER,
    points         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (poll_id, user_id)
);
CREATE INDEX answers_user ON answers (user_id, answered_at);
CREATE INDEX answers_chat ON answers (chat_id, context, answered_at);

CREATE TABLE review_state (
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    item_id      TEXT    NOT NULL,
    state        INTEGER NOT NULL,
    step         INTEGER,
    stability    REAL,
    difficulty   REAL,
    due          TEXT    NOT NULL,
    last_review  TEXT,
    reps         INTEGER NOT NULL DEFAULT 0,
    lapses       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, item_id)
);
CREATE INDEX review_state_due ON review_state (user_id, due);
