-- As SQLite's 015: who is in a group, as far as Telegram tells the bot (the Mini App's roster).
CREATE TABLE group_members (
    chat_id     BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    first_name  TEXT   NOT NULL,
    joined_at   BIGINT NOT NULL,
    left_at     BIGINT,
    PRIMARY KEY (chat_id, user_id)
);
