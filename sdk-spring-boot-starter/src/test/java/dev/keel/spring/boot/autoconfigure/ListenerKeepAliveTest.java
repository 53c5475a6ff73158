package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A Spring Boot application whose only work is Keel's listeners (no web server) keeps running, as a spring-kafka
 * application does: Keel's consumer threads are daemons, so while a listener is subscribed the registry holds a
 * non-daemon thread, which ends when the listeners stop. Before, the example application exited right after it
 * started ("closing the subscription to orders ... 0 handler(s) running" from Spring's shutdown hook). An application
 * without a running listener (a publisher) ends when its work ends.
 */
class ListenerKeepAliveTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withPropertyValues("keel.topics.orders.partitions=1");

    @Test
    void whileAListenerRunsANonDaemonThreadShouldKeepTheJvmAliveUntilTheListenersStop() {
        runner.withBean("billing", Billing.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(keepAlive()).as("non-daemon keep-alive threads").hasSize(1);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> keepAlive().isEmpty());
    }

    @Test
    void withoutARunningListenerNoThreadShouldKeepTheJvmAlive() {
        runner.run(context -> assertThat(keepAlive()).as("no listener").isEmpty());
        runner.withBean("billing", Billing.class).withPropertyValues("keel.listener.defaults.auto-startup=false")
                .run(context -> assertThat(keepAlive()).as("a listener not started").isEmpty());
    }

    private static List<Thread> keepAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon() && t.getName().equals(KeelListenerRegistry.KEEP_ALIVE))
                .toList();
    }

    public static class Billing {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(String order) {
        }
    }
}
