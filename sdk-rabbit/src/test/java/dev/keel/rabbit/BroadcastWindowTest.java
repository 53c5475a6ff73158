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
 * A broadcast subscription's window is its queue's prefetch, {@code min(RabbitConfig.prefetch, maxInFlight)}: the
 * broker stops sending once the engine holds that many. Before, the prefetch was {@code maxInFlight} whatever the
 * adapter's {@code prefetch}, 2,048 messages by default (an adversarial probe held 200 messages of 64 KiB).
 */
@UsesBrokers(BrokerKind.RABBIT)
class BroadcastWindowTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PREFETCH = 10;

    private final RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().prefetch(PREFETCH).build());
    private final Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        keel.close();
        adapter.close();
    }

    @Test
    void aBroadcastSubscriptionShouldHoldNoMoreThanTheAdaptersPrefetch() throws Exception {
        String topic = RabbitTestSupport.unique("broadcast-window");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger started = new AtomicInteger();
        // more lanes than the prefetch lets in: every message that reaches the engine starts at once and waits
        keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .ordering(Ordering.UNORDERED).broadcast(true).lanes(64).build(), d -> {
                    started.incrementAndGet();
                    release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    handled.add(d.id());
                });
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(keel.publisher().publishAsync(topic, Message.builder(new byte[1024]).id("m" + i)
                    .key("k" + i).build()).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

        int reached = await().atMost(WAIT).until(started::get, n -> n >= PREFETCH);
        assertThat(reached).as("the broker sends no more than the prefetch unacknowledged").isEqualTo(PREFETCH);

        release.countDown();
        await().atMost(WAIT).until(() -> handled.size() == 40);
    }
}
