-- Keel transactional outbox for MariaDB 10.6 or later and MySQL 8.0 or later (InnoDB).
-- Apply it with your migration tool (Flyway, Liquibase, mariadb < file); Keel never creates tables itself.
-- Every name starts with keel_: to use another prefix, replace keel_ throughout (the configs'
-- tablePrefix must then match).

-- One row per message waiting to be published; the relay deletes it once the broker confirmed it.
-- seq gives the publish order; key_hash (a non-negative hash of the key, or of the id when the
-- message has no key) selects the lane, so one key's messages are always published by one relay at a time.
-- deliver_at (epoch ms) and priority are the message's due time and priority, published with it.
-- A row the broker or the publisher refused for good is parked: parked_at (epoch ms) and park_cause are
-- set, the relay never picks it again, and the later rows of its key (topic and key) wait behind it until
-- it is re-queued (both set back to NULL) or deleted.
CREATE TABLE keel_outbox (
    seq         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    topic       VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    message_id  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    message_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    key_hash    INT NOT NULL,
    headers     BLOB NOT NULL,
    payload     LONGBLOB NOT NULL,
    message_ts  BIGINT,
    created_at  BIGINT NOT NULL,
    deliver_at  BIGINT,
    priority    SMALLINT,
    parked_at   BIGINT,
    park_cause  VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    INDEX keel_outbox_parked (parked_at)
) ENGINE = InnoDB;

-- The lanes: a relay publishes the messages of the lanes it holds locked (FOR UPDATE SKIP LOCKED),
-- so relays share the work and never publish one row at the same time. The number of rows is the
-- number of lanes (16 here); change it only while no relay runs.
CREATE TABLE keel_outbox_lane (
    lane INT NOT NULL PRIMARY KEY
) ENGINE = InnoDB;

INSERT INTO keel_outbox_lane (lane) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15);
