-- Daily revision is scheduled by one minute tick that asks SQLite who is due, instead of one
-- in-memory job per learner. next_prompt_at: UTC time of the learner's next daily prompt that
-- has not been handled yet (NULL: daily revision off). Existing learners get theirs at the next
-- start-up (computed from daily_time and timezone, which SQL cannot do across DST).
ALTER TABLE users ADD COLUMN next_prompt_at TEXT;
CREATE INDEX users_next_prompt ON users (next_prompt_at) WHERE next_prompt_at IS NOT NULL;
