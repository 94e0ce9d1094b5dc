-- What FSRS predicted at each review, summed per learner x item: set against the answers
-- actually given, it calibrates the learner's own forgetting curve (bot/domain/planner.py).
ALTER TABLE review_state ADD COLUMN recall_predicted REAL NOT NULL DEFAULT 0;
