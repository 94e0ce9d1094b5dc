-- Settings a group's admins choose for their group (no row: the defaults). Whether only the
-- group's admins may start a /challenge round (off by default: any member may).
CREATE TABLE group_settings (
    chat_id                INTEGER PRIMARY KEY,
    challenge_admins_only  INTEGER NOT NULL DEFAULT 0
);
