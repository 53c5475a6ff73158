package dev.keel.outbox.jdbc;

import dev.keel.Message;
import dev.keel.outbox.jdbc.internal.Dialect;
import dev.keel.outbox.jdbc.internal.OutboxTable;
import dev.keel.outbox.jdbc.internal.OutboxSchema;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * The writing side of the transactional outbox: {@link #publish} inserts a message into the outbox
 * table on the caller's connection, inside the caller's transaction. It is published (by an
 * {@link OutboxRelay}) if and only if that transaction commits, together with the business rows the
 * transaction wrote; a rollback publishes nothing.
 *
 * <p>The message keeps its id, or gets a random UUID here when it has none, so that every copy the
 * relay may publish (after a relay crash, before it deleted the row) carries the same id and the
 * consumers' idempotency store recognises it. Every field of the message goes into the row and is
 * published by the relay: id, key, headers, payload, timestamp, priority, and its delivery time
 * ({@code deliverAt}, or a {@code delay} counted from this call, kept as the due time it gives).
 * Thread-safe; holds no connection.
 */
public final class Outbox {

    /** The longest topic, message id or key, in UTF-8 bytes (the width of the columns). */
    public static final int MAX_NAME_BYTES = 255;

    private final OutboxConfig config;
    private volatile OutboxTable table;

    private Outbox(OutboxConfig config) {
        this.config = config;
    }

    public static Outbox create(OutboxConfig config) {
        return new Outbox(Objects.requireNonNull(config, "config"));
    }

    public OutboxConfig config() {
        return config;
    }

    /**
     * Inserts {@code message} for {@code topic} into the outbox, in the transaction open on
     * {@code connection} (which must not be in auto-commit mode), and returns the message id it will be
     * published with. Neither commits nor closes the connection.
     *
     * @throws IllegalStateException    if {@code connection} is in auto-commit mode (there would be no
     *                                  transaction to share with the business rows)
     * @throws IllegalArgumentException if the topic, id or key is blank or longer than {@value #MAX_NAME_BYTES} bytes
     * @throws SQLException             as the insert throws it, or, for a missing table or one of an earlier
     *                                  layout, one naming the script to apply; the caller's transaction
     *                                  should roll back
     */
    public String publish(Connection connection, String topic, Message message) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(message, "message");
        check(topic, "topic");
        if (message.key() != null) {
            check(message.key(), "message key");
        }
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("the connection is in auto-commit mode: Outbox.publish writes into the"
                    + " caller's transaction, so that the message is published only if the business rows commit;"
                    + " call connection.setAutoCommit(false) (or run inside your transaction manager's transaction)");
        }
        Message withId = message.id() != null ? message : message.toBuilder().id(UUID.randomUUID().toString()).build();
        check(withId.id(), "message id");
        Instant due = dueTime(withId);
        try {
            table(connection).insert(connection, topic, withId, due, config.clock().millis());
        } catch (SQLException e) {
            throw OutboxSchema.translate(e, config.tablePrefix() + "outbox");
        }
        return withId.id();
    }

    /**
     * The due time the row keeps: {@code deliverAt}, or this call's time on the config's clock plus the
     * {@code delay} (so the delay counts from the outbox publish, not from the relay's), rounded up to
     * the millisecond; {@code null} for none or a zero delay.
     */
    private Instant dueTime(Message message) {
        Instant due = message.deliverAt() != null ? message.deliverAt()
                : message.delay() != null && !message.delay().isZero() ? config.clock().instant().plus(message.delay())
                : null;
        if (due == null) {
            return null;
        }
        Instant millis = due.truncatedTo(ChronoUnit.MILLIS);
        return millis.equals(due) ? due : millis.plusMillis(1);
    }

    private OutboxTable table(Connection connection) throws SQLException {
        OutboxTable current = table;
        if (current == null) {
            current = new OutboxTable(config.tablePrefix(), Dialect.of(connection));
            table = current;
        }
        return current;
    }

    private static void check(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " must be at most " + MAX_NAME_BYTES + " UTF-8 bytes, was " + bytes);
        }
    }

    @Override
    public String toString() {
        return "Outbox{" + config + "}";
    }
}
