package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The connection to RabbitMQ goes silent (a network partition, a hung load balancer: a TCP proxy that
 * stops forwarding) just before the application shuts down. Closing the subscription, Keel and the
 * adapter each keeps to its close timeouts instead of waiting for answers that only the AMQP heartbeat
 * would end (twice the 30 s heartbeat), the subscription says CLOSED only once it is closed, and
 * nothing that was not acknowledged is lost: once the network is back, the group's next member
 * receives it.
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class BlackHoledCloseTest {

    private static final String GROUP = "g";
    private static final int MESSAGES = 20;
    private static final Duration SUBSCRIPTION_CLOSE = Duration.ofSeconds(5);
    private static final Duration ADAPTER_CLOSE = Duration.ofSeconds(3);
    /** Scheduling slack on a loaded machine; far below the heartbeat's 60 s. */
    private static final Duration SLACK = Duration.ofSeconds(5);

    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();

    @Test
    void closeOnASilentConnectionShouldKeepToTheCloseTimeoutsAndLoseNothing() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        String topic = RabbitTestSupport.unique("blackhole-close");
        String prefix = RabbitTestSupport.unique("dedup");
        CountDownLatch slowStarted = new CountDownLatch(1);
        try (FaultProxy proxy = FaultProxy.to(rabbit.host(), rabbit.port());
             RedisIdempotencyStore store = RabbitTestSupport.redisStore(prefix)) {
            RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().host(proxy.host()).port(proxy.port())
                    .closeTimeout(ADAPTER_CLOSE).build()); // heartbeat: the default 30 s
            Keel keel = Keel.builder(adapter).idempotencyStore(store).build();
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            Subscription subscription = keel.subscribe(subscriptionConfig(topic), d -> {
                if (d.id().equals("slow")) {
                    slowStarted.countDown();
                    pause(Duration.ofSeconds(2));
                }
                effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
            });
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(topic, Codec.utf8()).message("v").id("m" + i).key("k" + i).publish();
            }
            keel.publisher(topic, Codec.utf8()).message("v").id("slow").key("slow").publish();
            assertThat(slowStarted.await(60, TimeUnit.SECONDS)).as("slow handler started").isTrue();

            proxy.blackHole(true);
            long start = System.nanoTime();
            AtomicLong firstSeenClosed = new AtomicLong(-1);
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> {
                if (subscription.state() == Subscription.State.CLOSED) {
                    firstSeenClosed.compareAndSet(-1, System.nanoTime());
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            subscription.close();
            long subscriptionClosed = System.nanoTime();
            sampler.shutdownNow();
            keel.close();
            long keelClosed = System.nanoTime();
            adapter.close();
            long adapterClosed = System.nanoTime();

            assertThat(Duration.ofNanos(subscriptionClosed - start)).as("Subscription.close() on a silent connection")
                    .isLessThan(SUBSCRIPTION_CLOSE.plus(ADAPTER_CLOSE).plus(SLACK));
            assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
            long saidClosed = firstSeenClosed.get() == -1 ? subscriptionClosed : firstSeenClosed.get();
            assertThat(Duration.ofNanos(subscriptionClosed - saidClosed))
                    .as("how long the subscription said CLOSED before its close returned").isLessThan(Duration.ofSeconds(1));
            assertThat(Duration.ofNanos(keelClosed - subscriptionClosed)).as("Keel.close() after it")
                    .isLessThan(ADAPTER_CLOSE.plus(SLACK));
            assertThat(Duration.ofNanos(adapterClosed - keelClosed)).as("RabbitAdapter.close() after it")
                    .isLessThan(ADAPTER_CLOSE.plus(SLACK));

            proxy.heal();
            try (RabbitAdapter next = new RabbitAdapter(RabbitTestSupport.config().build());
                 Keel successor = Keel.builder(next).idempotencyStore(store).build()) {
                successor.subscribe(subscriptionConfig(topic),
                        d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
                await("every message handled, by the first member or the next").atMost(Duration.ofSeconds(60))
                        .until(() -> effects.keySet().containsAll(allIds()));
            }
        }
        assertThat(effects.entrySet()).filteredOn(e -> e.getValue().get() != 1).as("ids applied more than once")
                .isEmpty();
    }

    private static SubscriptionConfig<String> subscriptionConfig(String topic) {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .closeTimeout(SUBSCRIPTION_CLOSE).build();
    }

    private static java.util.Set<String> allIds() {
        java.util.Set<String> ids = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).collect(Collectors.toSet());
        ids.add("slow");
        return ids;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis()); // the handler's work, not a wait for the test's sake
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
