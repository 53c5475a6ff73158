package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.keel.rabbit.QueueType;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which delay buckets a topic's delayed publishes used, kept on the broker so that
 * {@code deleteTopology} finds its delay queues (AMQP cannot list queues): the index queue
 * {@code T.keel-delays} (quorum; {@code T.keel-delays-classic} with classic queues) holds one
 * persistent empty message per bucket, its {@value #BUCKET} header the bucket in milliseconds. A
 * producer appends a bucket before it declares the bucket's first delay queue; a reader takes the
 * messages with {@code basic.get} without acknowledging them (its channel's close returns them) and
 * acknowledges extra copies of a bucket, so the index does not grow. Stateless.
 */
final class DelayIndex {

    static final String BUCKET = "keel-delay-bucket";
    /** Quorum queues of RabbitMQ 4 drop a message returned more than 20 times unless told otherwise. */
    private static final int UNLIMITED_RETURNS = Integer.MAX_VALUE;

    private DelayIndex() {
    }

    /** The index queue of {@code topic} for delay queues of type {@code type}. */
    static String queue(String topic, QueueType type) {
        return topic + (type == QueueType.QUORUM ? ".keel-delays" : ".keel-delays-classic");
    }

    /** On {@code channel}: declares the index (when missing) and appends {@code bucket}, in a transaction. */
    static void append(Channel channel, QueueType type, String topic, long bucket) throws IOException {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", type.argument());
        if (type == QueueType.QUORUM) {
            args.put("x-delivery-limit", UNLIMITED_RETURNS);
        }
        String queue = queue(topic, type);
        channel.queueDeclare(queue, true, false, false, args);
        channel.txSelect();
        channel.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2)
                .headers(Map.of(BUCKET, bucket)).build(), new byte[0]);
        channel.txCommit();
    }

    /**
     * The buckets in index {@code queue}, read on {@code channel}, which the caller must close
     * afterwards (that returns the messages). A missing queue makes the broker close the channel (404).
     */
    static Set<Long> read(Channel channel, String queue) throws IOException {
        // not bounded by the passive declare's message count: a quorum index whose leader does not answer within
        // 250 ms reports 0, and deleteTopology would leave the delay queues (see TopologyRecord#read)
        channel.queueDeclarePassive(queue);
        Set<Long> buckets = new TreeSet<>();
        for (GetResponse response = channel.basicGet(queue, false); response != null;
                response = channel.basicGet(queue, false)) {
            Map<String, Object> headers = response.getProps().getHeaders();
            if (headers != null && headers.get(BUCKET) instanceof Number bucket && !buckets.add(bucket.longValue())) {
                channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
            }
        }
        return buckets;
    }
}
