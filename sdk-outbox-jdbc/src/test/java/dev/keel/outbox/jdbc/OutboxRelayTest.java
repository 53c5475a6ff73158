package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.ForwardingBrokerAdapter;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The relay on the real databases and a real Kafka: what commits is published once, in key order; nothing else. */
@UsesBrokers(BrokerKind.KAFKA)
class OutboxRelayTest {

    private static final int KEYS = 7;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void committedMessagesShouldBePublishedOnceInKeyOrderAndRolledBackOnesNever(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String topic = UniqueNames.of("outbox");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMillis(200)).build();
        DataSource dataSource = db.dataSource();
        try (Keel keel = keel(topic); KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), topic);
             OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
            relay.start();
            List<String> committed = publishRollingBackEveryFourth(dataSource, config, topic, 200);

            await().atMost(Duration.ofSeconds(60)).until(() -> distinctIds(wire) >= committed.size());
            // keep reading for a second, so that a copy published twice would show
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> distinctIds(wire) >= committed.size());
            assertThat(wire.countsById().keySet()).containsExactlyInAnyOrderElementsOf(committed);
            assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
            assertInKeyOrder(wire.idsByKey());
            await().atMost(Duration.ofSeconds(10)).until(() -> countRows(dataSource, prefix) == 0);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoRelaysAtOnceShouldNeverPublishARowTwiceNorOutOfKeyOrder(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String topic = UniqueNames.of("outbox2");
        // two rounds of 4 lanes at once per relay, so that neither can hold all 16 lanes at once
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).batchSize(50).lanesPerRound(4).workers(2)
                .pollInterval(Duration.ofMillis(50)).build();
        DataSource dataSource = db.dataSource();
        int writers = 4;
        int keysPerWriter = 4; // 16 keys, spread over the 16 lanes
        int perWriter = 256;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try (Keel keel = keel(topic); KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), topic)) {
            CountingPublisher firstPublisher = new CountingPublisher(keel.publisher());
            CountingPublisher secondPublisher = new CountingPublisher(keel.publisher());
            try (OutboxRelay first = OutboxRelay.create(dataSource, firstPublisher, config);
                 OutboxRelay second = OutboxRelay.create(dataSource, secondPublisher, config)) {
                first.start();
                second.start();
                Outbox outbox = Outbox.create(config);
                List<Future<?>> writes = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    writes.add(pool.submit(() -> {
                        try (Connection connection = dataSource.getConnection()) {
                            connection.setAutoCommit(false);
                            for (int i = 0; i < perWriter; i++) {
                                // each key has one writer: its transactions are what orders the key's messages
                                outbox.publish(connection, topic, Message.builder(bytes("p")).id("w" + writer + "-" + i)
                                        .key("key-" + writer + "-" + (i % keysPerWriter)).build());
                                if (i % 10 == 9) {
                                    connection.commit();
                                }
                            }
                            connection.commit();
                        }
                        return null;
                    }));
                }
                for (Future<?> write : writes) {
                    write.get();
                }
                int total = writers * perWriter;

                await().atMost(Duration.ofSeconds(90)).until(() -> distinctIds(wire) >= total);
                await().atMost(Duration.ofSeconds(30)).until(() -> countRows(dataSource, prefix) == 0);
                // keep reading for a second, so that a copy published twice would show
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                        .until(() -> distinctIds(wire) >= total);
                // how the rows split between the relays is not asserted: a relay that drains the table within one
                // poll interval (its rounds side by side on kept connections) may leave the other none
                assertThat(firstPublisher.published() + secondPublisher.published())
                        .as("publishes of both relays together: each row once").isEqualTo(total);
                assertThat(wire.countsById()).hasSize(total);
                assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
                assertThat(wire.idsByKey()).hasSize(writers * keysPerWriter);
                for (Map.Entry<String, List<String>> key : wire.idsByKey().entrySet()) {
                    List<Integer> order = key.getValue().stream()
                            .map(id -> Integer.parseInt(id.substring(id.indexOf('-') + 1))).toList();
                    assertThat(order).as("order of %s", key.getKey()).isSorted();
                }
            }
        } finally {
            pool.shutdownNow();
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void rowsTheBrokerDidNotConfirmShouldStayWithTheLaterRowsOfTheirKeysUnsentAndGoOutLaterOnce(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String topic = UniqueNames.of("outbox3");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).lanesPerRound(16).build();
        DataSource dataSource = db.dataSource();
        try (Keel keel = keel(topic); KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), topic)) {
            // the first 5 publishes (m-0 to m-4, keys k0 to k4) fail; only keys k5 and k6 have no failed row
            FailingPublisher failing = new FailingPublisher(keel.publisher(), 5);
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                for (int i = 0; i < 20; i++) {
                    outbox.publish(connection, topic, message(i));
                }
                connection.commit();
            }
            try (OutboxRelay relay = OutboxRelay.create(dataSource, failing, config)) {
                assertThat(relay.publishPending()).as("rows of k5 and k6").isEqualTo(5);
                assertThat(failing.publishes()).as("publishes: the 7 first rows of the keys, then k5's and k6's later rows")
                        .isEqualTo(10);
                try (Connection connection = dataSource.getConnection()) {
                    assertThat(OutboxTest.ids(connection, prefix)).as("the failed rows and the later rows of their keys")
                            .hasSize(15).doesNotContain("m-5", "m-6", "m-12", "m-13", "m-19");
                }
                assertThat(relay.publishPending()).isEqualTo(15);
                assertThat(failing.publishes()).as("each later row of k0 to k4 published once").isEqualTo(25);
            }

            assertThat(countRows(dataSource, prefix)).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() >= 20);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> wire.poll().size() == 20);
            assertThat(wire.countsById()).hasSize(20);
            assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
            assertInKeyOrder(wire.idsByKey());
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void laterRowsOfAKeyWhoseRowWasRefusedShouldWaitUnsentAndGoOutInOrderOnceItIsRequeued(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String topic = UniqueNames.of("outbox4");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).lanesPerRound(16).build();
        DataSource dataSource = db.dataSource();
        String bootstrap = Brokers.kafka().bootstrapServers();
        RefusingAdapter adapter = new RefusingAdapter(new KafkaAdapter(KafkaWire.config(bootstrap).build()), "m-3");
        try (Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build();
             KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                for (int i = 0; i < 20; i++) {
                    outbox.publish(connection, topic, message(i)); // k3 holds m-3, m-10, m-17
                }
                connection.commit();
            }
            try (OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
                assertThat(relay.publishPending()).as("every row but k3's").isEqualTo(17);
                assertThat(relay.publishPending()).as("k3's rows wait behind the parked m-3").isZero();
                try (Connection connection = dataSource.getConnection()) {
                    assertThat(OutboxTest.ids(connection, prefix)).as("rows left after the refused m-3")
                            .containsExactly("m-3", "m-10", "m-17");
                }
                // re-queued while the cause remains: refused and parked again
                String requeue = "UPDATE " + prefix + "outbox SET parked_at = NULL, park_cause = NULL"
                        + " WHERE parked_at IS NOT NULL";
                OutboxRelayRefusalTest.update(dataSource, requeue);
                assertThat(relay.publishPending()).isZero();
                assertThat(OutboxRelayRefusalTest.query(dataSource, "SELECT message_id, park_cause FROM " + prefix
                        + "outbox WHERE parked_at IS NOT NULL")).containsOnlyKeys("m-3");
                adapter.refuse(null);
                OutboxRelayRefusalTest.update(dataSource, requeue);
                assertThat(relay.publishPending()).isEqualTo(3);
            }

            assertThat(countRows(dataSource, prefix)).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                wire.poll();
                List<String> k3 = wire.idsByKey().get("k3");
                return k3 != null && k3.size() >= 3;
            });
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> wire.poll().size() == 20);
            assertThat(wire.idsByKey().get("k3")).as("k3 on the wire: nothing while m-3 was parked, then all three in"
                    + " order").containsExactly("m-3", "m-10", "m-17");
        } finally {
            db.drop(prefix);
        }
    }

    static int distinctIds(KafkaWire wire) {
        wire.poll();
        return wire.countsById().size();
    }

    static Keel keel(String topic) {
        Keel keel = Keel.builder(new KafkaAdapter(KafkaWire.config(Brokers.kafka().bootstrapServers()).build()))
                .withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        return keel;
    }

    /**
     * Writes {@code count} messages into the outbox, each in its transaction, and rolls back every fourth one; returns
     * the ids committed.
     */
    static List<String> publishRollingBackEveryFourth(DataSource dataSource, OutboxConfig config, String topic,
                                                      int count) throws java.sql.SQLException {
        Outbox outbox = Outbox.create(config);
        List<String> committed = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = 0; i < count; i++) {
                outbox.publish(connection, topic, message(i));
                if (i % 4 == 3) {
                    connection.rollback();
                } else {
                    connection.commit();
                    committed.add("m-" + i);
                }
            }
        }
        return committed;
    }

    static Message message(int i) {
        return Message.builder(bytes("payload-" + i)).id("m-" + i).key("k" + (i % KEYS)).build();
    }

    static void assertInKeyOrder(Map<String, List<String>> idsByKey) {
        for (Map.Entry<String, List<String>> key : idsByKey.entrySet()) {
            List<Integer> order = key.getValue().stream().map(id -> Integer.parseInt(id.substring(2))).toList();
            assertThat(order).as("order of key %s", key.getKey()).isSorted();
        }
    }

    static long countRows(DataSource dataSource, String prefix) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            return OutboxTest.ids(connection, prefix).size();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A publisher in front of Keel's, for the relay under test: one by one only (the relay pipelines single
     * publishes), and closing it leaves the publisher behind it open (the test closes that one).
     */
    abstract static class PublisherWrapper implements Publisher {
        final Publisher delegate;

        PublisherWrapper(Publisher delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
            throw new UnsupportedOperationException("the relay publishes one by one, pipelined");
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    /** Counts the publishes it passes to Keel's publisher. */
    static final class CountingPublisher extends PublisherWrapper {
        private final AtomicInteger published = new AtomicInteger();

        CountingPublisher(Publisher delegate) {
            super(delegate);
        }

        int published() {
            return published.get();
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            published.incrementAndGet();
            return delegate.publishAsync(topic, message);
        }

    }

    /** The real Kafka adapter whose producer refuses every send of one message id, for good (not retriable). */
    static final class RefusingAdapter extends ForwardingBrokerAdapter {
        private final AtomicReference<String> refused;

        RefusingAdapter(BrokerAdapter adapter, String refusedId) {
            super(adapter);
            this.refused = new AtomicReference<>(refusedId);
        }

        void refuse(String id) {
            refused.set(id);
        }

        @Override
        public BrokerProducer producer() {
            BrokerProducer producer = delegate().producer();
            return new BrokerProducer() {
                @Override
                public CompletionStage<PublishReceipt> send(OutboundRecord record) {
                    if (record.id().equals(refused.get())) {
                        return CompletableFuture.failedFuture(new PublishException("injected: broker refused "
                                + record.id(), null, false));
                    }
                    return producer.send(record);
                }

                @Override
                public void close() {
                    producer.close();
                }
            };
        }
    }

    /** Fails the first {@code failures} publishes as the broker would (a typed, retriable failure), then passes through. */
    static final class FailingPublisher extends PublisherWrapper {
        private final AtomicInteger failuresLeft;
        private final AtomicInteger publishes = new AtomicInteger();

        FailingPublisher(Publisher delegate, int failures) {
            super(delegate);
            this.failuresLeft = new AtomicInteger(failures);
        }

        /** Publishes asked of it so far, failed ones included. */
        int publishes() {
            return publishes.get();
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            publishes.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new PublishException("injected: broker refused " + message.id(),
                        null, true));
            }
            return delegate.publishAsync(topic, message);
        }

    }
}
