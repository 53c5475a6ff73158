package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.TopicSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Kafka that does not answer (a wrong port) fails topic declaration with an error naming the bootstrap servers it
 * tried, so that a wrong address reads as one, not only as "Timed out waiting for a node assignment".
 */
class KafkaUnreachableTest {

    @Test
    void declaringATopicOnAClosedPortShouldNameTheBootstrapServers() throws IOException {
        String servers = "127.0.0.1:" + closedPort();
        KafkaConfig config = KafkaConfig.custom().bootstrapServers(servers).deliveryTimeout(Duration.ofSeconds(3))
                .requestTimeout(Duration.ofSeconds(2)).build();

        try (KafkaAdapter adapter = new KafkaAdapter(config)) {
            assertThatThrownBy(() -> adapter.ensureTopology(TopicSpec.builder("unreachable").partitions(1).build()))
                    .isInstanceOf(KeelException.class).hasMessageContaining(servers);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
