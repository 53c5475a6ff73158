package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RocketMQ transactional messages on the real broker and the real PostgreSQL: a message is delivered
 * if and only if its order row committed, also when the producer dies between the half message and
 * its outcome (the broker's check-back asks the group's surviving producer, whose checker looks the
 * row up). The harness's broker checks half messages every second ({@code transactionCheckInterval})
 * once they are a second old ({@code transactionTimeOut}).
 */
@UsesBrokers({BrokerKind.ROCKET, BrokerKind.REDIS})
class RocketTransactionalPublishTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final String topic = RocketTestSupport.unique("tx");
    private final String group = RocketTestSupport.unique("tx-producers");
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private final Map<String, TransactionOutcome> checked = new ConcurrentHashMap<>();
    private RocketAdapter adapter;
    private RedisIdempotencyStore store;
    private Keel keel;
    private OrdersTable orders;
    private TransactionalPublisher publisher;

    @BeforeEach
    void start() throws SQLException {
        orders = OrdersTable.create();
        adapter = RocketTestSupport.adapter();
        store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri())
                .keyPrefix(UniqueNames.keyPrefix("tx-dedup")).build());
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group("billing").build());
        keel.subscribe(SubscriptionConfig.builder(topic, "billing", Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(),
                delivery -> handled.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet());
        publisher = adapter.transactionalPublisher(group, Set.of(topic), half -> {
            TransactionOutcome outcome = orders.check(half);
            checked.put(half.id(), outcome);
            return outcome;
        });
    }

    @AfterEach
    void stop() throws SQLException {
        if (publisher != null) {
            publisher.close();
        }
        if (keel != null) {
            keel.close();
        }
        if (store != null) {
            store.close();
        }
        if (adapter != null) {
            adapter.close();
        }
        orders.close();
    }

    @Test
    void aCommittedLocalTransactionDeliversTheMessageOnceWithKeelHeaders() throws Exception {
        String id = OrdersTable.uniqueId("paid");
        Map<String, String> seenHeaders = new ConcurrentHashMap<>();

        TransactionReceipt receipt = publisher.publish(topic, Message.builder("order 1 paid", Codec.utf8()).id(id)
                .key("order-1").header("app", "x").build(), half -> {
                    seenHeaders.putAll(half.headers());
                    try (Connection c = OrdersTable.begin()) {
                        orders.insert(c, "order-1", half.id());
                        c.commit();
                    }
                    return TransactionOutcome.COMMIT;
                });

        assertThat(receipt.id()).isEqualTo(id);
        assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        assertThat(seenHeaders).containsEntry(KeelHeaders.ID, id).containsEntry(KeelHeaders.KEY, "order-1")
                .containsEntry("app", "x").containsKey(KeelHeaders.TIMESTAMP);
        await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        assertThat(handled.get(id)).hasValue(1);
        assertThat(orders.hasMessage(id)).isTrue();
    }

    @Test
    void aLocalTransactionThatRollsBackOrThrowsIsNeverDelivered() throws Exception {
        String rolledBack = OrdersTable.uniqueId("rolled-back");
        String thrown = OrdersTable.uniqueId("thrown");
        IllegalStateException failure = new IllegalStateException("card declined");

        TransactionReceipt receipt = publisher.publish(topic, Message.builder("order 2", Codec.utf8()).id(rolledBack)
                .build(), half -> {
                    try (Connection c = OrdersTable.begin()) {
                        orders.insert(c, "order-2", half.id());
                        c.rollback();
                    }
                    return TransactionOutcome.ROLLBACK;
                });
        assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.ROLLBACK);
        // throwing leaves the outcome to the checker (a failed commit may have committed): it finds no row
        assertThatThrownBy(() -> publisher.publish(topic, Message.builder("order 3", Codec.utf8()).id(thrown).build(),
                half -> {
                    try (Connection c = OrdersTable.begin()) {
                        orders.insert(c, "order-3", half.id());
                        throw failure;
                    }
                })).isInstanceOf(PublishException.class).hasCause(failure)
                .satisfies(e -> assertThat(((PublishException) e).isRetriable()).isFalse());
        await().atMost(PATIENCE).until(() -> checked.get(thrown) == TransactionOutcome.ROLLBACK);

        String marker = publishCommitted("order-4");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled).containsOnlyKeys(marker);
        assertThat(storedCopies(marker)).as("copies of the committed marker in the topic").isPositive();
        assertThat(storedCopies(rolledBack)).as("copies of the rolled-back message in the topic").isZero();
        assertThat(storedCopies(thrown)).as("copies of the message whose transaction threw").isZero();
        assertThat(orders.hasMessage(rolledBack)).isFalse();
        assertThat(orders.hasMessage(thrown)).isFalse();
    }

    @Test
    void anUnknownOutcomeIsSettledByTheCheckerFromTheDatabase() throws Exception {
        String committed = OrdersTable.uniqueId("unknown-committed");
        String absent = OrdersTable.uniqueId("unknown-absent");

        assertThat(publisher.publish(topic, Message.builder("order 5", Codec.utf8()).id(committed).build(), half -> {
            try (Connection c = OrdersTable.begin()) {
                orders.insert(c, "order-5", half.id());
                c.commit();
            }
            return TransactionOutcome.UNKNOWN;            // as if the commit's answer had been lost
        }).outcome()).isEqualTo(TransactionOutcome.UNKNOWN);
        assertThat(publisher.publish(topic, Message.builder("order 6", Codec.utf8()).id(absent).build(),
                half -> TransactionOutcome.UNKNOWN).outcome()).isEqualTo(TransactionOutcome.UNKNOWN);

        await().atMost(PATIENCE).until(() -> handled.containsKey(committed)
                && checked.get(absent) == TransactionOutcome.ROLLBACK);
        assertThat(checked).containsEntry(committed, TransactionOutcome.COMMIT);
        String marker = publishCommitted("order-7");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled).containsOnlyKeys(committed, marker);
        assertThat(handled.get(committed)).hasValue(1);
        assertThat(storedCopies(absent)).as("copies of the message without a row").isZero();
    }

    @Test
    void aProducerKilledBetweenHalfMessageAndOutcomeIsSettledByTheGroupsOtherProducer() throws Exception {
        String committed = OrdersTable.uniqueId("crash-committed");
        String uncommitted = OrdersTable.uniqueId("crash-uncommitted");

        try (ForkedJvm victim = ForkedJvm.builder(TransactionVictimMain.class)
                .args(Brokers.rocket().nameServerAddress(), group, topic, orders.name(), committed, uncommitted)
                .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                .start()) {
            victim.awaitLineContaining("committed " + committed, Duration.ofSeconds(90));
            victim.awaitLineContaining("uncommitted " + uncommitted, Duration.ofSeconds(90));
            assertThat(victim.kill()).isEqualTo(137);
        }

        // the victim sent no outcome: only the broker's check-back, answered here, can settle both
        await().atMost(PATIENCE).until(() -> handled.containsKey(committed)
                && checked.get(uncommitted) == TransactionOutcome.ROLLBACK);
        assertThat(checked).containsEntry(committed, TransactionOutcome.COMMIT);
        assertThat(orders.hasMessage(uncommitted)).as("the killed process's open transaction").isFalse();
        String marker = publishCommitted("order-8");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled).containsOnlyKeys(committed, marker);
        assertThat(handled.get(committed)).hasValue(1);
        assertThat(storedCopies(uncommitted)).as("copies of the killed process's uncommitted message").isZero();
    }

    @Test
    void aTopicThatDoesNotExistFailsBeforeTheLocalTransactionRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        String missing = RocketTestSupport.unique("tx-missing");

        assertThatThrownBy(() -> publisher.publish(missing, Message.ofText("x"), half -> {
            ran.set(true);
            return TransactionOutcome.COMMIT;
        })).isInstanceOf(UnroutableException.class).hasMessageContaining(missing);
        assertThat(ran).isFalse();
        assertThatThrownBy(() -> adapter.transactionalPublisher("no spaces allowed", Set.of(topic),
                half -> TransactionOutcome.UNKNOWN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("producer group");
    }

    /** Publishes a message whose order commits; returns its id. */
    private String publishCommitted(String orderId) {
        String id = OrdersTable.uniqueId(orderId);
        publisher.publish(topic, Message.builder(orderId, Codec.utf8()).id(id).build(), half -> {
            try (Connection c = OrdersTable.begin()) {
                orders.insert(c, orderId, half.id());
                c.commit();
            }
            return TransactionOutcome.COMMIT;
        });
        return id;
    }

    /**
     * How many messages with this id (their {@code KEYS}) the topic holds: committed transactional messages
     * only, a half message is stored in RocketMQ's own half topic. The index is written in store order, so once
     * a later message was delivered every earlier one is indexed.
     */
    private int storedCopies(String id) throws Exception {
        DefaultMQAdminExt tools = new DefaultMQAdminExt(10_000);
        tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        tools.setInstanceName(RocketTestSupport.unique("tx-tools"));
        tools.start();
        try {
            return tools.queryMessage(topic, id, 32, 0, Long.MAX_VALUE).getMessageList().size();
        } catch (MQClientException e) {
            if (e.getResponseCode() == ResponseCode.NO_MESSAGE) {
                return 0;
            }
            throw e;
        } finally {
            tools.shutdown();
        }
    }
}
