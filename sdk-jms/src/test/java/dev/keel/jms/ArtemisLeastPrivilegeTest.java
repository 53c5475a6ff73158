package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.jms.internal.Names;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.UniqueNames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The least Artemis permissions of what the role {@code app} of {@link ArtemisTlsContractTest} leaves untested: dead
 * letters, delayed delivery, non-blocking retry and {@code deleteTopology}, on the Artemis with security on of
 * {@link SecuredArtemis}. Each user gets exactly the permissions docs/security.md lists, each through its own role
 * ({@link SecuredArtemis#only}, on every address): with all of them the feature works end to end, each message once
 * and nothing left on the queues; without one of them it is refused at once with a non-retriable
 * {@link AccessRefusedException} naming the permission and the address, nothing lost or done half way.
 */
@Tag("secured")
class ArtemisLeastPrivilegeTest {

    private static final String GROUP = "g";
    /** Far below the client's call timeout (30 s): a refusal must not wait for one, nor be retried until one. */
    private static final Duration FAST = Duration.ofSeconds(10);
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** What {@code deleteTopology} needs (docs/security.md). */
    private static final String[] DELETE_TOPOLOGY = {"deleteDurableQueue", "manage"};
    private static final RetryPolicy TWICE = RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(50))
            .build();

    private final SecuredArtemis artemis = SecuredArtemis.local();
    private final String topic = UniqueNames.of("keel-least");
    private final String user = "keel-least-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private ArtemisAdapter admin;
    private Keel adminKeel;

    @BeforeEach
    void openAdmin() {
        admin = ArtemisTestSupport.securedAdapter(artemis, artemis.adminUser(), artemis.adminPassword());
        adminKeel = Keel.builder(admin).withoutIdempotencyStore().build();
    }

    @AfterEach
    void close() {
        try {
            artemis.removeUser(user);
        } finally {
            adminKeel.close();
            admin.close();
        }
    }

    // ---------------------------------------------------------------- dead letters

    /**
     * {@code createAddress} and {@code createDurableQueue} (the subscription declares {@code <topic>.DLT} and its
     * group's queue there), {@code send} (the dead letter) and {@code consume} (the group's queue): a handler that
     * always fails dead-letters each message once, and the group's queue is left empty.
     */
    @Test
    void deadLettersShouldNeedDeclaringSendAndConsume() throws Exception {
        grant("createAddress", "createDurableQueue", "send", "consume");
        AtomicInteger handled = new AtomicInteger();
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            keel.subscribe(subscription(topic).retryPolicy(TWICE).build(), d -> {
                handled.incrementAndGet();
                throw new IllegalStateException("always fails");
            });
            publish(keel, "poison", 3);
            Map<String, Integer> letters = consumeAsAdmin(deadLetterTopic());
            await().atMost(PATIENCE).until(() -> letters.size() == 3);
            assertOnceEach(letters, "poison", 3);
        }
        assertThat(handled).as("handler calls (two attempts each)").hasValue(6);
        assertNothingLeftOn(Names.groupQueue(topic, GROUP), Names.groupQueue(deadLetterTopic(), GROUP));
    }

    /**
     * Without {@code send}: the broker refuses the dead letter (and its truncated copy) for good; each message stays
     * parked on the group's queue, unacknowledged, and the subscription {@code RUNNING}, dead-lettering again with
     * backoff (docs/security.md); closed, it leaves each message to the group's next member, once.
     */
    @Test
    void aDeadLetterRefusedForWantOfSendShouldStayParkedUnacknowledgedOnTheGroupQueue() throws Exception {
        grant("createAddress", "createDurableQueue", "consume");
        declareAsAdmin();
        publish(adminKeel, "poison", 2);
        AtomicInteger parked = new AtomicInteger();
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().metrics(counting(MetricEvent.DEAD_LETTER_FAILED,
                     parked)).build()) {
            Subscription subscription = keel.subscribe(subscription(topic).retryPolicy(TWICE).build(), d -> {
                calls.merge(d.payload(), 1, Integer::sum);
                throw new IllegalStateException("always fails");
            });
            await().atMost(PATIENCE).until(() -> parked.get() == 2);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
            assertThat(ArtemisTestSupport.messagesOn(artemis, Names.groupQueue(topic, GROUP)))
                    .as("unacknowledged on the group's queue").isEqualTo(2);
            assertThat(ArtemisTestSupport.messagesOn(artemis, Names.groupQueue(deadLetterTopic(), GROUP)))
                    .as("dead letters").isZero();
            // what the engine met: the send to the dead-letter topic refused for good, naming the permission
            assertRefusal(timed(() -> keel.publisher(deadLetterTopic(), Codec.utf8()).message("letter").publish()),
                    "send", deadLetterTopic());
        }
        assertThat(calls).as("handler calls (two attempts each, not again while parked)")
                .isEqualTo(Map.of("poison-0", 2, "poison-1", 2));
        Map<String, Integer> left = consumeAsAdmin(topic);
        await().atMost(PATIENCE).until(() -> left.size() == 2);
        assertOnceEach(left, "poison", 2);
        assertNothingLeftOn(Names.groupQueue(topic, GROUP));
    }

    /**
     * Without {@code createAddress}, on a topic whose dead-letter topic no one declared: the subscribe is refused
     * naming {@code CREATE_ADDRESS} and {@code <topic>.DLT}, and leaves nothing of the new group behind (its queue
     * would keep every message for a group no one reads).
     */
    @Test
    void aSubscribeWhoseDeadLetterTopicCannotBeDeclaredShouldBeRefusedLeavingNothingBehind() throws Exception {
        grant("createDurableQueue", "send", "consume");
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("other").build());
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefusal(timed(() -> keel.subscribe(subscription(topic).build(), d -> { })), "createAddress",
                    deadLetterTopic());
            assertThat(keel.subscriptions()).as("subscriptions").isEmpty();
        }
        assertThat(admin.describeTopology(topic).orElseThrow().groups()).as("groups of the topic")
                .containsExactly("other");
    }

    // ---------------------------------------------------------------- delayed delivery, non-blocking retry

    /** Only {@code send}: a delayed publish is stored at once and delivered once, no earlier than due. */
    @Test
    void aDelayedPublishShouldNeedOnlySend() throws Exception {
        grant("send");
        declareAsAdmin();
        Map<String, Integer> got = new ConcurrentHashMap<>();
        Map<String, Instant> arrived = new ConcurrentHashMap<>();
        adminKeel.subscribe(subscription(topic).build(), d -> {
            arrived.putIfAbsent(d.payload(), Instant.now());
            got.merge(d.payload(), 1, Integer::sum);
        });
        Instant due;
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            due = Instant.now().plusSeconds(2);
            keel.publisher(topic, Codec.utf8()).message("delayed").key("k").delay(Duration.ofSeconds(2)).publish();
            keel.publisher(topic, Codec.utf8()).message("now").key("k2").publish();
        }
        await().atMost(PATIENCE).until(() -> got.size() == 2);
        assertThat(arrived.get("delayed")).as("delivered no earlier than due").isAfterOrEqualTo(due.minusMillis(100));
        assertThat(got).as("times each message was handled").isEqualTo(Map.of("delayed", 1, "now", 1));
        assertNothingLeftOn(Names.groupQueue(topic, GROUP));
    }

    /** Without {@code send}: a delayed publish is refused at once, naming SEND and the topic, and not stored. */
    @Test
    void aDelayedPublishWithoutSendShouldBeRefusedAtOnceAndNotStored() throws Exception {
        grant("createAddress", "createDurableQueue", "consume");
        declareAsAdmin();
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefusal(timed(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                    .delay(Duration.ofMillis(500)).publish()), "send", topic);
        }
        Map<String, Integer> got = consumeAsAdmin(topic);
        adminKeel.publisher(topic, Codec.utf8()).message("marker").key("k").delay(Duration.ofMillis(600)).publish();
        await().atMost(PATIENCE).until(() -> got.containsKey("marker"));
        assertThat(got).as("consumed").containsOnlyKeys("marker");
        assertNothingLeftOn(Names.groupQueue(topic, GROUP));
    }

    /**
     * {@code createAddress} and {@code createDurableQueue} (the subscription declares the retry topic
     * {@code <topic>.<group>.retry} and the group's queue on it), {@code send} (the retry copy, a delayed send) and
     * {@code consume} (both queues): each message fails once, is retried through the retry topic and handled once.
     */
    @Test
    void nonBlockingRetryShouldNeedDeclaringSendAndConsume() throws Exception {
        grant("createAddress", "createDurableQueue", "send", "consume");
        declareAsAdmin();
        publish(adminKeel, "m", 3);
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        String retryTopic;
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            retryTopic = adapter.retryTopic(topic, GROUP);
            keel.subscribe(subscription(topic).retryPolicy(TWICE).ordering(Ordering.UNORDERED).retryMode(RetryMode.NON_BLOCKING).build(), d -> {
                if (attempts.merge(d.payload(), 1, Integer::sum) == 1) {
                    throw new IllegalStateException("fails once");
                }
                handled.merge(d.payload(), 1, Integer::sum);
            });
            await().atMost(PATIENCE).until(() -> handled.size() == 3);
        }
        assertOnceEach(handled, "m", 3);
        assertThat(attempts).as("attempts").isEqualTo(Map.of("m-0", 2, "m-1", 2, "m-2", 2));
        assertNothingLeftOn(Names.groupQueue(topic, GROUP), Names.groupQueue(retryTopic, GROUP));
    }

    /**
     * Without {@code createAddress}: a non-blocking-retry subscribe is refused at once, naming CREATE_ADDRESS and the
     * retry topic; every message stays for the group's next member.
     */
    @Test
    void aNonBlockingRetrySubscribeWithoutCreateAddressShouldBeRefusedAndLeaveEveryMessage() throws Exception {
        grant("createDurableQueue", "send", "consume");
        declareAsAdmin();
        adminKeel.ensureTopology(TopicSpec.builder(deadLetterTopic()).partitions(2).group(GROUP).build());
        publish(adminKeel, "m", 3);
        try (ArtemisAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefusal(timed(() -> keel.subscribe(subscription(topic).ordering(Ordering.UNORDERED).retryMode(RetryMode.NON_BLOCKING).build(),
                    d -> { })), "createAddress", adapter.retryTopic(topic, GROUP));
        }
        Map<String, Integer> got = consumeAsAdmin(topic);
        await().atMost(PATIENCE).until(() -> got.size() == 3);
        assertOnceEach(got, "m", 3);
    }

    // ---------------------------------------------------------------- deleteTopology

    /**
     * {@code deleteDurableQueue} (the topic's queues) and {@code manage} (the address's deletion, a request to the
     * management address; before, its temporary reply queue needed createAddress, createNonDurableQueue, send,
     * consume and deleteNonDurableQueue on {@code activemq.management.<uuid>} too).
     */
    @Test
    void deleteTopologyShouldNeedDeleteDurableQueueAndManage() throws Exception {
        grant(DELETE_TOPOLOGY);
        declareAsAdmin();
        publish(adminKeel, "m", 2);
        try (ArtemisAdapter adapter = adapterAsUser()) {
            adapter.deleteTopology(topic);
        }
        assertThat(admin.describeTopology(topic)).as("the topic").isEmpty();
        assertThat(ArtemisTestSupport.messagesOn(artemis, Names.groupQueue(topic, GROUP))).as("its queue").isEqualTo(-1);
    }

    /**
     * Without one of them: refused at once, naming it and the address; the topic, its group and its messages stay,
     * usable. Before, the queues were deleted, with their messages, before the management request was refused.
     */
    @ParameterizedTest
    @CsvSource({"manage, activemq.management", "deleteDurableQueue, TOPIC"})
    void deleteTopologyWithoutOneOfThemShouldBeRefusedAndLeaveTheTopologyUsable(String missing, String address)
            throws Exception {
        grant(List.of(DELETE_TOPOLOGY).stream().filter(p -> !p.equals(missing)).toArray(String[]::new));
        declareAsAdmin();
        publish(adminKeel, "m", 2);
        try (ArtemisAdapter adapter = adapterAsUser()) {
            assertRefusal(timed(() -> adapter.deleteTopology(topic)), missing, address.replace("TOPIC", topic));
        }
        assertThat(admin.describeTopology(topic).orElseThrow().groups()).as("groups of the topic")
                .containsExactly(GROUP);
        Map<String, Integer> got = consumeAsAdmin(topic);
        adminKeel.publisher(topic, Codec.utf8()).message("marker").key("k").publish();
        await().atMost(PATIENCE).until(() -> got.size() == 3);
        assertThat(got).as("times each message was handled").isEqualTo(Map.of("m-0", 1, "m-1", 1, "marker", 1));
        assertNothingLeftOn(Names.groupQueue(topic, GROUP));
    }

    // ---------------------------------------------------------------- helpers

    /** Gives the user exactly {@code permissions}, each on every address. */
    private void grant(String... permissions) {
        artemis.putUser(user, password, List.of(permissions).stream().map(SecuredArtemis::only)
                .toArray(String[]::new));
    }

    private ArtemisAdapter adapterAsUser() {
        return ArtemisTestSupport.securedAdapter(artemis, user, password);
    }

    private void declareAsAdmin() {
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    private String deadLetterTopic() {
        return adminKeel.defaultDeadLetterTopic(topic);
    }

    /** Publishes {@code <prefix>-0} to {@code <prefix>-<count - 1>}, each with a key of its own. */
    private void publish(Keel keel, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            keel.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    private static SubscriptionConfig.Builder<String> subscription(String topic) {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10));
    }

    /** Each payload the admin's subscription of {@link #GROUP} to {@code from} handles, with how many times. */
    private Map<String, Integer> consumeAsAdmin(String from) {
        Map<String, Integer> got = new ConcurrentHashMap<>();
        adminKeel.subscribe(subscription(from).build(), d -> got.merge(d.payload(), 1, Integer::sum));
        return got;
    }

    private static void assertOnceEach(Map<String, Integer> got, String prefix, int count) {
        Map<String, Integer> once = java.util.stream.IntStream.range(0, count).boxed()
                .collect(Collectors.toMap(i -> prefix + "-" + i, i -> 1));
        assertThat(got).as("times each message was handled").isEqualTo(once);
    }

    /** Each queue empties (what the admin's subscriptions handled acknowledged): nothing left behind. */
    private void assertNothingLeftOn(String... queues) {
        for (String queue : queues) {
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(ArtemisTestSupport.messagesOn(artemis, queue))
                    .as("messages left on %s", queue).isZero());
        }
    }

    /** What {@code call} threw, failing if it took longer than {@link #FAST}. */
    private static Throwable timed(ThrowingCallable call) {
        long start = System.nanoTime();
        Throwable thrown = catchThrowable(call);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to fail").isLessThan(FAST);
        return thrown;
    }

    /** A non-retriable refusal naming the user, and saying to grant {@code permission} on {@code address}. */
    private void assertRefusal(Throwable refused, String permission, String address) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageNotContaining(password)
                .hasMessageContaining(user).hasMessageContaining("grant the user '" + permission + "' on ")
                .hasMessageContaining(" '" + address + "'");
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /** A recorder that counts {@code event} into {@code count}. */
    private static MetricsRecorder counting(MetricEvent event, AtomicInteger count) {
        return new MetricsRecorder() {
            @Override
            public void count(MetricEvent e, String topic, String group) {
                if (e == event) {
                    count.incrementAndGet();
                }
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
                // not needed
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
                // not needed
            }
        };
    }
}
