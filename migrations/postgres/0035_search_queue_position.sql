-- A search waits until its practice's last queued change is in this
-- host's index: that row is found from the end of this index.
CREATE INDEX search_queue_practice_position ON search_queue (practice_id, id);
