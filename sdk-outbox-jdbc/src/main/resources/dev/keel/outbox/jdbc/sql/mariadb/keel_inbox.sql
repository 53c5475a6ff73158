-- Keel JDBC inbox (idempotency store) for MariaDB 10.6 or later and MySQL 8.0 or later (InnoDB).
-- Apply it with your migration tool (Flyway, Liquibase, mariadb < file); Keel never creates tables itself.
-- Every name starts with keel_: to use another prefix, replace keel_ throughout (the config's
-- tablePrefix must then match).

-- One row per message id a consumer group claimed (state P, processing, owned by token until
-- expires_at) or finished (state D, done, remembered until expires_at). A row past expires_at counts
-- as absent; JdbcIdempotencyStore.purgeExpired() deletes such rows in batches. Ids are stored as
-- UTF-8 bytes, so they compare exactly (no case folding, no trailing-space padding).
CREATE TABLE keel_inbox (
    namespace  VARBINARY(255) NOT NULL,
    message_id VARBINARY(512) NOT NULL,
    token      VARBINARY(128) NOT NULL,
    state      CHAR(1) NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, message_id),
    INDEX keel_inbox_expires_at (expires_at)
) ENGINE = InnoDB;
