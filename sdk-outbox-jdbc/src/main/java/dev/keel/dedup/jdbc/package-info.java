/**
 * The JDBC inbox: {@link dev.keel.dedup.jdbc.JdbcIdempotencyStore} is an
 * {@link dev.keel.dedup.IdempotencyStore} in a PostgreSQL or MariaDB/MySQL table, configured by the
 * immutable {@link dev.keel.dedup.jdbc.JdbcStoreConfig}; a
 * {@link dev.keel.dedup.jdbc.TransactionalHandler} gets its database effect committed in the same
 * transaction as the message's done mark.
 */
package dev.keel.dedup.jdbc;
