package dev.keel.cli.outbox;

import dev.keel.Message;
import dev.keel.outbox.jdbc.Outbox;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * {@code verify --outbox}'s rows refused for good: committed outbox rows (each in a transaction of its
 * own, with a key of its own) the relay can never publish: for an invalid topic name, which the
 * publisher refuses, and, on brokers that report unroutable publishes, for a topic the broker does not
 * have. Each must end parked with its cause while the other rows flow.
 */
final class RefusedRows {

    private final String topic;
    private final boolean brokerReportsUnroutable;
    private final int count;
    private final Map<String, String> written;
    private int next;

    /**
     * @param written filled with each refused row's id and why it cannot be published
     */
    RefusedRows(String topic, boolean brokerReportsUnroutable, int count, Map<String, String> written) {
        this.topic = topic;
        this.brokerReportsUnroutable = brokerReportsUnroutable;
        this.count = count;
        this.written = written;
    }

    /** Writes the refused rows due before message {@code n} of {@code messages}, spread evenly over the run. */
    void writeDue(Connection c, Outbox outbox, int n, int messages, String runId) throws SQLException {
        while (next < count && n >= (long) next * messages / count) {
            boolean unroutable = brokerReportsUnroutable && next % 2 == 1;
            String target = unroutable ? topic + "-undeclared" : topic + ".refused!";
            String id = runId + "-refused-" + next;
            outbox.publish(c, target, Message.builder(("refused " + next).getBytes(StandardCharsets.UTF_8)).id(id)
                    .key("refused-" + next).build());
            c.commit();
            written.put(id, unroutable ? "a topic the broker does not have" : "an invalid topic name");
            next++;
        }
    }
}
