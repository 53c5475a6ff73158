package dev.keel.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A topic declared as the released version of the adapter (before the quorum metadata queues) declared it, with quorum
 * partition queues: the exchange; the partition-count marker {@code T.keel-lanes} and the record
 * {@code T.keel-topology} as classic queues; per group the dead-letter pair, the classic member
 * queue {@code T.G.members} and the partition queues. Classic queues live on the node of the
 * connection that declares them, so a test can put the metadata on the node it later stops.
 */
final class ReleasedTopology {

    private ReleasedTopology() {
    }

    /** Declares {@code topic} with {@code partitions} and {@code group} on {@code channel}, as the released version did. */
    static void declare(Channel channel, String topic, String group, int partitions) throws IOException {
        channel.exchangeDeclare(topic, BuiltinExchangeType.DIRECT, true, false, Map.of());
        Map<String, Object> marker = new HashMap<>();
        marker.put("x-queue-type", "classic");
        marker.put("x-max-length", partitions);
        marker.put("x-overflow", "drop-head");
        channel.queueDeclare(topic + ".keel-lanes", true, false, false, marker);
        channel.txSelect();
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        for (int i = 0; i < partitions; i++) {
            channel.basicPublish("", topic + ".keel-lanes", persistent, new byte[0]);
        }
        channel.txCommit();

        String dlx = topic + "." + group + ".dlx";
        channel.exchangeDeclare(dlx, BuiltinExchangeType.FANOUT, true, false, Map.of());
        channel.queueDeclare(topic + "." + group + ".dlq", true, false, false, Map.of("x-queue-type", "quorum"));
        channel.queueBind(topic + "." + group + ".dlq", dlx, "");
        channel.queueDeclare(topic + "." + group + ".members", true, false, false, Map.of("x-queue-type", "classic"));
        Map<String, Object> lane = new HashMap<>();
        lane.put("x-queue-type", "quorum");
        lane.put("x-single-active-consumer", true);
        lane.put("x-dead-letter-exchange", dlx);
        for (int partition = 0; partition < partitions; partition++) {
            String queue = topic + "." + group + "." + partition;
            channel.queueDeclare(queue, true, false, false, lane);
            channel.queueBind(queue, topic, Integer.toString(partition));
        }

        channel.queueDeclare(topic + ".keel-topology", true, false, false, Map.of("x-queue-type", "classic"));
        channel.basicPublish("", topic + ".keel-topology", entry(null, partitions), new byte[0]);
        channel.basicPublish("", topic + ".keel-topology", entry(group, partitions), new byte[0]);
        channel.txCommit();
    }

    private static AMQP.BasicProperties entry(String group, int partitions) {
        Map<String, Object> headers = new HashMap<>();
        if (group != null) {
            headers.put("keel-group", group);
        }
        headers.put("keel-partitions", partitions);
        headers.put("keel-replication-factor", 1);
        headers.put("keel-min-insync-replicas", 1);
        return new AMQP.BasicProperties.Builder().deliveryMode(2).headers(headers).build();
    }
}
