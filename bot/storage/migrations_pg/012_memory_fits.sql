-- FSRS weights fitted to the bot's own answers: as SQLite's 012 (bot/storage/migrations).
CREATE TABLE memory_fits (
    scope             TEXT    NOT NULL,
    scope_key         TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    parameters        TEXT    NOT NULL,
    fitted_at         BIGINT  NOT NULL,
    reviews           INTEGER NOT NULL,
    accepted          INTEGER NOT NULL,
    heldout_reviews   INTEGER NOT NULL,
    base_log_loss     DOUBLE PRECISION,
    fitted_log_loss   DOUBLE PRECISION,
    seconds           DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scope, scope_key, version)
);
