package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.rabbit.QueueType;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Declares topics and groups (see {@link Names}) and knows each topic's lane count. Thread-safe.
 *
 * <p>The lane count N of a topic is what publishers need to route a key to lane
 * {@code KeyHash.laneOf(key, N)}. AMQP cannot read exchange arguments back, so {@code ensureTopology}
 * also keeps N in the broker as the message count of the marker queue {@code T.keel-lanes}
 * (classic, {@code x-max-length=N}, N empty persistent messages, never consumed). A process that
 * did not declare the topic reads N with one passive declare of that queue. Declaring the same
 * topic again with another N fails (the marker's {@code x-max-length} differs): lane counts cannot
 * change, since that would move keys to other lanes.
 */
public final class Topology {

    private static final int NOT_FOUND = 404;
    private static final int PRECONDITION_FAILED = 406;

    private final ManagedConnection connection;
    private final QueueType queueType;
    private final int defaultLanes;
    private final String deadLetterSuffix;
    private final Map<String, Integer> lanes = new ConcurrentHashMap<>();
    private final Set<String> declaredGroups = ConcurrentHashMap.newKeySet();

    /** {@code deadLetterSuffix}: see {@link dev.keel.rabbit.RabbitConfig#deadLetterSuffix()} (nullable). */
    public Topology(ManagedConnection connection, QueueType queueType, int defaultLanes, String deadLetterSuffix) {
        this.connection = connection;
        this.queueType = queueType;
        this.defaultLanes = defaultLanes;
        this.deadLetterSuffix = deadLetterSuffix;
    }

    /**
     * Declares exchange, lane-count marker, and per group lane queues, bindings, member queue and
     * dead-letter pair; then the topic's dead-letter topic with the same groups.
     */
    public void ensure(TopicSpec spec) {
        declare(spec);
        if (hasDeadLetterTopic(spec.name()) && !spec.groups().isEmpty()) {
            String dlt = spec.name() + deadLetterSuffix;
            TopicSpec.Builder dead = TopicSpec.builder(dlt).replicationFactor(spec.replicationFactor())
                    .minInSyncReplicas(spec.minInSyncReplicas())
                    .partitions(lanesOf(dlt).orElse(spec.partitions())); // an existing one keeps its lanes
            spec.groups().forEach(dead::group);
            declare(dead.build());
        }
    }

    private boolean hasDeadLetterTopic(String topic) {
        return deadLetterSuffix != null && !topic.endsWith(deadLetterSuffix);
    }

    private void declare(TopicSpec spec) {
        String topic = spec.name();
        int n = spec.partitions();
        for (String group : spec.groups()) {
            Names.checkFits(topic, group, n);
        }
        Names.checkFits(topic, "g", n);
        run("declare topic '" + topic + "'", channel -> {
            channel.exchangeDeclare(Names.exchange(topic), BuiltinExchangeType.DIRECT, true, false, Map.of());
            declareMarker(channel, topic, n);
            for (String group : spec.groups()) {
                declareGroup(channel, topic, group, n, spec.replicationFactor());
            }
            return null;
        });
        lanes.put(topic, n);
        for (String group : spec.groups()) {
            declaredGroups.add(topic + '\n' + group);
        }
    }

    /**
     * Declares one group's queues for a topic with {@code n} lanes, and the group on the topic's
     * dead-letter topic; once per process.
     */
    public void ensureGroup(String topic, String group, int n) {
        Names.checkFits(topic, group, n);
        if (declaredGroups.contains(topic + '\n' + group)) {
            return;
        }
        if (hasDeadLetterTopic(topic)) {
            String dlt = topic + deadLetterSuffix;
            declare(TopicSpec.builder(dlt).partitions(lanesOf(dlt).orElse(n)).group(group).build());
        }
        run("declare group '" + group + "' of topic '" + topic + "'", channel -> {
            declareGroup(channel, topic, group, n, TopicSpec.DEFAULT_REPLICATION_FACTOR);
            return null;
        });
        declaredGroups.add(topic + '\n' + group);
    }

    /**
     * The topic's lane count: as declared in this process, else as its marker queue says, else
     * {@link dev.keel.rabbit.RabbitConfig#defaultLanes()} when the exchange exists without a marker;
     * empty when the topic's exchange does not exist. Found counts are remembered.
     *
     * @throws BrokerUnavailableException (retriable) while another process is declaring the topic
     */
    public OptionalInt lanesOf(String topic) {
        Integer known = lanes.get(topic);
        if (known != null) {
            return OptionalInt.of(known);
        }
        int marked = run("look up topic '" + topic + "'", channel -> {
            try {
                return channel.queueDeclarePassive(Names.lanesMarker(topic)).getMessageCount();
            } catch (IOException e) {
                if (replyCode(e) == NOT_FOUND) {
                    return -1;
                }
                throw e;
            }
        });
        if (marked == 0) {
            throw new BrokerUnavailableException("topic '" + topic + "' is being declared by another process;"
                    + " try again in a moment", null);
        }
        if (marked > 0) {
            lanes.putIfAbsent(topic, marked);
            return OptionalInt.of(marked);
        }
        boolean exists = run("look up topic '" + topic + "'", channel -> {
            try {
                channel.exchangeDeclarePassive(Names.exchange(topic));
                return true;
            } catch (IOException e) {
                if (replyCode(e) == NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        });
        if (!exists) {
            return OptionalInt.empty();
        }
        lanes.putIfAbsent(topic, defaultLanes);
        return OptionalInt.of(defaultLanes);
    }

    /** How many consumers are registered on the group's member queue (running members of the group). */
    public int memberCount(String topic, String group) {
        return run("count the members of group '" + group + "'",
                channel -> channel.queueDeclarePassive(Names.membersQueue(topic, group)).getConsumerCount());
    }

    /** Forgets every lane count (an exchange vanished), so the next publishes ask the broker again. */
    public void forgetLanes() {
        lanes.clear();
        declaredGroups.clear();
    }

    private void declareMarker(Channel channel, String topic, int n) throws IOException {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", QueueType.CLASSIC.argument());
        args.put("x-max-length", n);
        args.put("x-overflow", "drop-head");
        String marker = Names.lanesMarker(topic);
        int count = channel.queueDeclare(marker, true, false, false, args).getMessageCount();
        if (count >= n) {
            return;
        }
        // one transaction, so that readers see 0 (declaration in progress) or N, not a count between
        channel.txSelect();
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        for (int i = 0; i < n; i++) {
            channel.basicPublish("", marker, persistent, new byte[0]);
        }
        channel.txCommit();
    }

    private void declareGroup(Channel channel, String topic, String group, int n, int replicationFactor)
            throws IOException {
        String dlx = Names.deadLetterExchange(topic, group);
        channel.exchangeDeclare(dlx, BuiltinExchangeType.FANOUT, true, false, Map.of());
        channel.queueDeclare(Names.deadLetterQueue(topic, group), true, false, false, queueArgs(replicationFactor));
        channel.queueBind(Names.deadLetterQueue(topic, group), dlx, "");
        channel.queueDeclare(Names.membersQueue(topic, group), true, false, false,
                Map.of("x-queue-type", QueueType.CLASSIC.argument()));
        Map<String, Object> laneArgs = queueArgs(replicationFactor);
        laneArgs.put("x-single-active-consumer", true);
        laneArgs.put("x-dead-letter-exchange", dlx);
        for (int lane = 0; lane < n; lane++) {
            String queue = Names.laneQueue(topic, group, lane);
            channel.queueDeclare(queue, true, false, false, laneArgs);
            channel.queueBind(queue, Names.exchange(topic), Names.routingKey(lane));
        }
    }

    private Map<String, Object> queueArgs(int replicationFactor) {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", queueType.argument());
        if (queueType == QueueType.QUORUM && replicationFactor > 1) {
            args.put("x-quorum-initial-group-size", replicationFactor);
        }
        return args;
    }

    private <T> T run(String what, ChannelWork<T> work) {
        Channel channel = connection.openChannel();
        try {
            return work.apply(channel);
        } catch (IOException e) {
            if (replyCode(e) == PRECONDITION_FAILED) {
                throw new IllegalStateException("cannot " + what + ": RabbitMQ already has it with other settings ("
                        + replyText(e) + "); lane counts and queue types cannot change: delete the old queues"
                        + " or use another topic name", e);
            }
            throw new BrokerUnavailableException("cannot " + what + ": " + describe(e), e);
        } catch (TimeoutException e) {
            throw new BrokerUnavailableException("cannot " + what + ": RabbitMQ did not confirm in time", e);
        } catch (AlreadyClosedException e) {
            throw new BrokerUnavailableException("cannot " + what + ": the connection was lost", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while trying to " + what, e, true);
        } finally {
            closeQuietly(channel);
        }
    }

    static int replyCode(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyCode() : -1;
    }

    private static String replyText(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyText()
                : String.valueOf(e.getMessage());
    }

    private static String describe(IOException e) {
        ShutdownSignalException signal = signal(e);
        return signal != null ? String.valueOf(signal.getMessage()) : String.valueOf(e.getMessage());
    }

    private static ShutdownSignalException signal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s) {
                return s;
            }
        }
        return null;
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException ignored) {
            // the channel is gone either way
        }
    }

    @FunctionalInterface
    private interface ChannelWork<T> {
        T apply(Channel channel) throws IOException, InterruptedException, TimeoutException;
    }
}
