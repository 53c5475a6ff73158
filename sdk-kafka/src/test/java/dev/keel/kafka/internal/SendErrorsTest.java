package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishException;
import java.time.Duration;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

class SendErrorsTest {

    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);

    private static KeelException map(Throwable e) {
        return SendErrors.map("orders", e, DELIVERY_TIMEOUT);
    }

    @Test
    void retriableBrokerErrorsShouldStayRetriable() {
        assertThat(map(new NetworkException("reset"))).isInstanceOf(BrokerUnavailableException.class)
                .satisfies(e -> assertThat(e.isRetriable()).isTrue());
        assertThat(map(new NotEnoughReplicasException("isr"))).isInstanceOf(PublishException.class)
                .hasMessageContaining("min.insync.replicas").satisfies(e -> assertThat(e.isRetriable()).isTrue());
        assertThat(map(new NotLeaderOrFollowerException("moved"))).isInstanceOf(PublishException.class)
                .satisfies(e -> assertThat(e.isRetriable()).isTrue());
    }

    @Test
    void anExpiredDeliveryShouldBeARetriableTimeoutNamingTheBound() {
        assertThat(map(new TimeoutException("Expiring 3 record(s) for orders-0: 20001 ms has passed")))
                .isInstanceOf(KeelTimeoutException.class).hasMessageContaining("PT20S").hasMessageContaining("orders")
                .satisfies(e -> assertThat(e.isRetriable()).isTrue());
    }

    @Test
    void missingMetadataShouldBeCheckedAsAPossiblyMissingTopic() {
        TimeoutException metadata = new TimeoutException("Topic orders not present in metadata after 5000 ms.");
        assertThat(SendErrors.mayBeMissingTopic(metadata)).isTrue();
        assertThat(SendErrors.mayBeMissingTopic(new UnknownTopicOrPartitionException("x"))).isTrue();
        assertThat(SendErrors.mayBeMissingTopic(new TimeoutException("Expiring 1 record(s)"))).isFalse();
        assertThat(map(metadata)).isInstanceOf(BrokerUnavailableException.class);
    }

    @Test
    void rejectedRecordsShouldNotBeRetriedAndSayWhatToDo() {
        assertThat(map(new RecordTooLargeException("too big"))).isInstanceOf(PublishException.class)
                .hasMessageContaining("max.request.size").satisfies(e -> assertThat(e.isRetriable()).isFalse());
        assertThat(map(new TopicAuthorizationException("denied"))).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("ACLs").hasMessageContaining("WRITE")
                .satisfies(e -> assertThat(e.isRetriable()).isFalse());
        assertThat(map(new SaslAuthenticationException("bad credentials"))).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("credentials")
                .satisfies(e -> assertThat(e.isRetriable()).isFalse());
        assertThat(map(new InvalidTopicException("bad name"))).satisfies(e -> assertThat(e.isRetriable()).isFalse());
    }

    @Test
    void aRecordOverALimitShouldNameTheMessageItsSizeAndTheLimits() {
        dev.keel.spi.OutboundRecord record = new dev.keel.spi.OutboundRecord("orders", "order-1", "k",
                java.util.Map.of("h", "v"), new byte[2000], java.time.Instant.now());

        assertThat(SendErrors.tooLarge(record, new RecordTooLargeException("too big"), 1000))
                .hasMessageContaining("message order-1 to orders: record too large")
                .hasMessageContaining("about 2003 bytes").hasMessageContaining("max.request.size (1000 bytes here)")
                .hasMessageContaining("max.message.bytes").hasMessageContaining("too big")
                .satisfies(e -> assertThat(e.isRetriable()).isFalse());
        assertThat(SendErrors.isTooLarge(new RecordTooLargeException("x"))).isTrue();
        assertThat(SendErrors.isTooLarge(new NetworkException("x"))).isFalse();
    }

    @Test
    void aClosedProducerShouldGiveClosedException() {
        assertThat(map(new IllegalStateException("Cannot perform operation after producer has been closed")))
                .isInstanceOf(ClosedException.class);
        assertThat(map(new KafkaException("Producer is closed forcefully."))).isInstanceOf(ClosedException.class);
    }
}
