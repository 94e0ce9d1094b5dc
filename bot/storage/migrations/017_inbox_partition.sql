-- The partition of each inbox row: its chat (else its user) modulo the fixed partition
-- count (bot/pipeline/partitions.py). With several workers on PostgreSQL each partition
-- has one owner, which handles its rows in order; SQLite (one process) owns them all, so
-- the column is only kept alike with PostgreSQL's 013. Rows already pending go to 0.
ALTER TABLE update_inbox ADD COLUMN partition_no INTEGER NOT NULL DEFAULT 0;
