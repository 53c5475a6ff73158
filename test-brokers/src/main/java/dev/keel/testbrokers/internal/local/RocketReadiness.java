package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.internal.Poll;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageQueue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A RocketMQ broker is ready when the name server routes the auto-create template topic to it: then
 * producers can send to new topics.
 */
final class RocketReadiness {
    private static final String TEMPLATE_TOPIC = "TBW102";

    private RocketReadiness() {
    }

    static void await(String nameServer, Duration timeout, CompletableFuture<?> abort) throws Poll.PollFailedException {
        await(nameServer, null, timeout, abort);
    }

    /** As above, over TLS with {@code tls} (or not, when null). */
    static void await(String nameServer, RocketTlsClients.Files tls, Duration timeout, CompletableFuture<?> abort)
            throws Poll.PollFailedException {
        String id = "keel-readiness-" + UUID.randomUUID().toString().substring(0, 8);
        DefaultMQProducer producer = new DefaultMQProducer(id);
        producer.setNamesrvAddr(nameServer);
        producer.setInstanceName(id);
        try {
            RocketTlsClients.start(producer, tls, producer::start);
            Poll.until("RocketMQ route of " + TEMPLATE_TOPIC + " at name server " + nameServer, timeout, abort, () -> {
                List<MessageQueue> queues = producer.fetchPublishMessageQueues(TEMPLATE_TOPIC);
                return queues.isEmpty() ? Optional.empty() : Optional.of(queues);
            });
        } catch (org.apache.rocketmq.client.exception.MQClientException e) {
            throw new IllegalStateException("cannot start a RocketMQ client for the readiness check", e);
        } finally {
            producer.shutdown();
        }
    }
}
