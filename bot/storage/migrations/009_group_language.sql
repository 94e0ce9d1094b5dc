-- A group chat's interface language, chosen by one of its admins with /language
-- (no row: the default language). Learners' own languages live on `users`.
CREATE TABLE group_languages (
    chat_id   INTEGER PRIMARY KEY,
    language  TEXT    NOT NULL
);
