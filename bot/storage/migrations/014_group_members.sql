-- How many people each group has, as Telegram tells it: getChatMemberCount when /groupstats
-- runs, adjusted in between by the join and leave service messages (so a reader that does not
-- call Telegram, such as the Mini App, still has a count).
CREATE TABLE group_sizes (
    chat_id          INTEGER PRIMARY KEY,
    members          INTEGER NOT NULL,            -- people: bots are not counted
    counted_at       INTEGER NOT NULL,            -- ms since the Unix epoch, UTC
    last_message_id  INTEGER NOT NULL DEFAULT 0   -- the last service message applied (once)
);

-- Bots other than this one seen joining a group: getChatMemberCount counts them, they are
-- not people. Removed when they leave.
CREATE TABLE group_bots (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Learners who left a group: no longer members, so no longer "not played this week". Only
-- for learners the bot knows (and gone with them on /forget); removed when they come back.
CREATE TABLE group_departures (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    left_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX group_departures_user ON group_departures (user_id);
