package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
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
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker killed ({@code kill -9}) and restarted mid-stream, under a running subscription: every
 * confirmed message is handled, its effect applied once, each key's effects in publish order.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class BrokerKillTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int KEYS = 5;

    private BrokerAdapter adapter;
    private Keel keel;

    private void open(JmsLine line) {
        adapter = line.adapter();
        keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build();
    }

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
            adapter.close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aBrokerKilledMidStreamShouldLoseNoConfirmedMessageAndApplyEachOnceInKeyOrder(JmsLine line) {
        line.assumeFaultInjection();
        open(line);
        String topic = UniqueNames.of("jms-kill");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        Map<String, List<Integer>> effects = new ConcurrentHashMap<>();
        List<String> applied = new CopyOnWriteArrayList<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                .ordering(Ordering.PER_KEY).lanes(4).build(), d -> {
                    applied.add(d.id());
                    effects.computeIfAbsent(d.key(), k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(d.payload()));
                });

        List<Integer> confirmed = new ArrayList<>(publish(topic, 0, 100));
        await().atMost(WAIT).until(() -> applied.size() >= 50);
        line.endpoint().kill();
        line.endpoint().restart();
        confirmed.addAll(publish(topic, 100, 200));

        await().atMost(WAIT).until(() -> applied.containsAll(confirmed.stream().map(i -> "m-" + i).toList()));
        subscription.close();
        assertThat(applied).as("each effect applied once").doesNotHaveDuplicates();
        for (int k = 0; k < KEYS; k++) {
            int key = k;
            List<Integer> expected = confirmed.stream().filter(i -> i % KEYS == key).collect(Collectors.toList());
            assertThat(effects.get("k-" + key)).as("key k-%d in publish order", key).isEqualTo(expected);
        }
    }

    /** Publishes each message until the broker confirms it (a send cut by the restart is tried again). */
    private List<Integer> publish(String topic, int from, int to) {
        List<Integer> confirmed = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int n = i;
            await().atMost(WAIT).ignoreExceptions().until(() -> {
                keel.publisher(topic, Codec.utf8()).message(Integer.toString(n)).id("m-" + n).key("k-" + (n % KEYS))
                        .publish();
                return true;
            });
            confirmed.add(i);
        }
        return confirmed;
    }
}
