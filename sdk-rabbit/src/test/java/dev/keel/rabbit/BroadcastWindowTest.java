package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A broadcast subscription keeps its window in payload bytes ({@code maxInFlightBytes}) like any other: while it is
 * full, deliveries wait before reaching the engine and the queue's prefetch stops the broker. Before, its consumer's
 * pause did nothing and only the prefetch of {@code maxInFlight} bounded it (an adversarial probe: 200 messages of 64
 * KiB held against a bound of 256 KiB).
 */
@UsesBrokers(BrokerKind.RABBIT)
class BroadcastWindowTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int KIB = 1024;

    private final RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
    private final Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        keel.close();
        adapter.close();
    }

    @Test
    void aBroadcastSubscriptionShouldStopTakingMessagesAtItsByteBound() throws Exception {
        String topic = RabbitTestSupport.unique("broadcast-bytes");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger started = new AtomicInteger();
        // more lanes than the bound lets in: every message that reaches the engine starts at once and waits
        keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .ordering(Ordering.UNORDERED).broadcast(true).lanes(64).maxInFlightBytes(256 * KIB).build(), d -> {
                    started.incrementAndGet();
                    release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    handled.add(d.id());
                });
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(keel.publisher().publishAsync(topic, Message.builder(new byte[64 * KIB]).id("m" + i)
                    .key("k" + i).build()).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

        int reached = await().atMost(WAIT).until(started::get, n -> n >= 4);
        assertThat(reached).as("4 messages of 64 KiB reach the bound of 256 KiB; deliveries come one at a time")
                .isLessThanOrEqualTo(5);

        release.countDown();
        await().atMost(WAIT).until(() -> handled.size() == 40);
    }
}
