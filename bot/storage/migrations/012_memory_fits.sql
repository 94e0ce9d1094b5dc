-- FSRS weights fitted to the bot's own answers (bot/domain/fitting.py), one row per fit.
-- scope: 'population', 'deck' (key: the deck id) or 'learner' (key: the user id as text).
-- version counts the fits of one scope and key; the newest accepted one is in force.
-- parameters: the 21 weights as a JSON list; times: ms since the Unix epoch, UTC.
CREATE TABLE memory_fits (
    scope             TEXT    NOT NULL,
    scope_key         TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    parameters        TEXT    NOT NULL,
    fitted_at         INTEGER NOT NULL,
    reviews           INTEGER NOT NULL,
    accepted          INTEGER NOT NULL,
    heldout_reviews   INTEGER NOT NULL,
    base_log_loss     REAL,
    fitted_log_loss   REAL,
    seconds           REAL    NOT NULL,
    PRIMARY KEY (scope, scope_key, version)
);
