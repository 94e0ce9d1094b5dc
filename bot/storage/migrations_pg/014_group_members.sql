-- As SQLite's 014: how many people each group has (getChatMemberCount, adjusted by join and
-- leave service messages), the other bots in it, and learners who left.
CREATE TABLE group_sizes (
    chat_id          BIGINT  PRIMARY KEY,
    members          INTEGER NOT NULL,
    counted_at       BIGINT  NOT NULL,
    last_message_id  BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE group_bots (
    chat_id  BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE group_departures (
    chat_id  BIGINT NOT NULL,
    user_id  BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    left_at  BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX group_departures_user ON group_departures (user_id);
