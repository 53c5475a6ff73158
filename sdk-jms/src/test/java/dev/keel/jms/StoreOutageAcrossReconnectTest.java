package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.faults.FaultProxy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.FaultyIdempotencyStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A member paused because its idempotency store failed gives up every message it holds while the store is still
 * failing (its connection is lost: the same revoke as a hand-back on ActiveMQ Classic when another member joins), then
 * the store answers again: the member resumes and handles the messages. Before, it stayed paused for good: a store
 * pause ended only when one of its messages' store calls succeeded, and it had none left; on Classic the broker still
 * dealt it messages and whole message groups, which were never handled (found by {@code keel verify --broker activemq}
 * with network-cut and channel-close: one partition's keys made no progress after the channel-close).
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class StoreOutageAcrossReconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
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
    void aMemberPausedForItsStoreShouldResumeWhenTheStoreAnswersAfterALostConnectionGaveUpItsMessages(JmsLine line) {
        line.assumeFaultInjection();
        proxy = line.proxy();
        String topic = UniqueNames.of("jms-store-revoke");
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());
        Keel publisher = keel(line.adapter());
        publisher.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        BrokerAdapter proxied = line.adapter(line.fastFailingProxiedUrl());
        closeables.add(proxied);
        Keel member = Keel.builder(proxied).idempotencyStore(store).build();
        closeables.add(member);
        Set<String> applied = ConcurrentHashMap.newKeySet();
        Subscription subscription = member.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).lanes(4)
                .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(100)).build())
                .build(), d -> applied.add(d.id()));
        closeables.add(subscription);
        publish(publisher, topic, 0, 1);
        await().atMost(WAIT).until(() -> applied.contains("m-0"));

        store.down();
        publish(publisher, topic, 1, 2);
        // m-1's claim failed: paused, m-1 claimed again every 100 ms
        await().atMost(WAIT).until(() -> subscription.state() == Subscription.State.PAUSED);
        proxy.refuse(true);
        proxy.cut();
        // connection lost: m-1 is given up (dropped at its next failed claim) before the member connects again
        await().atMost(WAIT).until(() -> subscription.state() == Subscription.State.RECONNECTING);
        proxy.refuse(false);
        // connected again, holding no message, still paused: the store has not answered yet
        await().atMost(WAIT).until(() -> subscription.state() == Subscription.State.PAUSED);

        store.up();
        publish(publisher, topic, 2, 10);
        List<String> all = IntStream.range(0, 10).mapToObj(i -> "m-" + i).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(applied)
                .as("handled once the store answers again (state %s)", subscription.state()).containsAll(all));
        assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
    }

    private Keel keel(BrokerAdapter adapter) {
        closeables.add(adapter);
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        closeables.add(keel);
        return keel;
    }

    private static void publish(Keel keel, String topic, int from, int to) {
        for (int i = from; i < to; i++) {
            keel.publisher(topic, Codec.utf8()).message(Integer.toString(i)).id("m-" + i).key("k-" + (i % 4))
                    .publish();
        }
    }
}
