-- Upgrades a keel_outbox table created by the first Keel outbox script (without deliver_at, priority,
-- parked_at and park_cause) to the layout of keel_outbox.sql, for MariaDB 10.6 or later and MySQL 8.0 or
-- later. Apply it once with your migration tool before the new Keel version runs; a relay or an Outbox
-- of this version on the old table fails with an error naming this script, and relays of the earlier
-- version must not run on the upgraded table (they ignore the new columns: they would publish delayed
-- messages at once and retry parked rows). Existing rows keep NULL in the new columns: no delay, no
-- priority, not parked.
-- Every name starts with keel_: replace it as in the table's own script if you use another prefix.

ALTER TABLE keel_outbox
    ADD COLUMN deliver_at BIGINT,
    ADD COLUMN priority   SMALLINT,
    ADD COLUMN parked_at  BIGINT,
    ADD COLUMN park_cause VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    ADD INDEX keel_outbox_parked (parked_at);
