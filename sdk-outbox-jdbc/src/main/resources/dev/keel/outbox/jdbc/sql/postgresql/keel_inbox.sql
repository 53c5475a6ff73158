-- Keel JDBC inbox (idempotency store) for PostgreSQL 12 or later.
-- Apply it with your migration tool (Flyway, Liquibase, psql -f); Keel never creates tables itself.
-- Every name starts with keel_: to use another prefix, replace keel_ throughout (the config's
-- tablePrefix must then match).

-- One row per message id a consumer group claimed (state P, processing, owned by token until
-- expires_at) or finished (state D, done, remembered until expires_at). A row past expires_at counts
-- as absent; JdbcIdempotencyStore.purgeExpired() deletes such rows in batches.
CREATE TABLE keel_inbox (
    namespace  VARCHAR(255) NOT NULL,
    message_id VARCHAR(512) NOT NULL,
    token      VARCHAR(128) NOT NULL,
    state      CHAR(1) NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, message_id)
);

CREATE INDEX keel_inbox_expires_at ON keel_inbox (expires_at);
