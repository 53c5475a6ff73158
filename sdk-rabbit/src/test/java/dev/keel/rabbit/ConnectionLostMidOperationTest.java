package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The broker closes one of the adapter's connections ({@code rabbitmqctl close_connection}) in the
 * middle of an operation: publishes waiting for their confirms, and a subscription closing with
 * handlers running and a backlog (a stop that is not a crash).
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class ConnectionLostMidOperationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int LANES = 4;
    /**
     * Long enough for the running handlers, which run until rabbitmqctl has closed the connection (seconds on a busy
     * machine): a close that times out is the engine's matter, not tested here.
     */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(40);

    @Test
    void aPublishingConnectionClosedWhilePublishesAwaitTheirConfirmsShouldSettleEachAndPublishingRecover()
            throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "closes a connection with rabbitmqctl on the harness's node");
        String topic = RabbitTestSupport.unique("lost-confirms");
        String name = RabbitTestSupport.unique("publisher");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().connectionName(name).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                     .publisherConfig(PublisherConfig.custom().openDuration(Duration.ofMillis(500)).build()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.add(d.id()));
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                for (int batch = 0; publishing.get(); batch++) {
                    List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        String id = "m" + batch + "-" + i;
                        sent.add(keel.publisher().publishAsync(topic, Message.builder("x", Codec.utf8()).id(id)
                                .key("k" + (i % 7)).build()).toCompletableFuture().whenComplete((r, e) -> {
                                    if (e == null) {
                                        confirmed.add(id);
                                    } else {
                                        failures.add(e instanceof CompletionException c ? c.getCause() : e);
                                    }
                                }));
                    }
                    // each batch settles (none hangs); a failed one backs off as an application would
                    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                            .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
                    if (sent.stream().anyMatch(CompletableFuture::isCompletedExceptionally)) {
                        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                    }
                }
            });
            await().atMost(WAIT).until(() -> confirmed.size() >= 1000);
            assertThat(RabbitNodeConnections.close(rabbit, name + "-publish")).isEqualTo(1);
            int confirmedAtClose = confirmed.size();
            await("publishing works again").atMost(WAIT).until(() -> confirmed.size() >= confirmedAtClose + 1000);
            publishing.set(false);
            publisher.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            // the publishes pending when the connection closed fail retriably, unless the publisher's own retry
            // already confirmed them on the new connection (then the caller sees no failure at all)
            assertThat(failures).as("publishes pending when the connection closed")
                    .allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class)
                            .matches(k -> ((KeelException) k).isRetriable(), "retriable"));
            await("every confirmed publish consumed").atMost(WAIT).until(() -> handled.containsAll(confirmed));
        }
    }

    /**
     * The close waits for the handlers it finds running; the connection goes meanwhile: the partition is
     * revoked (what was queued is dropped, for the successor), the running handlers finish and are marked
     * done (their acks are lost with the connection), and the close completes within its timeout.
     */
    @Test
    void aSubscriptionClosingWhileItsConnectionIsClosedShouldMarkDoneEveryEffectItAppliedAndLoseNothing()
            throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "closes a connection with rabbitmqctl on the harness's node");
        String topic = RabbitTestSupport.unique("lost-on-close");
        String name = RabbitTestSupport.unique("closing");
        String storePrefix = RabbitTestSupport.unique("lost-on-close");
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        AtomicInteger started = new AtomicInteger();
        int messages = 2 * LANES;
        try (RedisIdempotencyStore storeA = RabbitTestSupport.redisStore(storePrefix);
             RedisIdempotencyStore storeB = RabbitTestSupport.redisStore(storePrefix);
             RabbitAdapter adapterA = new RabbitAdapter(RabbitTestSupport.config().connectionName(name).build());
             RabbitAdapter adapterB = new RabbitAdapter(RabbitTestSupport.config()
                     .connectionName(RabbitTestSupport.unique("successor")).build());
             Keel a = Keel.builder(adapterA).idempotencyStore(storeA).build();
             Keel b = Keel.builder(adapterB).idempotencyStore(storeB).build()) {
            a.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(LANES)
                    .maxInFlight(64).closeTimeout(CLOSE_TIMEOUT).build();
            CountDownLatch connectionClosed = new CountDownLatch(1);
            Subscription subscription = a.subscribe(config, d -> {
                started.incrementAndGet();
                // handlers that run until the connection is gone: the close waits for them meanwhile
                // (however long rabbitmqctl takes to close it)
                assertThat(connectionClosed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
            });
            List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                sent.add(a.publisher().publishAsync(topic, Message.builder("x", Codec.utf8()).id("m" + i)
                        .key("k" + i).build()).toCompletableFuture());
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> started.get() >= LANES);

            long closeStarted = System.nanoTime();
            CompletableFuture<Void> closing = subscription.closeAsync(CLOSE_TIMEOUT).toCompletableFuture();
            assertThat(RabbitNodeConnections.close(rabbit, name + "-consume")).isEqualTo(1);
            assertThat(closing).as("the connection was closed while the subscription was closing").isNotDone();
            connectionClosed.countDown();
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStarted);
            assertThat(closeMillis).as("the close ended within its timeout").isLessThan(CLOSE_TIMEOUT.toMillis());
            Set<String> appliedByA = Set.copyOf(effects.keySet());

            b.subscribe(config, d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            await("every message handled once the successor took over").atMost(WAIT)
                    .until(() -> effects.size() == messages);
            assertThat(effects.entrySet()).filteredOn(e -> e.getValue().get() > 1)
                    .as("effects applied twice: an effect applied by the closing member was not marked done "
                            + "(%s applied by it, its close took %d ms)", appliedByA, closeMillis).isEmpty();
            assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
        }
    }
}
