-- The partition of each inbox row: its chat (else its user) modulo the fixed partition
-- count (bot/pipeline/partitions.py). Each partition has one owner worker at a time (a
-- session advisory lock), which reads its pending rows in update order through this index.
-- Rows already pending go to 0, whose owner replays them.
ALTER TABLE update_inbox ADD COLUMN partition_no INTEGER NOT NULL DEFAULT 0;
CREATE INDEX update_inbox_pending ON update_inbox (partition_no, update_id)
    WHERE failed_at IS NULL;
