-- Who is in a group, as far as Telegram tells the bot: members seen joining (a join service
-- message) or playing, and those seen leaving. getChatMemberCount gives the true head count;
-- the difference is the members the bot has never seen. Read by the teacher's dashboard roster.
CREATE TABLE group_members (
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    first_name  TEXT    NOT NULL,
    joined_at   INTEGER NOT NULL,            -- ms since the Unix epoch, UTC: first seen
    left_at     INTEGER,                     -- NULL: still a member
    PRIMARY KEY (chat_id, user_id)
);
