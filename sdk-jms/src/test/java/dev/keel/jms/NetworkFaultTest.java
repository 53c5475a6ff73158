package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.faults.FaultProxy;
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
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The network between a member and the broker fails (through the harness's fault proxy): connections
 * reset and refused for a while, then a silent peer (nothing forwarded, no reset). The member comes
 * back by itself; every message is handled, each effect once, each key in publish order; a publish
 * over the failed network fails with a retriable typed error instead of hanging.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class NetworkFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int KEYS = 4;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private FaultProxy proxy;

    @AfterEach
    void close() throws Exception {
        if (proxy != null) {
            proxy.heal();
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aMemberCutOffFromTheBrokerShouldComeBackAndHandleEveryMessageOnceInKeyOrder(JmsLine line) {
        line.assumeFaultInjection();
        proxy = line.proxy();
        String topic = UniqueNames.of("jms-net");
        Keel direct = keel(line.adapter());
        Keel proxied = keel(line.adapter(line.fastFailingProxiedUrl()));
        direct.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        Map<String, List<Integer>> effects = new ConcurrentHashMap<>();
        List<String> applied = new CopyOnWriteArrayList<>();
        Subscription subscription = proxied.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).lanes(4)
                .build(), d -> {
                    applied.add(d.id());
                    effects.computeIfAbsent(d.key(), k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(d.payload()));
                });
        closeables.add(subscription);

        publish(direct, topic, 0, 50);
        await().atMost(WAIT).until(() -> applied.size() >= 50);

        proxy.refuse(true);
        proxy.cut();
        publish(direct, topic, 50, 100);
        Throwable refused = catchThrowable(() -> proxied.publisher(topic, Codec.utf8()).message("x").id("x").key("k-0")
                .publish());
        assertThat(refused).as("a publish over the cut network").isInstanceOf(KeelException.class);
        assertThat(((KeelException) refused).isRetriable()).isTrue();
        proxy.refuse(false);
        await().atMost(WAIT).until(() -> applied.size() >= 100);

        proxy.blackHole(true);
        publish(direct, topic, 100, 150);
        await().atMost(WAIT).until(() -> subscription.state() != Subscription.State.RUNNING);
        proxy.heal();

        await().atMost(WAIT).until(() -> applied.size() >= 150);
        assertThat(applied).as("each effect once").doesNotHaveDuplicates().hasSize(150);
        for (int k = 0; k < KEYS; k++) {
            int key = k;
            assertThat(effects.get("k-" + k)).as("key k-%d in publish order", k)
                    .isEqualTo(IntStream.range(0, 150).filter(i -> i % KEYS == key).boxed().toList());
        }
    }

    private Keel keel(BrokerAdapter adapter) {
        closeables.add(adapter);
        Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build();
        closeables.add(keel);
        return keel;
    }

    private static void publish(Keel keel, String topic, int from, int to) {
        for (int i = from; i < to; i++) {
            keel.publisher(topic, Codec.utf8()).message(Integer.toString(i)).id("m-" + i).key("k-" + (i % KEYS))
                    .publish();
        }
    }
}
