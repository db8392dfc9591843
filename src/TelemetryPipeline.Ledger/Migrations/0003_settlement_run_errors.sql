-- A settlement run that failed is recorded too, with its error, so operators see failed cadence runs next to the
-- successful ones. NULL: the run succeeded.

ALTER TABLE settlement_runs ADD COLUMN error text NULL;
