package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A graceful close on Kafka with the Redis store: the handlers running when it begins finish, are marked done and
 * acknowledged before it returns, whatever they are (a parked message's re-attempt too), and however many shutdown
 * paths close Keel (each {@code keel.close()} returns only once the drain is over, so the store and the adapter
 * closed after it, as README says, are not closed under it); a handler that closes its own subscription does not
 * wait for itself. The next member of the group runs each message once, in its key's order.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaGracefulCloseTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration LEASE = Duration.ofSeconds(3);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String storePrefix = UniqueNames.of("dedup");
    private final String topic = KafkaTestSupport.unique("graceful");
    private final String group = KafkaTestSupport.unique("group");
    /** Each member's Keel, then the store and adapter given to it: closed in this order. */
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final List<String> order = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void aParkedMessagesReattemptRunningWhenTheCloseBeginsShouldBeMarkedDoneAndAcknowledgedBeforeTheCloseReturns()
            throws Exception {
        CountDownLatch reattemptRunning = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        SubscriptionConfig<String> parking = config().deadLetterPolicy(DeadLetterPolicy.none())
                .retryPolicy(RetryPolicy.custom().maxAttempts(1).build()).build();
        Keel first = member().keel();
        first.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
        Subscription subscription = first.subscribe(parking, d -> {
            if (d.id().equals("parked") && d.attempt() == 1) {
                throw new IllegalStateException("the first attempt fails: parked");
            }
            if (d.id().equals("parked")) {
                reattemptRunning.countDown();
                gate.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            applied(d.id());
        });
        first.publisher(topic, Codec.utf8()).message("m").id("parked").key("k").publish();
        first.publisher(topic, Codec.utf8()).message("m").id("next").key("k").publish();
        assertThat(reattemptRunning.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closed = subscription.closeAsync(Duration.ofMinutes(1)).toCompletableFuture();
        // for longer than the lease: the running re-attempt's claim is renewed meanwhile
        await().during(LEASE.plusSeconds(1)).atMost(PATIENCE).until(() -> !closed.isDone());
        gate.countDown();
        closed.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertNextMemberRunsEachMessageOnceInOrder(parking, "parked", "next");
    }

    @Test
    void aSecondKeelCloseShouldReturnOnlyOnceTheFirstFinishedDraining() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        SubscriptionConfig<String> slow = config().build();
        Member first = member();
        first.keel().ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
        Subscription subscription = first.keel().subscribe(slow, d -> {
            running.countDown();
            gate.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            applied(d.id());
        });
        first.keel().publisher(topic, Codec.utf8()).message("m").id("slow").key("k").publish();
        assertThat(running.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // two shutdown paths (a hook and a try-with-resources, say), each doing what README says
        CompletableFuture<Void> firstPath = CompletableFuture.runAsync(first::closeAsReadmeSays);
        await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.CLOSING);
        CompletableFuture<Void> secondPath = CompletableFuture.runAsync(first::closeAsReadmeSays);
        await().during(Duration.ofSeconds(1)).atMost(PATIENCE).until(() -> !secondPath.isDone());
        gate.countDown();
        secondPath.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        firstPath.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
        assertNextMemberRunsEachMessageOnceInOrder(slow, "slow");
    }

    @Test
    void aHandlerThatClosesItsOwnSubscriptionShouldNotWaitForItselfAndItsMessageShouldBeAcknowledged() {
        AtomicReference<Subscription> self = new AtomicReference<>();
        SubscriptionConfig<String> stoppable = SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).closeTimeout(Duration.ofMinutes(5)).build();
        Keel first = member().keel();
        first.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
        self.set(first.subscribe(stoppable, d -> {
            applied(d.id());
            if (d.id().equals("stop")) {
                self.get().close(); // a stop command
            }
        }));
        first.publisher(topic, Codec.utf8()).message("m").id("stop").key("k").publish();

        // well within its close timeout (5 min)
        await().atMost(PATIENCE).until(() -> self.get().state() == Subscription.State.CLOSED);

        assertNextMemberRunsEachMessageOnceInOrder(stoppable, "stop");
    }

    /** A second member subscribes, a last message of the key follows: it runs what the first left, once, in order. */
    private void assertNextMemberRunsEachMessageOnceInOrder(SubscriptionConfig<String> config, String... ranFirst) {
        Keel next = member().keel();
        next.subscribe(config, d -> applied(d.id()));
        next.publisher(topic, Codec.utf8()).message("m").id("after").key("k").publish();
        await().atMost(PATIENCE).until(() -> effects.containsKey("after"));

        List<String> expected = new ArrayList<>(List.of(ranFirst));
        expected.add("after");
        assertThat(order).as("effects, in order").containsExactlyElementsOf(expected);
    }

    private void applied(String id) {
        order.add(id);
        effects.computeIfAbsent(id, i -> new AtomicInteger()).incrementAndGet();
    }

    private SubscriptionConfig.Builder<String> config() {
        return SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build())
                .closeTimeout(Duration.ofSeconds(30));
    }

    private Member member() {
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom()
                .uri(Brokers.redis().uri()).keyPrefix(storePrefix).build());
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        Keel keel = Keel.builder(adapter).idempotencyStore(store).build();
        resources.add(keel);
        resources.add(store);
        resources.add(adapter);
        return new Member(keel, store, adapter);
    }

    /** One member of the group: its Keel, and the store and adapter it was given. */
    private record Member(Keel keel, RedisIdempotencyStore store, KafkaAdapter adapter) {

        /** README's shutdown: Keel first (it drains), then what was given to it. */
        void closeAsReadmeSays() {
            keel.close();
            store.close();
            adapter.close();
        }
    }
}
