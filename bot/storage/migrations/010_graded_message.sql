-- The flashcard or prompt message a button press graded (NULL for poll answers): a message
-- is graded once, so a double tap replayed from the inbox after a crash (both presses
-- find the message already edited) cannot count twice. Poll answers have (poll_ref, user_id).
ALTER TABLE answers ADD COLUMN message_id INTEGER;
CREATE UNIQUE INDEX answers_graded_message ON answers (chat_id, message_id)
    WHERE message_id IS NOT NULL;
