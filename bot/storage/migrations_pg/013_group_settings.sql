-- As SQLite's 013: whether only a group's admins may start a /challenge round.
CREATE TABLE group_settings (
    chat_id                BIGINT  PRIMARY KEY,
    challenge_admins_only  INTEGER NOT NULL DEFAULT 0
);
