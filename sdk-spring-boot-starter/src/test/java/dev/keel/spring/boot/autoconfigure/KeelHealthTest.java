package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.BrokerUnavailableException;
import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testkit.Crash;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code keel} health contributor: UP, and DOWN for each reason it names. */
class KeelHealthTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withBean("listener", Listener.class)
            .withPropertyValues("keel.topics.orders.partitions=1");

    @Test
    void healthShouldBeUpWithItsDetailsWhenAllIsWell() {
        runner.withBean(IdempotencyStore.class, InMemoryIdempotencyStore::new).run(context -> {
            Health health = context.getBean(KeelHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("publisher", "ACCEPTING").containsEntry("store", "UP")
                    .containsEntry("subscriptions", Map.of("orders/billing", "RUNNING"))
                    .containsEntry("extensionFailures", 0L);
        });
    }

    @Test
    void healthShouldBeDownWhileTheStoreIsUnreachableAndUpAfter() {
        runner.withBean(IdempotencyStore.class, () -> new FaultyIdempotencyStore(new InMemoryIdempotencyStore()))
                .run(context -> {
                    FaultyIdempotencyStore store = context.getBean(FaultyIdempotencyStore.class);
                    KeelHealthIndicator indicator = context.getBean(KeelHealthIndicator.class);
                    store.down();
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
                    assertThat(indicator.health().getDetails().get("store").toString()).startsWith("DOWN");
                    store.up();
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                });
    }

    @Test
    void healthShouldBeDownWhenASubscriptionFailed() {
        runner.run(context -> {
            Subscription subscription = context.getBean(KeelListenerRegistry.class).subscriptions().get("billing-orders");
            Crash.crash(subscription).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Health health = context.getBean(KeelHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("subscriptions", Map.of("orders/billing", "FAILED"));
        });
    }

    @Test
    void healthShouldBeUpAgainOnceTheFailedListenerIsRestarted() {
        runner.run(context -> {
            KeelListenerRegistry registry = context.getBean(KeelListenerRegistry.class);
            Crash.crash(registry.subscriptions().get("billing-orders")).toCompletableFuture().get(30, TimeUnit.SECONDS);
            KeelHealthIndicator indicator = context.getBean(KeelHealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);

            registry.stop("billing-orders");
            registry.start("billing-orders");

            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("subscriptions", Map.of("orders/billing", "RUNNING"));
        });
    }

    @Test
    void healthShouldBeUpAgainOnceTheFailedSubscriptionIsReplacedByANewOne() {
        runner.withPropertyValues("keel.topics.invoices.partitions=1").run(context -> {
            Keel keel = context.getBean(Keel.class);
            Subscription failed = keel.subscribe(dev.keel.SubscriptionConfig.builder("invoices", "audit",
                    Codec.utf8()).build(), d -> { });
            Crash.crash(failed).toCompletableFuture().get(30, TimeUnit.SECONDS);
            KeelHealthIndicator indicator = context.getBean(KeelHealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);

            keel.subscribe(dev.keel.SubscriptionConfig.builder("invoices", "audit", Codec.utf8()).build(), d -> { });

            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("subscriptions",
                    Map.of("orders/billing", "RUNNING", "invoices/audit", "RUNNING"));
        });
    }

    @Test
    void healthShouldBeDownWhileThePublishersCircuitIsOpen() {
        runner.withPropertyValues("keel.publisher.minimum-calls=2", "keel.publisher.max-attempts=1",
                "keel.publisher.open-duration=10m").run(context -> {
                    InMemoryBroker broker = (InMemoryBroker) context.getBean(BrokerAdapter.class);
                    broker.faults().failNextPublishes(2, new BrokerUnavailableException("broker down", null));
                    Publisher publisher = context.getBean(Publisher.class);
                    for (int i = 0; i < 2; i++) {
                        publisher.publishAsync("orders", Message.builder("m" + i, Codec.utf8()).build())
                                .toCompletableFuture().handle((r, e) -> null).join();
                    }
                    Health health = context.getBean(KeelHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("publisher", "CIRCUIT_OPEN");
                });
    }

    @Test
    void theIndicatorShouldBackOffWhenDisabledOrReplaced() {
        runner.withPropertyValues("management.health.keel.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(KeelHealthIndicator.class));
        try (Keel own = Keel.builder(InMemoryBroker.create()).build()) {
            KeelHealthIndicator mine = new KeelHealthIndicator(own, null);
            runner.withBean("keelHealthIndicator", KeelHealthIndicator.class, () -> mine).run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(KeelHealthIndicator.class);
                assertThat(context.getBean(KeelHealthIndicator.class)).isSameAs(mine);
            });
        }
    }

    public static class Listener {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(String payload) {
        }
    }
}
