package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a consumer does when its own thread meets the unexpected: the engine's sink throws (once, on
 * the engine's side of the SPI; the broker is real). The subscription fails visibly with the cause,
 * never stalls silently, and the group gets every message again.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketConsumerFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final String topic = RocketTestSupport.unique("failing");
    private final String group = RocketTestSupport.unique("g");

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aSinkThatThrowsShouldFailTheSubscriptionAndTheGroupShouldGetEveryMessageAgain() {
        IllegalStateException fault = new IllegalStateException("injected: the engine refused a batch");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Keel keel = Keel.builder(new FaultySinkAdapter(adapter, group, fault)).withoutIdempotencyStore()
                .build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            for (int i = 0; i < 10; i++) {
                keel.publisher(topic, Codec.utf8()).message("m-" + i).id("m-" + i).key("k").publish();
            }
            Subscription failing = keel.subscribe(config(), d -> handled.add(d.id()));

            await().atMost(PATIENCE).alias("failed, not stalled").until(() -> failing.state() == Subscription.State.FAILED);
            assertThat(failing.failure()).as("the cause").containsSame(fault);

            Subscription next = keel.subscribe(config(), d -> handled.add(d.id()));
            await().atMost(PATIENCE).until(() -> handled.size() == 10);
            assertThat(next.state()).isEqualTo(Subscription.State.RUNNING);
        }
    }

    @Test
    void aPollThreadKilledByAnErrorShouldFailTheSubscriptionWithTheCause() {
        AssertionError fault = new AssertionError("injected: an Error on the poll thread");
        try (Keel keel = Keel.builder(new FaultySinkAdapter(adapter, group, fault)).withoutIdempotencyStore()
                .build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.publisher(topic, Codec.utf8()).message("m").id("m").publish();
            Subscription failing = keel.subscribe(config(), d -> { });

            await().atMost(PATIENCE).alias("failed, not closed cleanly")
                    .until(() -> failing.state() == Subscription.State.FAILED);
            assertThat(failing.failure()).as("the cause").containsSame(fault);
        }
    }

    private SubscriptionConfig<String> config() {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
