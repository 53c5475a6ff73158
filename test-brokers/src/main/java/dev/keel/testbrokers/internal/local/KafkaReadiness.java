package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A Kafka cluster is ready when an AdminClient's describeCluster lists a broker. */
final class KafkaReadiness {
    private static final int ATTEMPT_MILLIS = 2000;

    private KafkaReadiness() {
    }

    static void await(String host, int port, Duration timeout, CompletableFuture<?> abort) throws Poll.PollFailedException {
        // wait for the listener first: an AdminClient logs a warning per refused connection
        Poll.until("Kafka port " + port, timeout, abort,
                () -> Ports.accepts(host, port, 1000) ? Optional.of(true) : Optional.empty());
        String bootstrapServers = host + ":" + port;
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ATTEMPT_MILLIS,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ATTEMPT_MILLIS,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200,
                AdminClientConfig.CLIENT_ID_CONFIG, "keel-test-brokers-readiness");
        try (Admin admin = Admin.create(config)) {
            Poll.until("Kafka describeCluster at " + bootstrapServers, timeout, abort, () -> {
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(ATTEMPT_MILLIS))
                        .nodes().get(ATTEMPT_MILLIS + 500L, TimeUnit.MILLISECONDS);
                return nodes.isEmpty() ? Optional.empty() : Optional.of(nodes);
            });
        }
    }
}
