/**
 * The transactional outbox: {@link dev.keel.outbox.jdbc.Outbox} writes a message into the outbox table
 * inside the caller's database transaction, and {@link dev.keel.outbox.jdbc.OutboxRelay} publishes the
 * committed rows through a Keel {@link dev.keel.Publisher}, with confirmation, in order per key, and
 * deletes them once confirmed. {@link dev.keel.outbox.jdbc.JdbcSchema} holds the SQL scripts that create
 * the tables (PostgreSQL, MariaDB/MySQL).
 */
package dev.keel.outbox.jdbc;
