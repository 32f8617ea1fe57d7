-- The search queue's rows are numbered in the order their transactions
-- commit, so a server that has applied the queue up to a number never
-- meets a smaller one later. A sequence alone numbers rows in the order
-- they are inserted, which concurrent writers commit in another order.
-- The number is given at commit, by a deferred trigger, under an advisory
-- lock ("ImmSrchQ") that the transaction holds until its commit is
-- visible: writers take turns only for the commit itself, not for the
-- round trips between the server and PostgreSQL that came before it.
ALTER TABLE search_queue ADD COLUMN commit_order BIGINT;
UPDATE search_queue SET commit_order = id;
CREATE SEQUENCE search_queue_commit_order;
SELECT setval('search_queue_commit_order', (SELECT COALESCE(MAX(id), 0) + 1 FROM search_queue), false);

CREATE FUNCTION immcase_search_queue_commit_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(5291005342399031377);
    UPDATE search_queue SET commit_order = nextval('search_queue_commit_order')
        WHERE id = NEW.id;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER search_queue_commit_order AFTER INSERT ON search_queue
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION immcase_search_queue_commit_order();

CREATE UNIQUE INDEX search_queue_by_commit ON search_queue (commit_order);
DROP INDEX search_queue_practice_position;
CREATE INDEX search_queue_practice_position ON search_queue (practice_id, commit_order);
