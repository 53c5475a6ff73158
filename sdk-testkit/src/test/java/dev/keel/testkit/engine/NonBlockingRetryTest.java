package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.MessageHandler;
import dev.keel.NonRetriableException;
import dev.keel.PublishException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.OutboundRecord;
import dev.keel.testkit.Crash;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Non-blocking retry ({@link RetryMode#NON_BLOCKING}) on the in-memory broker: a failed message goes
 * to the subscription's retry topic with its backoff as delivery time, the original is acknowledged,
 * the partition keeps flowing, and after the last attempt the message is dead-lettered with its
 * attempt count and cause.
 */
class NonBlockingRetryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final String RETRY = TOPIC + "." + GROUP + ".retry";
    private static final String DLT = TOPIC + ".DLT";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final MutableClock clock = new MutableClock();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private BrokerAdapter adapter = broker.connect();
    private Keel keel;

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
        }
        adapter.close();
        broker.close();
    }

    private Keel keel() {
        if (keel == null) {
            keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).clock(clock).build();
        }
        return keel;
    }

    private void declare() {
        keel().ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build(),
                TopicSpec.builder(DLT).partitions(1).group("ops").build());
    }

    private Subscription subscribe(RetryPolicy policy, int maxInFlight, MessageHandler<String> handler) {
        return keel().subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.UNORDERED)
                .retryMode(RetryMode.NON_BLOCKING).retryPolicy(policy).lanes(1).maxInFlight(maxInFlight).build(), d -> {
                    calls.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                    handler.handle(d);
                    effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                });
    }

    private void publish(String... ids) {
        TypedPublisher<String> orders = keel().publisher(TOPIC, Codec.utf8());
        for (String id : ids) {
            orders.message(id).id(id).key("same-key").publish();
        }
    }

    private long committed(String topic) {
        return broker.committedOffsets(topic, GROUP).values().stream().mapToLong(Long::longValue).sum();
    }

    private static RetryPolicy policy(int attempts, Duration initialBackoff) {
        return RetryPolicy.custom().maxAttempts(attempts).initialBackoff(initialBackoff).multiplier(2.0).jitter(0.0)
                .maxBackoff(Duration.ofHours(2)).build();
    }

    private static MessageHandler<String> poisonIs(String poisonId) {
        return d -> {
            if (d.id().equals(poisonId)) {
                throw new IllegalStateException("cannot bill " + poisonId);
            }
        };
    }

    @Test
    void failingMessageShouldNotBlockTheMessagesBehindItInItsPartition() {
        declare();
        String[] good = IntStream.range(0, 20).mapToObj(i -> "good-" + i).toArray(String[]::new);
        publish("poison");
        publish(good);

        // a backoff of an hour: in place, the poison message would hold the partition (2 in flight) that long
        subscribe(policy(3, Duration.ofHours(1)), 2, poisonIs("poison"));

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(effects.keySet()).containsAll(List.of(good)));
        await().atMost(PATIENCE).until(() -> committed(TOPIC) == 21L);
        // the due time is an hour after the injected clock's now, which is in the wall clock's past: the copies
        // may come back at once; what matters here is that the good messages did not wait for them
        assertThat(broker.records(RETRY)).extracting(StoredRecord::id).containsOnly("poison");
        assertThat(broker.records(RETRY).get(0).headers()).containsEntry(KeelHeaders.RETRY_ATTEMPT, "2")
                .containsEntry(KeelHeaders.RETRY_CAUSE_CLASS, IllegalStateException.class.getName())
                .containsEntry(KeelHeaders.RETRY_CAUSE_MESSAGE, "cannot bill poison")
                .containsEntry(KeelHeaders.RETRY_ORIGIN_TOPIC, TOPIC)
                .containsEntry(KeelHeaders.DELIVER_AT, Long.toString(clock.millis() + Duration.ofHours(1).toMillis()));
    }

    @Test
    void attemptsShouldFollowThePolicyWithBackoffOnTheInjectedClockThenBeDeadLetteredWithTheirCount() {
        declare();
        publish("poison");
        long start = clock.millis();

        subscribe(policy(4, Duration.ofSeconds(1)), 8, poisonIs("poison"));

        await().atMost(PATIENCE).until(() -> broker.records(DLT).size() == 1);
        List<StoredRecord> retries = broker.records(RETRY);
        assertThat(retries).extracting(r -> r.headers().get(KeelHeaders.RETRY_ATTEMPT)).containsExactly("2", "3", "4");
        assertThat(retries).extracting(r -> Long.parseLong(r.headers().get(KeelHeaders.DELIVER_AT)) - start)
                .as("backoff 1 s doubling, on the injected clock").containsExactly(1_000L, 2_000L, 4_000L);
        Map<String, String> deadLetter = broker.records(DLT).get(0).headers();
        assertThat(deadLetter).containsEntry(KeelHeaders.DLT_ATTEMPTS, "4")
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, IllegalStateException.class.getName())
                .containsEntry(KeelHeaders.DLT_ORIGIN_TOPIC, TOPIC);
        assertThat(calls.get("poison")).hasValue(4);
        await().atMost(PATIENCE).until(() -> committed(TOPIC) == 1L && committed(RETRY) == 3L);
    }

    @Test
    void nonRetriableFailureShouldBeDeadLetteredAtOnceWithoutARetry() {
        declare();
        publish("invalid");

        subscribe(policy(5, Duration.ofMillis(10)), 8, d -> {
            throw new NonRetriableException("order has no customer");
        });

        await().atMost(PATIENCE).until(() -> broker.records(DLT).size() == 1 && committed(TOPIC) == 1L);
        assertThat(broker.records(RETRY)).isEmpty();
        assertThat(broker.records(DLT).get(0).headers()).containsEntry(KeelHeaders.DLT_ATTEMPTS, "1");
        assertThat(calls.get("invalid")).hasValue(1);
    }

    @Test
    void crashBetweenTheRetryPublishAndTheAckShouldApplyTheEffectOnceUnderEffectivelyOnce() throws Exception {
        LostAckAdapter losing = new LostAckAdapter(adapter, "flaky");
        adapter = losing;
        declare();
        publish("flaky");
        AtomicInteger runs = new AtomicInteger();
        MessageHandler<String> failsOnce = d -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("first try fails");
            }
        };
        Subscription doomed = subscribe(policy(5, Duration.ofMillis(50)), 8, failsOnce);
        losing.ackLost().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(broker.records(RETRY)).as("retry copy confirmed before the (lost) ack").hasSize(1);
        Crash.crash(doomed).toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

        subscribe(policy(5, Duration.ofMillis(50)), 8, failsOnce);

        await().atMost(PATIENCE).until(() -> committed(TOPIC) == 1L && committed(RETRY) == 1L);
        assertThat(effects.get("flaky")).as("the original's redelivery and the retry copy share one id's state")
                .hasValue(1);
        assertThat(broker.records(DLT)).isEmpty();
    }

    @Test
    void retryPublishFailingShouldFallBackToInPlaceRetriesNeverAcknowledgingAnUnretriedMessage() {
        declare();
        broker.faults().failPublishesTo(RETRY, new PublishException("retry topic refuses", null, true));
        publish("flaky");
        AtomicInteger runs = new AtomicInteger();

        subscribe(policy(3, Duration.ofMillis(20)), 8, d -> {
            if (runs.incrementAndGet() < 3) {
                throw new IllegalStateException("fails twice");
            }
        });

        await().atMost(PATIENCE).until(() -> committed(TOPIC) == 1L);
        assertThat(effects.get("flaky")).as("handled in place on its third attempt").hasValue(1);
        assertThat(runs).hasValue(3);
        assertThat(broker.records(RETRY)).isEmpty();
        assertThat(broker.records(DLT)).isEmpty();
    }

    /**
     * Topic {@code a.b} with group {@code g} and topic {@code a} with group {@code b.g} have one retry topic name,
     * {@code a.b.g.retry}, and both groups consume it: each must run only the retries of its own messages.
     */
    @Test
    void subscriptionsWhoseRetryTopicsCollideShouldEachRunOnlyTheirOwnRetries() {
        Map<String, String> handledBy = new ConcurrentHashMap<>();
        Map<String, List<String>> strangers = new ConcurrentHashMap<>();
        String sharedRetryTopic = adapter.retryTopic("a.b", "g");
        assertThat(adapter.retryTopic("a", "b.g")).as("the two retry topics collide").isEqualTo(sharedRetryTopic);
        keel().ensureTopology(TopicSpec.builder("a.b").partitions(1).group("g").build(),
                TopicSpec.builder("a").partitions(1).group("b.g").build());
        subscribeFailingOncePerMessage("a.b", "g", handledBy, strangers);
        subscribeFailingOncePerMessage("a", "b.g", handledBy, strangers);

        for (int i = 0; i < 5; i++) {
            keel().publisher("a.b", Codec.utf8()).message("ab-" + i).id("ab-" + i).publish();
            keel().publisher("a", Codec.utf8()).message("a-" + i).id("a-" + i).publish();
        }

        await().atMost(PATIENCE).until(() -> handledBy.size() == 10
                && committed(sharedRetryTopic, "g") == broker.records(sharedRetryTopic).size()
                && committed(sharedRetryTopic, "b.g") == broker.records(sharedRetryTopic).size());
        assertThat(strangers).as("messages run by the other subscription's handler").isEmpty();
        assertThat(handledBy).allSatisfy((id, by) -> assertThat(by).isEqualTo(id.startsWith("ab-") ? "a.b/g" : "a/b.g"));
        assertThat(broker.records(sharedRetryTopic)).as("one retry copy per message").hasSize(10)
                .allSatisfy(r -> assertThat(r.headers()).containsEntry(KeelHeaders.RETRY_ORIGIN_GROUP,
                        r.id().startsWith("ab-") ? "g" : "b.g"));
        assertThat(broker.records("a.b.DLT")).isEmpty();
        assertThat(broker.records("a.DLT")).isEmpty();
    }

    /**
     * Retry copies an earlier Keel wrote, naming their origin topic but no group, still run after the upgrade, each
     * in the subscription of its origin topic only.
     */
    @Test
    void retryCopiesOfAnEarlierKeelShouldRunInTheSubscriptionOfTheirOriginTopic() {
        Map<String, String> handledBy = new ConcurrentHashMap<>();
        Map<String, List<String>> strangers = new ConcurrentHashMap<>();
        String sharedRetryTopic = adapter.retryTopic("a.b", "g");
        keel().ensureTopology(TopicSpec.builder("a.b").partitions(1).group("g").build(),
                TopicSpec.builder("a").partitions(1).group("b.g").build(),
                TopicSpec.builder(sharedRetryTopic).partitions(1).group("g").group("b.g").build());
        for (String id : List.of("ab-0", "a-0")) {
            Map<String, String> headers = Map.of(KeelHeaders.ID, id, KeelHeaders.RETRY_ATTEMPT, "2",
                    KeelHeaders.RETRY_ORIGIN_TOPIC, id.startsWith("ab-") ? "a.b" : "a");
            adapter.producer().send(new OutboundRecord(sharedRetryTopic, id, null, headers,
                    id.getBytes(StandardCharsets.UTF_8), clock.instant())).toCompletableFuture().join();
        }

        subscribeFailingOncePerMessage("a.b", "g", handledBy, strangers);
        subscribeFailingOncePerMessage("a", "b.g", handledBy, strangers);

        await().atMost(PATIENCE).until(() -> handledBy.size() == 2
                && committed(sharedRetryTopic, "g") == broker.records(sharedRetryTopic).size()
                && committed(sharedRetryTopic, "b.g") == broker.records(sharedRetryTopic).size());
        assertThat(strangers).as("messages run by the other subscription's handler").isEmpty();
        assertThat(handledBy).containsOnly(Map.entry("ab-0", "a.b/g"), Map.entry("a-0", "a/b.g"));
    }

    /** A subscription whose handler fails each message's first attempt and notes whose messages it ran. */
    private void subscribeFailingOncePerMessage(String topic, String group, Map<String, String> handledBy,
                                                Map<String, List<String>> strangers) {
        String self = topic + "/" + group;
        String ownPrefix = topic.equals("a.b") ? "ab-" : "a-";
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        keel().subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.UNORDERED)
                .retryMode(RetryMode.NON_BLOCKING).retryPolicy(policy(3, Duration.ofMillis(10))).build(), d -> {
                    if (!d.id().startsWith(ownPrefix)) {
                        strangers.computeIfAbsent(self, s -> new CopyOnWriteArrayList<>()).add(d.id());
                    }
                    if (attempts.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet() == 1) {
                        throw new IllegalStateException(self + " fails the first attempt of " + d.id());
                    }
                    handledBy.merge(d.id(), self, (a, b) -> a + "," + b);
                });
    }

    private long committed(String topic, String group) {
        return broker.committedOffsets(topic, group).values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void adapterWithoutNonBlockingRetryShouldRefuseTheSubscriptionSayingWhatToDo() {
        adapter = new OutOfProcessAdapter(adapter, Capability.NON_BLOCKING_RETRY);
        declare();

        assertThatThrownBy(() -> subscribe(policy(3, Duration.ofMillis(10)), 8, d -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("NON_BLOCKING_RETRY")
                .hasMessageContaining("RetryMode.IN_PLACE");
        assertThat(broker.topics()).doesNotContain(RETRY);
    }

    @Test
    void perKeyOrderingShouldRejectNonBlockingRetryWithTheReason() {
        assertThatThrownBy(() -> SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                        .ordering(Ordering.PER_KEY).retryMode(RetryMode.NON_BLOCKING).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PER_KEY")
                .hasMessageContaining("in-place").hasMessageContaining("UNORDERED");
    }
}
