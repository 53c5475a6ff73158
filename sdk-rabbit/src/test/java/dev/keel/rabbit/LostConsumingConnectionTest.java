package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.rabbit.internal.Names;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two members of a group on one partition; the broker closes the consuming connection of the
 * active member A ({@code rabbitmqctl close_connection}) while A holds a prefetched backlog. The
 * broker makes the standby B active at once and redelivers what A had not acknowledged, so A must
 * give its partition up at once too: it starts none of the records it still held (at most one per
 * handler lane that was already being started), whatever runs finishes unacknowledged, and A comes
 * back as a standby.
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class LostConsumingConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int LANES = 2;
    private static final int KEYS = 8;
    private static final int PER_KEY = 30;
    /** The partition's prefetch is maxInFlight: A holds this many records when its connection goes. */
    private static final int MAX_IN_FLIGHT = 120;
    /** A slow handler, so that A still holds a backlog of seconds when its connection is closed. */
    private static final Duration HANDLER_TIME = Duration.ofMillis(40);
    private static final int HANDLED_BEFORE_CLOSE = 10;

    private final HandlerRuns runs = new HandlerRuns();
    /**
     * Set by the tests that close A's connection while A holds a backlog: A's handlers that start from the
     * {@link #HANDLED_BEFORE_CLOSE}th on run until the connection is closed, so A still holds its backlog then however
     * long rabbitmqctl takes (tens of seconds on a busy machine, longer than A needs for the whole backlog).
     */
    private volatile boolean holdA;
    private final CountDownLatch aClosed = new CountDownLatch(1);

    @Test
    void aMemberWhoseConnectionIsClosedShouldStartNothingItHeldWhileTheNextMemberRunsIt() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "closes a connection with rabbitmqctl on the harness's node");
        String topic = RabbitTestSupport.unique("lost-conn");
        String nameA = RabbitTestSupport.unique("member-a");
        String nameB = RabbitTestSupport.unique("member-b");
        try (RevokeLog adapterA = new RevokeLog(new RabbitAdapter(RabbitTestSupport.config().connectionName(nameA)
                .build()));
             RabbitAdapter adapterB = new RabbitAdapter(RabbitTestSupport.config().connectionName(nameB).build());
             Keel a = Keel.builder(adapterA).withoutIdempotencyStore().build();
             Keel b = Keel.builder(adapterB).withoutIdempotencyStore().build()) {
            a.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            holdA = true;
            a.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE), d -> handle("a", d.id(), d.payload()));
            b.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE), d -> handle("b", d.id(), d.payload()));
            awaitStandby(rabbit, nameB);
            List<String> ids = publish(a, topic);
            await().atMost(WAIT).until(() -> runs.of("a").size() >= HANDLED_BEFORE_CLOSE);

            long closing = System.nanoTime();
            assertThat(RabbitNodeConnections.close(rabbit, nameA + "-consume")).as("A's consuming connection")
                    .isEqualTo(1);
            long closed = System.nanoTime();
            aClosed.countDown();
            await().atMost(WAIT).until(() -> runs.handledIds().containsAll(ids));

            // B receives only once the broker has taken the partition from A: from then on A holds nothing
            long bActive = runs.firstStart("b");
            assertThat(bActive).as("B took over").isPositive();
            long lost = Math.min(bActive, closed);
            List<HandlerRuns.Run> staleOnA = runs.startedAfter("a", lost);
            List<String> concurrent = runs.concurrentRunsOfOneMessage(staleOnA);
            long revoked = adapterA.firstRevokeSince(closing);
            long ranTwice = runs.timesPerId().values().stream().filter(n -> n > 1).count();
            assertThat(staleOnA).as("handlers A started after its connection was closed and B became active ("
                    + concurrent.size() + " of them ran at the same time as B ran the same message: " + concurrent
                    + "; " + ranTwice + " messages ran twice in all, keys out of order across the members: "
                    + HandlerRuns.keysOutOfOrder(runs.all()).size() + "); A's partition was "
                    + (revoked < 0 ? "never revoked" : "revoked "
                    + TimeUnit.NANOSECONDS.toMillis(revoked - closing) + " ms after close_connection was called"))
                    .hasSizeLessThanOrEqualTo(LANES);
            assertThat(concurrent).as("messages A had not started when B became active, run by both at once")
                    .hasSizeLessThanOrEqualTo(LANES);
            assertThat(revoked).as("A's partition revoked from its engine after the close").isPositive();
            assertThat(HandlerRuns.keysOutOfOrder(runs.of("b"))).as("per-key order on B, the active member")
                    .isEmpty();
        }
    }

    @Test
    void underEffectivelyOnceAMemberWhoseConnectionIsClosedShouldRepeatNoEffectAndKeepKeyOrderAcrossMembers()
            throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "closes a connection with rabbitmqctl on the harness's node");
        String topic = RabbitTestSupport.unique("lost-conn-eo");
        String nameA = RabbitTestSupport.unique("member-a");
        String nameB = RabbitTestSupport.unique("member-b");
        String storePrefix = RabbitTestSupport.unique("lost-conn-eo");
        try (RedisIdempotencyStore storeA = RabbitTestSupport.redisStore(storePrefix);
             RedisIdempotencyStore storeB = RabbitTestSupport.redisStore(storePrefix);
             RevokeLog adapterA = new RevokeLog(new RabbitAdapter(RabbitTestSupport.config().connectionName(nameA)
                     .build()));
             RabbitAdapter adapterB = new RabbitAdapter(RabbitTestSupport.config().connectionName(nameB).build());
             Keel a = Keel.builder(adapterA).idempotencyStore(storeA).build();
             Keel b = Keel.builder(adapterB).idempotencyStore(storeB).build()) {
            a.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            holdA = true;
            a.subscribe(config(topic, DeliveryGuarantee.EFFECTIVELY_ONCE), d -> handle("a", d.id(), d.payload()));
            b.subscribe(config(topic, DeliveryGuarantee.EFFECTIVELY_ONCE), d -> handle("b", d.id(), d.payload()));
            awaitStandby(rabbit, nameB);
            List<String> ids = publish(a, topic);
            await().atMost(WAIT).until(() -> runs.of("a").size() >= HANDLED_BEFORE_CLOSE);

            long closing = System.nanoTime();
            assertThat(RabbitNodeConnections.close(rabbit, nameA + "-consume")).as("A's consuming connection")
                    .isEqualTo(1);
            long closed = System.nanoTime();
            aClosed.countDown();
            await().atMost(WAIT).until(() -> runs.handledIds().containsAll(ids));

            List<HandlerRuns.Run> staleOnA = runs.startedAfter("a", closed);
            long revoked = adapterA.firstRevokeSince(closing);
            assertThat(staleOnA).as("handlers A started after close_connection returned; A's partition was "
                    + (revoked < 0 ? "never revoked" : "revoked " + TimeUnit.NANOSECONDS.toMillis(revoked - closing)
                    + " ms after close_connection was called")).hasSizeLessThanOrEqualTo(LANES);
            Map<String, Long> times = runs.timesPerId();
            assertThat(times.entrySet()).filteredOn(e -> e.getValue() > 1).as("effects applied more than once")
                    .isEmpty();
            assertThat(runs.concurrentRunsOfOneMessage(runs.all())).as("one message run by both members at once")
                    .isEmpty();
            assertThat(HandlerRuns.keysOutOfOrder(runs.all())).as("per-key order across both members").isEmpty();
            assertThat(runs.of("b")).as("B took over").isNotEmpty();
        }
    }

    @Test
    void aMemberWhoseConnectionWasClosedShouldComeBackAsStandbyAndTakeOverWhenTheActiveMemberLeaves()
            throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "closes a connection with rabbitmqctl on the harness's node");
        String topic = RabbitTestSupport.unique("lost-conn-back");
        String nameA = RabbitTestSupport.unique("member-a");
        String nameB = RabbitTestSupport.unique("member-b");
        try (RabbitAdapter adapterA = new RabbitAdapter(RabbitTestSupport.config().connectionName(nameA).build());
             RabbitAdapter adapterB = new RabbitAdapter(RabbitTestSupport.config().connectionName(nameB).build());
             Keel a = Keel.builder(adapterA).withoutIdempotencyStore().build();
             Keel b = Keel.builder(adapterB).withoutIdempotencyStore().build()) {
            a.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            Subscription subscriptionA = a.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE),
                    d -> handle("a", d.id(), d.payload()));
            Subscription subscriptionB = b.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE),
                    d -> handle("b", d.id(), d.payload()));
            awaitStandby(rabbit, nameB);
            assertThat(RabbitNodeConnections.close(rabbit, nameA + "-consume")).isEqualTo(1);
            await("A registered again on the partition queue and the member queue").atMost(WAIT)
                    .until(() -> RabbitNodeConsumers.of(rabbit, nameA + "-consume") == 2);

            List<String> first = publish(a, topic, "first", 5);
            await().atMost(WAIT).until(() -> runs.handledIds().containsAll(first));
            assertThat(runs.all()).as("B is the active member now, A a standby").allMatch(r -> r.member.equals("b"));

            subscriptionB.close();
            List<String> second = publish(a, topic, "second", 5);
            await("A took the partition over from B").atMost(WAIT)
                    .until(() -> runs.of("a").stream().map(r -> r.id).collect(Collectors.toSet()).containsAll(second));
            assertThat(subscriptionA.state()).isEqualTo(Subscription.State.RUNNING);
        }
    }

    @Test
    void aLaneClosedByTheBrokerForAnAckTimeoutShouldStartNothingItHeldOnceTheNextMemberIsActive() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "consumer_timeout is set on the harness's private node only");
        String topic = RabbitTestSupport.unique("ack-timeout-2");
        CountDownLatch release = new CountDownLatch(1);
        // channels check their oldest unacknowledged delivery every channel_tick_interval (60 s by default)
        try (RabbitNodeSetting tick = RabbitNodeSetting.set(rabbit, "channel_tick_interval", "200");
             RevokeLog adapterA = new RevokeLog(new RabbitAdapter(RabbitTestSupport.config()
                     .connectionName(RabbitTestSupport.unique("member-a")).build()));
             RabbitAdapter adapterB = new RabbitAdapter(RabbitTestSupport.config()
                     .connectionName(RabbitTestSupport.unique("member-b")).build());
             Keel a = Keel.builder(adapterA).withoutIdempotencyStore().build();
             Keel b = Keel.builder(adapterB).withoutIdempotencyStore().build()) {
            a.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            try (RabbitNodeSetting timeout = RabbitNodeSetting.set(rabbit, "consumer_timeout", "1000")) {
                a.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE), d -> {
                    if (d.id().equals("k0-0")) {
                        // the fault: a handler that runs longer than consumer_timeout
                        HandlerRuns.Run run = runs.start("a", d.id(), "k0", 0);
                        assertThat(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                        runs.end(run);
                    } else {
                        handle("a", d.id(), d.payload());
                    }
                });
            } // channels opened from here on (B's, A's reopened one) get the node's usual timeout
            b.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE), d -> handle("b", d.id(), d.payload()));
            long published = System.nanoTime();
            List<String> ids = publish(a, topic);
            await().atMost(WAIT).until(() -> runs.handledIds().containsAll(ids.subList(1, ids.size())));
            release.countDown();
            await().atMost(WAIT).until(() -> runs.handledIds().containsAll(ids));

            long bActive = runs.firstStart("b");
            assertThat(bActive).as("B took over once the broker closed A's channel").isPositive();
            List<HandlerRuns.Run> staleOnA = runs.startedAfter("a", bActive);
            long revoked = adapterA.firstRevokeSince(published);
            assertThat(staleOnA).as("handlers A started after B became active; A's partition was "
                    + (revoked < 0 ? "never revoked" : "revoked " + TimeUnit.NANOSECONDS.toMillis(revoked - bActive)
                    + " ms after B's first handler started")).hasSizeLessThanOrEqualTo(LANES);
            assertThat(revoked).as("A's partition revoked").isPositive();
            assertThat(HandlerRuns.keysOutOfOrder(runs.of("b"))).as("per-key order on B, the active member")
                    .isEmpty();
        }
    }

    /**
     * Pattern 8 (a subscription RUNNING that does not receive): the consuming connection is lost and,
     * before it comes back, the partition queue goes away (deleted); the partition must be consumed again:
     * the member declares the queue again, since the topic's record lists the group.
     */
    @Test
    void aPartitionWhoseQueueIsMissingWhenItsConnectionComesBackShouldBeDeclaredAgainAndConsumed()
            throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "closes a connection with rabbitmqctl on the harness's node");
        String topic = RabbitTestSupport.unique("lost-conn-queue");
        String name = RabbitTestSupport.unique("member");
        TopicSpec spec = TopicSpec.builder(topic).partitions(1).group("g").build();
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().connectionName(name).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            keel.ensureTopology(spec);
            Subscription subscription = keel.subscribe(config(topic, DeliveryGuarantee.AT_LEAST_ONCE),
                    d -> handle("a", d.id(), d.payload()));
            List<String> before = publish(keel, topic, "before", 1);
            await().atMost(WAIT).until(() -> runs.handledIds().containsAll(before));

            assertThat(RabbitNodeConnections.close(rabbit, name + "-consume")).isEqualTo(1);
            raw.channel().queueDelete(Names.laneQueue(topic, "g", 0));
            // back on a new connection, the member declares the missing queue again (the topic's record lists the
            // group) and consumes it
            await("the member back on a new connection, its partition queue declared again").atMost(WAIT)
                    .until(() -> RabbitNodeConsumers.of(rabbit, name + "-consume") == 2);
            List<String> after = publish(keel, topic, "after", 2);
            await("the partition consumed again once its queue was back").atMost(WAIT)
                    .until(() -> runs.handledIds().containsAll(after));
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        }
    }

    /**
     * Waits until B consumes the partition queue and the member queue as a standby: closing A's connection before
     * would let A take its partition back on reconnecting, and the test would show nothing about a hand-over.
     */
    private static void awaitStandby(RabbitEndpoint rabbit, String nameB) {
        await("B registered on the partition queue and the member queue").atMost(WAIT)
                .until(() -> RabbitNodeConsumers.of(rabbit, nameB + "-consume") == 2);
    }

    private static SubscriptionConfig<String> config(String topic, DeliveryGuarantee guarantee) {
        return SubscriptionConfig.builder(topic, "g", Codec.utf8()).guarantee(guarantee).ordering(Ordering.PER_KEY)
                .lanes(LANES).maxInFlight(MAX_IN_FLIGHT).build();
    }

    /** The handler of both members: records the run, takes {@link #HANDLER_TIME}. */
    private void handle(String member, String id, String payload) {
        String[] keyAndSeq = payload.split(":");
        HandlerRuns.Run run = runs.start(member, id, keyAndSeq[0], Integer.parseInt(keyAndSeq[1]));
        LockSupport.parkNanos(HANDLER_TIME.toNanos()); // the handler's work (not a wait for a condition)
        if (holdA && member.equals("a") && runs.of("a").size() >= HANDLED_BEFORE_CLOSE) {
            try {
                aClosed.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        runs.end(run);
    }

    /** Publishes {@link #PER_KEY} messages on each of {@link #KEYS} keys, interleaved, and waits for the confirms. */
    private static List<String> publish(Keel keel, String topic) throws Exception {
        return publish(keel, topic, "k", PER_KEY);
    }

    private static List<String> publish(Keel keel, String topic, String keyPrefix, int perKey) throws Exception {
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int seq = 0; seq < perKey; seq++) {
            for (int k = 0; k < KEYS; k++) {
                String key = keyPrefix + k;
                String id = key + "-" + seq;
                ids.add(id);
                sent.add(keel.publisher().publishAsync(topic, Message.builder(key + ":" + seq, Codec.utf8()).id(id)
                        .key(key).build()).toCompletableFuture());
            }
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return ids;
    }
}
