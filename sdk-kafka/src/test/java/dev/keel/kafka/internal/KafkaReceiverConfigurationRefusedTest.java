package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.ClientConfigRefusedException;
import dev.keel.KeelException;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * A subscription's consumer that kafka-clients refuses to create fails its start with a non-retriable
 * {@link KeelException} naming the reason, not "Failed to construct kafka consumer". No broker: the client refuses
 * before it connects.
 */
class KafkaReceiverConfigurationRefusedTest {

    /** Review F7: the reason (ClassNotFoundException) was only in the cause. */
    @Test
    void anAssignorClassThatIsNotThereShouldBeNamedWithItsSetting() {
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                .property("partition.assignment.strategy", "com.nope.X").build();
        KafkaReceiver receiver = new KafkaReceiver(config,
                new ConsumerSettings("orders", "g1", 16, Duration.ofSeconds(1), Optional.empty()));

        Throwable refused = catchThrowable(() -> receiver.start(new IgnoringSink()));

        assertThat(refused).isExactlyInstanceOf(ClientConfigRefusedException.class);
        assertThat(((KeelException) refused).isRetriable()).isFalse();
        assertThat(refused.getMessage()).contains("orders").contains("g1")
                .contains("partition.assignment.strategy names class com.nope.X, which is not on the class path")
                .doesNotContain("Failed to construct");
    }

    private static final class IgnoringSink implements DeliverySink {
        @Override
        public void accept(List<InboundRecord> records) {
        }

        @Override
        public CompletionStage<Void> revoke(Collection<String> partitions) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
