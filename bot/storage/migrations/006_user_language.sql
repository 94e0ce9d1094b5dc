-- Interface language. language: chosen with /language (NULL: follow Telegram);
-- telegram_language: the last supported language_code Telegram sent, for jobs that
-- message a learner outside an update.
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN telegram_language TEXT;
