package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * EFFECTIVELY_ONCE needs a store chosen on purpose, and Keel closes what it created, never what it
 * was given: the adapter, a store and a scheduler passed in stay open after {@code Keel.close()}.
 */
class KeelStoreChoiceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final OutOfProcessAdapter remote = new OutOfProcessAdapter(broker.connect());
    private final List<String> handled = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        remote.close();
        broker.close();
    }

    @Test
    void buildWithABrokerOutsideThisProcessAndNoStoreShouldFailNamingTheChoices() {
        assertThatThrownBy(() -> Keel.builder(remote).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RedisIdempotencyStore").hasMessageContaining("sdk-dedup-redis")
                .hasMessageContaining(".idempotencyStore(new InMemoryIdempotencyStore())")
                .hasMessageContaining("single process")
                .hasMessageContaining(".withoutIdempotencyStore()");
    }

    @Test
    void anExplicitInMemoryStoreShouldBeAcceptedForABrokerOutsideThisProcess() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
             Keel keel = Keel.builder(remote).idempotencyStore(store).build()) {
            declare(keel);
            keel.subscribe(config(DeliveryGuarantee.EFFECTIVELY_ONCE), record());
            publishTwice(keel, "order-1");

            await().atMost(PATIENCE).until(() -> handled.contains("order-1"));
            await().atMost(PATIENCE).until(() -> store.claim(GROUP + ":" + TOPIC, "order-1", "probe", Duration.ofMinutes(1))
                    .status() == ClaimResult.Status.DUPLICATE);
        }
    }

    @Test
    void withoutIdempotencyStoreShouldRefuseEffectivelyOnceAndRunTheOtherGuarantees() {
        try (Keel keel = Keel.builder(remote).withoutIdempotencyStore().build()) {
            declare(keel);

            assertThatThrownBy(() -> keel.subscribe(config(DeliveryGuarantee.EFFECTIVELY_ONCE), record()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("withoutIdempotencyStore()")
                    .hasMessageContaining(TOPIC);
            keel.subscribe(config(DeliveryGuarantee.AT_LEAST_ONCE), record());
            publishTwice(keel, "order-1");
            await().atMost(PATIENCE).until(() -> handled.size() == 2);
        }
    }

    @Test
    void choosingAStoreAndNoStoreShouldFailAtOnce() {
        assertThatThrownBy(() -> Keel.builder(remote).withoutIdempotencyStore()
                .idempotencyStore(new InMemoryIdempotencyStore())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Keel.builder(remote).idempotencyStore(new InMemoryIdempotencyStore())
                .withoutIdempotencyStore()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBrokerInThisProcessWithoutAStoreShouldGetAnInMemoryStoreOfKeelsOwn() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (InMemoryBroker client = broker.connect();
             Keel keel = Keel.builder(client).metrics(new MicrometerMetrics(registry)).build()) {
            declare(keel);
            keel.subscribe(config(DeliveryGuarantee.EFFECTIVELY_ONCE), record());
            publishTwice(keel, "order-1");

            await().atMost(PATIENCE).until(() -> registry.find("keel.duplicate_skipped").counter() != null
                    && registry.get("keel.duplicate_skipped").counter().count() == 1);
            assertThat(handled).containsExactly("order-1");
        }
    }

    @Test
    void closeShouldLeaveTheAdapterTheStoreAndTheSchedulerItWasGivenOpen() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore()) {
            Keel keel = Keel.builder(remote).idempotencyStore(store).scheduler(scheduler).build();
            declare(keel);
            keel.subscribe(config(DeliveryGuarantee.EFFECTIVELY_ONCE), record());
            publishTwice(keel, "order-1");
            await().atMost(PATIENCE).until(() -> store.claim(GROUP + ":" + TOPIC, "order-1", "probe", Duration.ofMinutes(1))
                    .status() == ClaimResult.Status.DUPLICATE);

            keel.close();

            assertThat(remote.isClosed()).as("adapter closed by Keel").isFalse();
            assertThat(scheduler.isShutdown()).as("scheduler shut down by Keel").isFalse();
            assertThat(store.claim(GROUP + ":" + TOPIC, "order-1", "probe", Duration.ofMinutes(1)).status())
                    .as("the store still remembers the done id").isEqualTo(ClaimResult.Status.DUPLICATE);
            try (Keel next = Keel.builder(remote).idempotencyStore(store).build()) {
                next.publisher().publishAsync(TOPIC, message("order-2")).toCompletableFuture().join();
            }
            assertThat(broker.records(TOPIC)).hasSize(3);
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static void declare(Keel keel) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(2).group(GROUP).build(),
                TopicSpec.builder(TOPIC + ".DLT").partitions(1).group("ops").build());
    }

    private static SubscriptionConfig<String> config(DeliveryGuarantee guarantee) {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).guarantee(guarantee).build();
    }

    private MessageHandler<String> record() {
        return delivery -> handled.add(delivery.id());
    }

    private static void publishTwice(Keel keel, String id) {
        keel.publisher().publishAsync(TOPIC, message(id)).toCompletableFuture().join();
        keel.publisher().publishAsync(TOPIC, message(id)).toCompletableFuture().join();
    }

    private static Message message(String id) {
        return Message.builder(id, Codec.utf8()).id(id).key(id).build();
    }
}
