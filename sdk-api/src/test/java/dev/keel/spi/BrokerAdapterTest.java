package dev.keel.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BrokerAdapterTest {

    @Test
    void defaultDeadLetterTopicShouldBeTopicDotDlt() {
        assertThat(new NoBroker().defaultDeadLetterTopic("orders")).isEqualTo("orders.DLT");
    }

    @Test
    void theAdapterInterfacesShouldKeepAtMostFiveAbstractMethods() {
        for (Class<?> type : new Class<?>[] {BrokerAdapter.class, TopologyAdmin.class}) {
            long abstractMethods = Arrays.stream(type.getDeclaredMethods())
                    .filter(m -> Modifier.isAbstract(m.getModifiers())).map(Method::getName).count();
            assertThat(abstractMethods).as(type.getSimpleName()).isLessThanOrEqualTo(5);
        }
    }

    @Test
    void consumerSettingsShouldCarryTheDeadLetterTopicAndRefuseTheConsumedOne() {
        assertThat(new ConsumerSettings("orders", "g", 1, Duration.ofSeconds(1)).deadLetterTopic()).isEmpty();
        assertThat(new ConsumerSettings("orders", "g", 1, Duration.ofSeconds(1), Optional.of("orders.DLT"))
                .deadLetterTopic()).contains("orders.DLT");
        assertThatThrownBy(() -> new ConsumerSettings("orders", "g", 1, Duration.ofSeconds(1), Optional.of("orders")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must differ");
    }

    @Test
    void topologyExceptionShouldBeANonRetriableKeelException() {
        TopologyException e = new TopologyException("orders", "orders has 4 partitions, 8 requested");
        assertThat(e).isInstanceOf(KeelException.class);
        assertThat(e.isRetriable()).isFalse();
        assertThat(e.topic()).isEqualTo("orders");
    }

    private static final class NoBroker implements BrokerAdapter {
        @Override
        public Set<Capability> capabilities() {
            return Set.of();
        }

        @Override
        public void ensureTopology(TopicSpec topic) {
        }

        @Override
        public BrokerProducer producer() {
            throw new UnsupportedOperationException();
        }

        @Override
        public BrokerConsumer consumer(ConsumerSettings settings) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }
}
