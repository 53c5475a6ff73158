package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.support.ForwardingBrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A broker consumer whose start fails (a cluster without share groups, a refused group setting) fails the subscribe
 * with its error, and leaves nothing behind: no subscription listed, its consumer closed, Keel closes at once.
 */
class ConsumerStartFailureTest {

    @Test
    void aConsumerThatFailsToStartShouldFailTheSubscribeAndLeaveNoSubscriptionBehind() throws Exception {
        AtomicBoolean consumerClosed = new AtomicBoolean();
        try (InMemoryBroker broker = InMemoryBroker.create(); InMemoryBroker client = broker.connect()) {
            ForwardingBrokerAdapter failingStart = new ForwardingBrokerAdapter(client) {
                @Override
                public BrokerConsumer consumer(ConsumerSettings settings) {
                    return new BrokerConsumer() {
                        @Override
                        public void start(DeliverySink sink) {
                            throw new KeelException("this cluster does not offer share groups", false);
                        }

                        @Override
                        public void pause() {
                        }

                        @Override
                        public void resume() {
                        }

                        @Override
                        public CompletionStage<Void> close() {
                            consumerClosed.set(true);
                            return CompletableFuture.completedFuture(null);
                        }
                    };
                }
            };
            Keel keel = Keel.builder(failingStart).build();
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());

            assertThatThrownBy(() -> keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                    .build(), d -> { })).isInstanceOf(KeelException.class).hasMessageContaining("share groups");

            assertThat(keel.subscriptions()).isEmpty();
            assertThat(consumerClosed).isTrue();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(keel::close);
            closing.get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
