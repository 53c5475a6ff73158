package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.MessageHandler;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A second member joins a group under load: it takes a share of the keys, no key runs on two members
 * at once, each key's messages run in publish order and each effect is applied once.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class MemberJoiningTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int KEYS = 20;
    private static final int MESSAGES = 600;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aMemberJoiningUnderLoadShouldTakeKeysWithoutRunningAKeyTwiceOrOutOfOrder(JmsLine line) throws Exception {
        String topic = UniqueNames.of("jms-join");
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        Keel first = keel(line, store);
        first.ensureTopology(TopicSpec.builder(topic).partitions(8).group("g").build());
        Map<String, List<Integer>> effects = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        AtomicInteger byFirst = new AtomicInteger();
        AtomicInteger bySecond = new AtomicInteger();
        java.util.concurrent.CountDownLatch joined = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean();
        // the first member holds one message of k-0 unfinished while the second joins: had the broker given k-0 to
        // the second member at once, its next messages would run there meanwhile (an overlap)
        Subscription one = first.subscribe(config(topic), handler(effects, running, overlaps, byFirst, d -> {
            if (d.key().equals("k-0") && joined.getCount() == 0 && held.compareAndSet(false, true)) {
                try {
                    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                            .until(() -> bySecond.get() > MESSAGES / 10);
                } catch (org.awaitility.core.ConditionTimeoutException waitedEnough) {
                    // the second member got nothing meanwhile: what the broker should do
                }
            }
        }));
        closeables.add(one);

        Thread publisher = new Thread(() -> {
            for (int i = 0; i < MESSAGES; i++) {
                first.publisher(topic, Codec.utf8()).message(Integer.toString(i)).id("m-" + i).key("k-" + (i % KEYS))
                        .publish();
            }
        });
        publisher.start();
        await().atMost(WAIT).until(() -> byFirst.get() >= MESSAGES / 6);
        Keel second = keel(line, store);
        joined.countDown();
        Subscription two = second.subscribe(config(topic), handler(effects, running, overlaps, bySecond, d -> { }));
        closeables.add(two);
        publisher.join(WAIT.toMillis());

        await().atMost(WAIT).until(() -> effects.values().stream().mapToInt(List::size).sum() >= MESSAGES);
        assertThat(overlaps).as("a key running on two members at once").isEmpty();
        assertThat(bySecond.get()).as("messages handled by the member that joined").isPositive();
        for (int k = 0; k < KEYS; k++) {
            List<Integer> expected = new ArrayList<>();
            for (int i = k; i < MESSAGES; i += KEYS) {
                expected.add(i);
            }
            assertThat(effects.get("k-" + k)).as("key k-%d: once each, in publish order", k).isEqualTo(expected);
        }
    }

    private Keel keel(JmsLine line, InMemoryIdempotencyStore store) {
        BrokerAdapter adapter = line.adapter();
        closeables.add(adapter);
        Keel keel = Keel.builder(adapter).idempotencyStore(store).build();
        closeables.add(keel);
        return keel;
    }

    private static SubscriptionConfig<String> config(String topic) {
        return SubscriptionConfig.builder(topic, "g", Codec.utf8()).lanes(4).build();
    }

    private static MessageHandler<String> handler(Map<String, List<Integer>> effects, Map<String, AtomicInteger> running,
                                                  List<String> overlaps, AtomicInteger count,
                                                  java.util.function.Consumer<dev.keel.Delivery<String>> during) {
        return d -> {
            AtomicInteger now = running.computeIfAbsent(d.key(), k -> new AtomicInteger());
            if (now.incrementAndGet() > 1) {
                overlaps.add(d.id());
            }
            try {
                during.accept(d);
                effects.computeIfAbsent(d.key(), k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(d.payload()));
                count.incrementAndGet();
            } finally {
                now.decrementAndGet();
            }
        };
    }
}
