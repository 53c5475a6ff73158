package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.rabbit.internal.Names;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitCluster;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A three-node RabbitMQ cluster (the harness's {@link RabbitCluster}), Keel's lane queues as quorum
 * queues over the three nodes, and the node leading a lane killed with kill -9 (or its application
 * stopped) while messages flow under EFFECTIVELY_ONCE with Redis: nothing confirmed is lost, no effect
 * runs twice, each key's messages are handled in publish order. The adapter is given all three
 * addresses. Tagged {@code cluster}: runs with {@code -Pcluster} (docs/high-availability.md).
 */
@Tag("cluster")
@UsesBrokers(BrokerKind.REDIS)
// the two-member test last: it kills a node too, and a kill right after its node came back can leave quorum queues
// without a majority while that node still catches up (seen as publishes refused until the stream timed out)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RabbitClusterFailoverTest {

    private static final int MESSAGES = 15_000;
    /** The two-member test's stream: long enough to span the failover, short enough to keep it under a minute. */
    private static final int SAC_MESSAGES = 6_000;
    private static final int BATCH = 25;
    private static final int KEYS = 13;
    private static final int PARTITIONS = 3;
    private static final Duration PATIENCE = Duration.ofSeconds(180);
    /**
     * How long a stream may take to finish once a lane leader failed: it takes seconds, and publishing
     * recovers within seconds (a channel nacked by the broker is replaced); the bound is generous.
     */
    private static final Duration STREAM_PATIENCE = Duration.ofSeconds(180);
    /** The adapter's pause between reconnection attempts, and the stream's pause after a failed batch. */
    private static final Duration RECOVERY_INTERVAL = Duration.ofMillis(500);

    private static RabbitCluster cluster;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> handledPerKey = new ConcurrentHashMap<>();
    private final Gaps confirmGaps = new Gaps();
    private final Gaps effectGaps = new Gaps();
    private final KeyRuns keyRuns = new KeyRuns();
    private final Map<String, AtomicInteger> handledBy = new ConcurrentHashMap<>();

    @BeforeAll
    static void startCluster() {
        cluster = RabbitCluster.local();
    }

    @AfterEach
    void closeAndHeal() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        cluster.heal();
    }

    @Test
    void theNodeLeadingALaneKilledMidStreamShouldLoseNoConfirmedMessageAndRepeatNoEffect() throws Exception {
        streamWhileFailing("rha-kill", "lane leader killed (kill -9)", cluster::kill);
    }

    @Test
    void theNodeLeadingALaneStoppedMidStreamShouldLoseNoConfirmedMessageAndRepeatNoEffect() throws Exception {
        streamWhileFailing("rha-stop", "lane leader stopped (stop_app)", cluster::stopApp);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void twoMembersShouldKeepOneActiveConsumerPerLaneAndKeyOrderWhenALaneLeaderIsKilled() throws Exception {
        String topic = RabbitTestSupport.unique("rha-sac");
        String group = RabbitTestSupport.unique("billing");
        String store = UniqueNames.keyPrefix("rabbit-ha-sac");
        Keel first = keel("keel-ha-a", store);
        Keel second = keel("keel-ha-b", store);
        first.ensureTopology(TopicSpec.builder(topic).partitions(PARTITIONS).build());
        subscribe(first, topic, group, "a");
        subscribe(second, topic, group, "b");
        List<String> lanes = IntStream.range(0, PARTITIONS).mapToObj(p -> Names.laneQueue(topic, group, p)).toList();
        await().atMost(PATIENCE).untilAsserted(() -> assertOneActiveConsumerPerMember(lanes, "none"));
        // the lane to fail: one whose leader also holds the channel of its active consumer, when there is
        // one (the member consuming it then loses its connection too), else lane 0
        String lane = lanes.stream().filter(q -> cluster.consumersOf(q).stream()
                .anyMatch(c -> c.getValue() && c.getKey().equals(cluster.leaderOf(q)))).findFirst().orElse(lanes.get(0));
        String leader = cluster.leaderOf(lane);
        boolean activeConsumerOnLeader = cluster.consumersOf(lane).stream()
                .anyMatch(c -> c.getValue() && c.getKey().equals(leader));

        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(
                () -> publish(first, topic, SAC_MESSAGES, confirmed, failures));
        await().atMost(PATIENCE).until(() -> confirmed.size() >= SAC_MESSAGES / 10);
        long failedAt = System.nanoTime();
        cluster.kill(leader);
        int confirmedWhileFailing = confirmed.size();
        stream.get(STREAM_PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(confirmedWhileFailing).as("the node was killed mid-stream").isLessThan(SAC_MESSAGES);
        assertPublishingWentOn(SAC_MESSAGES, confirmedWhileFailing, confirmed, failures);
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class));
        await().atMost(STREAM_PATIENCE).until(() -> effects.keySet().containsAll(confirmed));
        long recoveredAt = System.nanoTime();
        assertThat(cluster.leaderOf(lane)).as("the lane has a new leader").isNotEqualTo(leader);
        // while the node is down, the consumers of channels on it stay listed, inactive (the queue suspects
        // them down until the node returns): count the live nodes' consumers
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertOneActiveConsumerPerMember(lanes, leader));
        long ghosts = lanes.stream().flatMap(q -> cluster.consumersOf(q).stream())
                .filter(c -> c.getKey().equals(leader)).count();
        report("two members, lane leader killed (kill -9), the lane's active consumer "
                + (activeConsumerOnLeader ? "on it" : "elsewhere") + "; messages handled per instance " + handledBy + "; "
                + ghosts + " consumers of the dead node listed, inactive", failures, (recoveredAt - failedAt) / 1_000_000);
        assertEffectsOnceInKeyOrder();

        cluster.heal();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertOneActiveConsumerPerMember(lanes, "none"));
    }

    /**
     * Each lane has one consumer of each of the two members on the live nodes, exactly one consumer
     * active; consumers of channels on {@code deadNode} are listed but none is active.
     */
    private static void assertOneActiveConsumerPerMember(List<String> lanes, String deadNode) {
        for (String lane : lanes) {
            List<Map.Entry<String, Boolean>> consumers = cluster.consumersOf(lane);
            Supplier<String> described = () -> "consumers of " + lane + " (node of the channel=active): " + consumers
                    + "; all consumers, channels and connections:\n"
                    + cluster.rabbitmqctl("list_consumers", "queue_name", "channel_pid", "consumer_tag", "active")
                    + cluster.rabbitmqctl("list_channels", "pid", "name", "consumer_count")
                    + cluster.rabbitmqctl("list_connections", "name", "client_properties");
            assertThat(consumers.stream().filter(Map.Entry::getValue)).as(described).hasSize(1)
                    .allSatisfy(active -> assertThat(active.getKey()).isNotEqualTo(deadNode));
            assertThat(consumers.stream().filter(c -> !c.getKey().equals(deadNode))).as(described).hasSize(2);
        }
    }

    @Test
    void aClientGivenAllAddressesShouldConnectToALiveNode() {
        String down = cluster.nodeNames().get(0);
        cluster.stopApp(down);
        String topic = RabbitTestSupport.unique("rha-addr");
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        subscribe(keel, topic);
        for (int i = 0; i < 20; i++) {
            keel.publisher().publish(topic, Message.builder(String.valueOf(i), Codec.utf8()).id(topic + "-" + i)
                    .key("k").build());
        }
        await().atMost(PATIENCE).until(() -> effects.size() == 20);
        assertEffectsOnceInKeyOrder();
    }

    /**
     * Publishes and consumes the stream on a new topic, fails the node leading lane 0 once a third is
     * confirmed, and checks that every confirmed message took effect once, in key order.
     */
    private void streamWhileFailing(String prefix, String what, Consumer<String> fail) throws Exception {
        String topic = RabbitTestSupport.unique(prefix);
        String group = RabbitTestSupport.unique("billing");
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(PARTITIONS).build());
        subscribe(keel, topic, group);
        String lane = Names.laneQueue(topic, group, 0);
        String leader = cluster.leaderOf(lane); // asked before the stream: rabbitmqctl takes seconds

        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        // the stream's second half waits for the failure: stopping a node can take longer than the whole stream
        CountDownLatch nodeFailed = new CountDownLatch(1);
        CompletableFuture<Void> stream = CompletableFuture.runAsync(
                () -> publish(keel, topic, MESSAGES, confirmed, failures, nodeFailed));
        await().atMost(PATIENCE).until(() -> confirmed.size() >= MESSAGES / 10);
        long failedAt = System.nanoTime();
        int confirmedBefore = confirmed.size();
        fail.accept(leader);
        int confirmedWhileFailing = confirmed.size();
        nodeFailed.countDown();
        stream.get(STREAM_PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(confirmedWhileFailing).as("the node failed mid-stream").isLessThan(MESSAGES);
        assertPublishingWentOn(MESSAGES, confirmedWhileFailing, confirmed, failures);
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class));
        await().atMost(STREAM_PATIENCE).until(() -> effects.keySet().containsAll(confirmed));
        long recoveredAt = System.nanoTime();
        assertThat(cluster.leaderOf(lane)).as("lane 0 has a new leader").isNotEqualTo(leader);
        report(what + " after " + confirmedBefore + " of " + MESSAGES + " confirmed", failures,
                (recoveredAt - failedAt) / 1_000_000);
        assertEffectsOnceInKeyOrder();
    }

    private Keel keel() {
        return keel("keel-ha", UniqueNames.keyPrefix("rabbit-ha"));
    }

    /** One Keel instance; instances of one group share {@code storePrefix}, their idempotency store. */
    private Keel keel(String connectionName, String storePrefix) {
        RabbitAdapter adapter = new RabbitAdapter(RabbitConfig.custom().uri(cluster.uri())
                .addresses(cluster.addresses()).connectionName(connectionName)
                .recoveryInterval(RECOVERY_INTERVAL).rebalanceInterval(Duration.ofMillis(500)).build());
        resources.add(adapter);
        RedisIdempotencyStore store = RabbitTestSupport.redisStore(storePrefix);
        resources.add(store);
        Keel keel = Keel.builder(adapter).idempotencyStore(store)
                .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(40))
                        .openDuration(Duration.ofSeconds(1)).sequentialPerKey(true).build()).build();
        resources.add(keel);
        return keel;
    }

    private void subscribe(Keel keel, String topic) {
        subscribe(keel, topic, RabbitTestSupport.unique("billing"));
    }

    private void subscribe(Keel keel, String topic, String group) {
        subscribe(keel, topic, group, "the only instance");
    }

    /** Subscribes {@code instance} (a name for the records) to the group with PER_KEY ordering. */
    private void subscribe(Keel keel, String topic, String group, String instance) {
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).ordering(Ordering.PER_KEY)
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), delivery -> {
                    keyRuns.start(delivery.key(), instance, delivery.id());
                    try {
                        effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                        effectGaps.tick();
                        handledPerKey.computeIfAbsent(delivery.key(), k -> new CopyOnWriteArrayList<>())
                                .add(Integer.parseInt(delivery.payload()));
                        handledBy.computeIfAbsent(instance, i -> new AtomicInteger()).incrementAndGet();
                    } finally {
                        keyRuns.end(delivery.key(), instance);
                    }
                });
    }

    /**
     * Per key, the instance running a handler for it now; a handler of the key starting while another
     * runs (on any instance) is recorded as an overlap.
     */
    private static final class KeyRuns {
        private final Map<String, String> running = new ConcurrentHashMap<>();
        private final List<String> overlaps = new CopyOnWriteArrayList<>();

        void start(String key, String instance, String id) {
            String other = running.putIfAbsent(key, instance);
            if (other != null) {
                overlaps.add("key " + key + ": " + instance + " started " + id + " while " + other + " ran one");
            }
        }

        void end(String key, String instance) {
            running.remove(key, instance);
        }

        List<String> overlaps() {
            return overlaps;
        }
    }

    /** The longest time between two successive events: how long publishing or consuming stood still. */
    private static final class Gaps {
        private final AtomicLong last = new AtomicLong();
        private final AtomicLong longest = new AtomicLong();

        void tick() {
            long now = System.nanoTime();
            long previous = last.getAndSet(now);
            if (previous != 0) {
                longest.accumulateAndGet(now - previous, Math::max);
            }
        }

        long longestMillis() {
            return longest.get() / 1_000_000;
        }
    }

    /**
     * Figures for docs/high-availability.md, not checks: how long publishing and consuming stood still,
     * and the time from the failure until every confirmed message had taken effect (the rest of the stream
     * included).
     */
    private void report(String what, List<Throwable> failures, long allConsumedMillis) {
        System.out.printf("%s: the longest pause between two confirms %d ms, between two effects %d ms; "
                + "%d publishes failed (%s); every confirmed message consumed %d ms after the failure%n", what,
                confirmGaps.longestMillis(), effectGaps.longestMillis(), failures.size(),
                distinct(failures),
                allConsumedMillis);
    }

    /** Publishes the stream in batches, each message once (its failures recorded, not retried). */
    private void publish(Keel keel, String topic, int messages, Set<String> confirmed, List<Throwable> failures) {
        publish(keel, topic, messages, confirmed, failures, new CountDownLatch(0));
    }

    /** Publishes {@code messages} in batches; the second half only once {@code halfway} is open. */
    private void publish(Keel keel, String topic, int messages, Set<String> confirmed, List<Throwable> failures,
                         CountDownLatch halfway) {
        for (int from = 0; from < messages; from += BATCH) {
            if (from >= messages / 2) {
                try {
                    if (!halfway.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the stream waited " + PATIENCE + " for the node to fail");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            List<CompletableFuture<Void>> batch = new ArrayList<>();
            int failedBefore = failures.size();
            for (int i = from; i < from + BATCH; i++) {
                String id = topic + "-" + i;
                batch.add(keel.publisher().publishAsync(topic, Message.builder(String.valueOf(i), Codec.utf8()).id(id)
                        .key("k" + (i % KEYS)).build()).toCompletableFuture().handle((receipt, error) -> {
                            if (error == null) {
                                confirmed.add(id);
                                confirmGaps.tick();
                            } else {
                                failures.add(error instanceof CompletionException ? error.getCause() : error);
                            }
                            return null;
                        }));
            }
            // one batch at a time: a key's next batch is published after its previous one completed
            batch.forEach(CompletableFuture::join);
            if (failures.size() > failedBefore) {
                // as an application would back off: publishes fail fast until the adapter reconnects, and
                // without a pause the rest of the stream would fail within one reconnection interval
                LockSupport.parkNanos(RECOVERY_INTERVAL.toNanos());
            }
        }
    }

    /**
     * Most of the messages published after the failure were confirmed: publishing recovered within
     * seconds instead of being refused until the node returned (RabbitMQ 3.10 nacks every publish of
     * a channel that first reached a quorum queue while its record still named the dead leader).
     */
    private static void assertPublishingWentOn(int messages, int confirmedWhileFailing, Set<String> confirmed,
                                               List<Throwable> failures) {
        int publishedAfter = messages - confirmedWhileFailing;
        assertThat(confirmed.size() - confirmedWhileFailing).as(() -> "confirmed of the " + publishedAfter
                + " messages published after the failure; " + failures.size() + " failed, the last: "
                + distinct(failures) + "; the cluster now: " + clusterStatus()).isGreaterThan(publishedAfter / 2);
    }

    /** rabbitmqctl cluster_status on a node that serves, or why none answers. */
    private static String clusterStatus() {
        try {
            return cluster.rabbitmqctl("cluster_status");
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** The failures' distinct messages (digits as N), each with what the broker said before the breaker refused it. */
    private static List<String> distinct(List<Throwable> failures) {
        return failures.stream().map(e -> Stream.concat(Stream.of(e), Stream.of(e.getSuppressed()))
                .map(t -> t.getMessage().replaceAll("[0-9]+", "N")).collect(Collectors.joining("; before: ")))
                .distinct().toList();
    }

    private void assertEffectsOnceInKeyOrder() {
        assertThat(keyRuns.overlaps()).as("handlers of one key running at once").isEmpty();
        assertThat(effects.values()).allSatisfy(n -> assertThat(n.get()).as("effects of one message").isEqualTo(1));
        handledPerKey.forEach((key, sequence) -> assertThat(sequence).as("order of key " + key).isSorted());
    }
}
