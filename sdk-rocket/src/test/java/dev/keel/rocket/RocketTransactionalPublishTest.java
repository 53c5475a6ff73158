package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.ClosedException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RocketMQ transactional messages on the real broker and the real PostgreSQL: a message is delivered
 * if and only if its order row committed, also when the producer dies between the half message and
 * its outcome (the broker's check-back asks the group's surviving producer, whose checker looks the
 * row up). The harness's broker checks half messages every second ({@code transactionCheckInterval})
 * once they are a second old ({@code transactionTimeOut}). Its tests run one at a time: two at once made
 * {@link #anotherProducerOfTheGroupAskedWhileTheTransactionRunsAnswersUnknown} fail (the other producer answered
 * ROLLBACK), a timing it depends on.
 */
@UsesBrokers({BrokerKind.ROCKET, BrokerKind.REDIS})
class RocketTransactionalPublishTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** How often a test asks the broker how many check-backs it made (checks are 1 s apart). */
    private static final Duration HALF_CHECK_POLL = Duration.ofMillis(300);
    /** The admin client of the class's broker queries ({@link #tools()}), shut down once after all its tests. */
    private static DefaultMQAdminExt tools;

    private final String topic = RocketTestSupport.unique("tx");
    private final String group = RocketTestSupport.unique("tx-producers");
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private final Map<String, TransactionOutcome> checked = new ConcurrentHashMap<>();
    private final Map<String, Integer> priorities = new ConcurrentHashMap<>();
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
                delivery -> {
                    if (delivery.message().priority() != null) {
                        priorities.put(delivery.id(), delivery.message().priority());
                    }
                    handled.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                });
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

    @AfterAll
    static synchronized void stopTools() {
        if (tools != null) {
            tools.shutdown();
            tools = null;
        }
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
    void committedMessagesWhoseLocalTransactionsOutliveTheCheckTimeoutAreStoredOnceEach() throws Exception {
        List<String> ids = new ArrayList<>();
        List<Future<TransactionReceipt>> receipts = new ArrayList<>();
        ExecutorService publishing = Executors.newFixedThreadPool(6);
        try {
            // six at once (the publisher is thread-safe): each one's check-backs come while the others run too
            for (int i = 0; i < 6; i++) {
                String id = OrdersTable.uniqueId("slow");
                String order = "slow-order-" + i;
                String key = "order-" + i;
                ids.add(id);
                receipts.add(publishing.submit(() -> publisher.publish(topic, Message.builder("slow order",
                        Codec.utf8()).id(id).key(key).build(), half -> {
                            try (Connection c = OrdersTable.begin()) {
                                orders.insert(c, order, half.id());
                                c.commit();
                            }
                            // the fault: a local transaction slower than the broker's check timeout, here open until
                            // the broker checked its message back twice (so a check-back came while it ran, its row
                            // committed: a checker asked would answer COMMIT); delivered meanwhile, a check-back
                            // committed it and this transaction's own COMMIT stores it again
                            await().atMost(PATIENCE).pollInterval(HALF_CHECK_POLL)
                                    .until(() -> HalfMessages.checks(tools(), id) >= 2 || handled.containsKey(id));
                            return TransactionOutcome.COMMIT;
                        })));
            }
            for (Future<TransactionReceipt> receipt : receipts) {
                assertThat(receipt.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).outcome())
                        .isEqualTo(TransactionOutcome.COMMIT);
            }
            await().atMost(PATIENCE).until(() -> ids.stream().allMatch(handled::containsKey));
            // the broker checks half messages every second, and asks again about a committed one until its op message
            // is written (batched, up to 3 s later): copies stored by repeated check-backs would come meanwhile. The
            // six commit together, so each is watched at least 10 s after its commit, as the last one always was.
            await().pollInterval(Duration.ofSeconds(1)).during(Duration.ofSeconds(10)).atMost(PATIENCE)
                    .untilAsserted(() -> {
                        for (String id : ids) {
                            assertThat(storedCopies(id)).as("stored copies of %s", id).isOne();
                        }
                    });
        } finally {
            publishing.shutdownNow();
        }
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
    void aCheckBackWhileTheLocalTransactionRunsIsAnsweredUnknownWithoutAskingTheChecker() throws Exception {
        String id = OrdersTable.uniqueId("long");
        AtomicReference<TransactionOutcome> answeredWhileRunning = new AtomicReference<>();

        // the row is not visible until the local transaction commits: the checker would answer ROLLBACK
        TransactionReceipt receipt = publisher.publish(topic, Message.builder("order 9", Codec.utf8()).id(id).build(),
                half -> {
                    try (Connection c = OrdersTable.begin()) {
                        orders.insert(c, "order-9", half.id());
                        // checked twice by the broker, or answered by the checker
                        await().atMost(PATIENCE).pollInterval(HALF_CHECK_POLL).until(() -> HalfMessages.checks(tools(), id) >= 2 || checked.containsKey(id));
                        answeredWhileRunning.set(checked.get(id));
                        c.commit();
                    }
                    return TransactionOutcome.COMMIT;
                });

        assertThat(answeredWhileRunning).as("the checker's answer about the transaction while it ran").hasValue(null);
        assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        String marker = publishCommitted("order-10");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled.get(id)).hasValue(1);
    }

    @Test
    void anotherProducerOfTheGroupAskedWhileTheTransactionRunsAnswersUnknown() throws Exception {
        String id = OrdersTable.uniqueId("elsewhere");
        Map<String, TransactionOutcome> otherChecked = new ConcurrentHashMap<>();
        AtomicReference<TransactionOutcome> otherAnswer = new AtomicReference<>();

        try (RocketAdapter otherAdapter = new RocketAdapter(RocketTestSupport.config().clientId("keel-other").build());
             TransactionalPublisher other = otherAdapter.transactionalPublisher(group, Set.of(topic), half -> {
                 TransactionOutcome outcome = orders.check(half);
                 otherChecked.put(half.id(), outcome);
                 return outcome;
             })) {
            // the broker asks the group's producers in turn: the other one is asked while this transaction runs
            TransactionReceipt receipt = publisher.publish(topic, Message.builder("order 12", Codec.utf8()).id(id)
                    .build(), half -> {
                        try (Connection c = OrdersTable.begin()) {
                            orders.insert(c, "order-12", half.id());
                            await().atMost(PATIENCE).until(() -> otherChecked.containsKey(id));
                            otherAnswer.set(otherChecked.get(id));
                            c.commit();
                        }
                        return TransactionOutcome.COMMIT;
                    });
            assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
            assertThat(other.producerGroup()).isEqualTo(group);
        }

        assertThat(otherAnswer).as("the other producer's answer while the transaction ran")
                .hasValue(TransactionOutcome.UNKNOWN);
        await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        String marker = publishCommitted("order-13");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled.get(id)).hasValue(1);
    }

    @Test
    void aPublisherClosedDuringItsLocalTransactionReportsTheOutcomeUnknownAndTheGroupSettlesIt() throws Exception {
        String id = OrdersTable.uniqueId("closed");
        String closingGroup = RocketTestSupport.unique("tx-closing");
        Map<String, TransactionOutcome> closingChecked = new ConcurrentHashMap<>();
        Map<String, TransactionOutcome> restartedChecked = new ConcurrentHashMap<>();
        TransactionReceipt receipt;

        try (RocketAdapter closingAdapter = new RocketAdapter(RocketTestSupport.config().clientId("keel-closing")
                .closeTimeout(Duration.ofSeconds(2)).build())) {
            TransactionalPublisher closing = closingAdapter.transactionalPublisher(closingGroup, Set.of(topic),
                    half -> {
                        TransactionOutcome outcome = orders.check(half);
                        closingChecked.put(half.id(), outcome);
                        return outcome;
                    });
            receipt = closing.publish(topic, Message.builder("order 11", Codec.utf8()).id(id).build(), half -> {
                try (Connection c = OrdersTable.begin()) {
                    orders.insert(c, "order-11", half.id());
                    await().atMost(PATIENCE).pollInterval(HALF_CHECK_POLL).until(() -> HalfMessages.checks(tools(), id) >= 2 || closingChecked.containsKey(id));
                    // the application stops while this transaction is still open, for longer than closeTimeout
                    CompletableFuture<Void> stopping = CompletableFuture.runAsync(closing::close);
                    await().atMost(PATIENCE).until(stopping::isDone);
                    c.commit();
                }
                return TransactionOutcome.COMMIT;
            });
        }

        assertThat(receipt.outcome()).as("the outcome the broker got").isEqualTo(TransactionOutcome.UNKNOWN);
        // the process restarts: its producer of the group answers the broker's next check from the database
        try (TransactionalPublisher restarted = adapter.transactionalPublisher(closingGroup, Set.of(topic), half -> {
            TransactionOutcome outcome = orders.check(half);
            restartedChecked.put(half.id(), outcome);
            return outcome;
        })) {
            await().atMost(PATIENCE).until(() -> handled.containsKey(id));
            assertThat(restartedChecked).containsEntry(id, TransactionOutcome.COMMIT);
            assertThat(restarted.producerGroup()).isEqualTo(closingGroup);
        }
        String marker = publishCommitted("order-14");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled.get(id)).hasValue(1);
    }

    @Test
    void aCloseDuringALocalTransactionWaitsForItsOutcomeToReachTheBroker() throws Exception {
        String id = OrdersTable.uniqueId("graceful");
        String closingGroup = RocketTestSupport.unique("tx-graceful");
        String missing = RocketTestSupport.unique("tx-missing");
        AtomicReference<Thread> closer = new AtomicReference<>();
        TransactionalPublisher closing = adapter.transactionalPublisher(closingGroup, Set.of(topic), orders::check);

        TransactionReceipt receipt = closing.publish(topic, Message.builder("order 19", Codec.utf8()).id(id).build(),
                half -> {
                    try (Connection c = OrdersTable.begin()) {
                        orders.insert(c, "order-19", half.id());
                        // the application stops while this transaction is open; it ends well within closeTimeout
                        Thread stopping = new Thread(closing::close, "closing");
                        closer.set(stopping);
                        stopping.start();
                        await().atMost(PATIENCE).until(() -> refusesPublishes(closing, missing));
                        await().atMost(PATIENCE).until(() -> !stopping.isAlive()
                                || stopping.getState() == Thread.State.TIMED_WAITING);
                        c.commit();
                    }
                    return TransactionOutcome.COMMIT;
                });
        closer.get().join(PATIENCE.toMillis());

        assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        // no producer of the group is left to answer a check-back: only the publish's own outcome delivers it
        await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        String marker = publishCommitted("order-20");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled.get(id)).hasValue(1);
    }

    @Test
    void noProducerOfTheGroupIsAskedAboutAMessageDuringItsCheckImmunity() throws Exception {
        String id = OrdersTable.uniqueId("immune");
        String immuneGroup = RocketTestSupport.unique("tx-immune");
        Duration immunity = Duration.ofSeconds(4);
        Map<String, Duration> otherAskedAt = new ConcurrentHashMap<>();
        TransactionReceipt receipt;

        try (RocketAdapter immuneAdapter = new RocketAdapter(RocketTestSupport.config().clientId("keel-immune")
                .transactionCheckImmunity(immunity).build());
             TransactionalPublisher immune = immuneAdapter.transactionalPublisher(immuneGroup, Set.of(topic),
                     orders::check);
             TransactionalPublisher other = adapter.transactionalPublisher(immuneGroup, Set.of(topic), half -> {
                 otherAskedAt.merge(half.id(), half.age(Instant.now()), (a, b) -> a.compareTo(b) < 0 ? a : b);
                 return orders.check(half);
             })) {
            // 2.5 s: without the immunity the broker (checking every second) asks the group's producers by then
            receipt = immune.publish(topic, Message.builder("order 15", Codec.utf8()).id(id).build(),
                    half -> commitWhenOlderThan(half, "order-15", Duration.ofMillis(2500)));
            await().atMost(PATIENCE).until(() -> handled.containsKey(id));
            assertThat(other.producerGroup()).isEqualTo(immuneGroup);
        }

        assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        // (once the immunity is over the broker may still check it: a copy with the same id, deduplicated)
        assertThat(otherAskedAt.getOrDefault(id, immunity)).as("age of the message at its first check-back")
                .isGreaterThanOrEqualTo(immunity);
        String marker = publishCommitted("order-16");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled.get(id)).hasValue(1);
    }

    @Test
    void anOutcomeTheBrokerRefusesIsReportedUnknownAndThisProcessAnswersItsCheckBack() throws Exception {
        String id = OrdersTable.uniqueId("refused");
        String immuneGroup = RocketTestSupport.unique("tx-refused");
        Duration immunity = Duration.ofSeconds(2);
        Map<String, TransactionOutcome> asked = new ConcurrentHashMap<>();
        TransactionReceipt receipt;

        try (RocketAdapter immuneAdapter = new RocketAdapter(RocketTestSupport.config().clientId("keel-refused")
                .transactionCheckImmunity(immunity).build());
             // a checker that cannot see the row yet (a lagging replica): it would roll the message back
             TransactionalPublisher immune = immuneAdapter.transactionalPublisher(immuneGroup, Set.of(topic), half -> {
                 asked.put(half.id(), TransactionOutcome.ROLLBACK);
                 return TransactionOutcome.ROLLBACK;
             })) {
            // past the immunity the broker refuses the producer's outcome: only a check-back settles the message
            receipt = immune.publish(topic, Message.builder("order 17", Codec.utf8()).id(id).build(),
                    half -> commitWhenOlderThan(half, "order-17", immunity.plusSeconds(1)));
            assertThat(receipt.outcome()).as("the outcome the broker took from the publish")
                    .isEqualTo(TransactionOutcome.UNKNOWN);
            await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        }

        assertThat(asked).as("the checker's answers (the publishing process knew the outcome)").isEmpty();
        String marker = publishCommitted("order-18");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled.get(id)).hasValue(1);
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

    @Test
    void aDelayedTransactionalMessageIsRefusedBeforeItsHalfMessageAndLocalTransaction() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        String delayed = OrdersTable.uniqueId("tx-delayed");
        String dueLater = OrdersTable.uniqueId("tx-due-later");

        assertThatThrownBy(() -> publisher.publish(topic, Message.builder("late", Codec.utf8()).id(delayed)
                .delay(Duration.ofSeconds(60)).build(), half -> {
                    ran.set(true);
                    return TransactionOutcome.COMMIT;
                })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(delayed)
                .hasMessageContaining("cannot delay a transactional message");
        assertThatThrownBy(() -> publisher.publish(topic, Message.builder("later", Codec.utf8()).id(dueLater)
                .deliverAt(Instant.now().plus(Duration.ofMinutes(5))).build(), half -> {
                    ran.set(true);
                    return TransactionOutcome.COMMIT;
                })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dueLater);
        assertThat(ran).as("a refused message's local transaction ran").isFalse();

        String marker = publishCommitted("order-30");
        await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        assertThat(handled).containsOnlyKeys(marker);
        assertThat(storedCopies(delayed)).as("copies of the refused delayed message").isZero();
    }

    @Test
    void aTransactionalMessageKeepsItsPriority() throws Exception {
        String id = OrdersTable.uniqueId("tx-priority");

        TransactionReceipt receipt = publisher.publish(topic, Message.builder("urgent", Codec.utf8()).id(id)
                .priority(7).build(), half -> TransactionOutcome.COMMIT);

        assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        assertThat(priorities).containsEntry(id, 7);
    }

    @Test
    void anotherPublisherOfTheGroupInThisProcessNeverAsksItsCheckerAboutARunningTransaction() throws Exception {
        String id = OrdersTable.uniqueId("sibling");
        Map<String, TransactionOutcome> siblingChecked = new ConcurrentHashMap<>();
        AtomicReference<TransactionOutcome> siblingAnswer = new AtomicReference<>();

        // same adapter, same group: the broker asks either producer; neither may ask its checker while it runs
        try (TransactionalPublisher sibling = adapter.transactionalPublisher(group, Set.of(topic), half -> {
            TransactionOutcome outcome = orders.check(half);
            siblingChecked.put(half.id(), outcome);
            return outcome;
        })) {
            TransactionReceipt receipt = publisher.publish(topic, Message.builder("order 31", Codec.utf8()).id(id)
                    .build(), half -> {
                        try (Connection c = OrdersTable.begin()) {
                            orders.insert(c, "order-31", half.id());
                            await().atMost(PATIENCE).pollInterval(HALF_CHECK_POLL).until(() -> HalfMessages.checks(tools(), id) >= 4
                                    || siblingChecked.containsKey(id) || checked.containsKey(id));
                            siblingAnswer.set(siblingChecked.getOrDefault(id, checked.get(id)));
                            c.commit();
                        }
                        return TransactionOutcome.COMMIT;
                    });
            assertThat(receipt.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        }

        assertThat(siblingAnswer).as("a checker's answer about this process's running transaction").hasValue(null);
        await().atMost(PATIENCE).until(() -> handled.containsKey(id));
        assertThat(handled.get(id)).hasValue(1);
    }

    /** Whether {@code publisher} refuses new publishes as closed (probed with a topic that does not exist). */
    private static boolean refusesPublishes(TransactionalPublisher publisher, String missingTopic) {
        try {
            publisher.publish(missingTopic, Message.ofText("probe"), half -> TransactionOutcome.ROLLBACK);
            return false;
        } catch (ClosedException closed) {
            return true;
        } catch (UnroutableException open) {
            return false;
        }
    }

    /** A local transaction that inserts the order row and commits once the half message is older than {@code age}. */
    private TransactionOutcome commitWhenOlderThan(HalfMessage half, String orderId, Duration age) throws Exception {
        try (Connection c = OrdersTable.begin()) {
            orders.insert(c, orderId, half.id());
            await().atMost(PATIENCE).until(() -> half.age(Instant.now()).compareTo(age) > 0);
            c.commit();
        }
        return TransactionOutcome.COMMIT;
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
     * One admin client for the class's many broker queries, started at the first: starting and shutting one down per
     * query cost up to 3 s a query (its shutdown waits for its event thread, which polls every 3 s).
     */
    private static synchronized DefaultMQAdminExt tools() throws MQClientException {
        if (tools == null) {
            tools = HalfMessages.tools();
        }
        return tools;
    }

    /**
     * How many messages with this id (their {@code KEYS}) the topic holds: committed transactional messages
     * only, a half message is stored in RocketMQ's own half topic. The index is written in store order, so once
     * a later message was delivered every earlier one is indexed.
     */
    private int storedCopies(String id) throws Exception {
        try {
            return tools().queryMessage(topic, id, 32, 0, Long.MAX_VALUE).getMessageList().size();
        } catch (MQClientException e) {
            if (e.getResponseCode() == ResponseCode.NO_MESSAGE) {
                return 0;
            }
            throw e;
        }
    }
}
