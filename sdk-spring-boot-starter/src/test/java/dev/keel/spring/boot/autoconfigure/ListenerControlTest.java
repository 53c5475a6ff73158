package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Publisher;
import dev.keel.Message;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A listener can be kept from subscribing at startup ({@code keel.listeners.<id>.auto-startup=false}) and be started
 * and stopped while the application runs, by its id, through the {@link KeelListenerRegistry} bean, as spring-kafka's
 * listener endpoint registry allows: a stopped listener closes gracefully and what arrives meanwhile waits in the
 * broker for its next start.
 */
class ListenerControlTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String ID = "billing-orders";
    static final Queue<String> HANDLED = new ConcurrentLinkedQueue<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withBean("listener", Listener.class)
            .withPropertyValues("keel.topics.orders.partitions=1", "keel.idempotency.store=in-memory");

    @Test
    void aListenerWithoutAutoStartupShouldSubscribeOnlyWhenStarted() {
        HANDLED.clear();
        runner.withPropertyValues("keel.listeners." + ID + ".auto-startup=false").run(context -> {
            KeelListenerRegistry registry = context.getBean(KeelListenerRegistry.class);
            assertThat(registry.listenerIds()).containsExactly(ID);
            assertThat(registry.isRunning(ID)).isFalse();
            assertThat(registry.subscriptions()).isEmpty();
            context.getBean(Publisher.class).publish("orders", Message.ofText("first"));

            registry.start(ID);

            assertThat(registry.isRunning(ID)).isTrue();
            await().atMost(PATIENCE).until(() -> HANDLED.contains("first"));
        });
    }

    @Test
    void aStoppedListenerShouldLeaveWhatArrivesToItsNextStart() {
        HANDLED.clear();
        runner.run(context -> {
            KeelListenerRegistry registry = context.getBean(KeelListenerRegistry.class);
            Publisher publisher = context.getBean(Publisher.class);
            publisher.publish("orders", Message.ofText("before"));
            await().atMost(PATIENCE).until(() -> HANDLED.contains("before"));

            registry.stop(ID);
            publisher.publish("orders", Message.ofText("while-stopped"));

            assertThat(registry.isRunning(ID)).isFalse();
            assertThat(registry.subscriptions()).doesNotContainKey(ID);
            registry.start(ID);
            await().atMost(PATIENCE).until(() -> HANDLED.contains("while-stopped"));
            assertThat(HANDLED).containsExactly("before", "while-stopped");
        });
    }

    @Test
    void anUnknownListenerIdShouldBeRefusedNamingTheKnownOnes() {
        runner.run(context -> {
            KeelListenerRegistry registry = context.getBean(KeelListenerRegistry.class);

            assertThatThrownBy(() -> registry.stop("nope")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no Keel listener has the id 'nope'").hasMessageContaining(ID);
        });
    }

    @Test
    void startingAListenerBeforeTheApplicationStartedItsListenersShouldSaySoNotThatTheIdIsUnknown() {
        runner.withBean("early", EarlyStarter.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(EarlyStarter.class).refusal).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("listeners are not running").hasMessageContaining(ID);
        });
    }

    /** A bean that starts the listener while the context is still being built, before the listeners started. */
    public static class EarlyStarter {
        final RuntimeException refusal;

        public EarlyStarter(KeelListenerRegistry registry) {
            RuntimeException caught = null;
            try {
                registry.start(ID);
            } catch (RuntimeException e) {
                caught = e;
            }
            this.refusal = caught;
        }
    }

    /** A user's listener. */
    public static class Listener {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(String payload) {
            HANDLED.add(payload);
        }
    }
}
