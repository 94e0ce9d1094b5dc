-- The deck a group plays by default: the last one named in its /challenge.
CREATE TABLE group_decks (
    chat_id  INTEGER PRIMARY KEY,
    deck_id  TEXT    NOT NULL
);
