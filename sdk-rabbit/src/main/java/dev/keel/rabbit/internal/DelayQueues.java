package dev.keel.rabbit.internal;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import dev.keel.BrokerUnavailableException;
import dev.keel.DelayTooLongException;
import dev.keel.TopologyException;
import dev.keel.UnroutableException;
import dev.keel.rabbit.QueueType;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.OutboundRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Delayed publishes on RabbitMQ without the delayed-message plugin: per topic, partition and delay
 * bucket a durable queue {@code T.keel-delay.<p>.<bucket ms>} with {@code x-message-ttl = bucket},
 * dead-lettering into the topic's exchange with the partition's routing key, so the message reaches
 * every group's partition queue {@code p} (the key's partition, as for an undelayed publish) when
 * its TTL ends. It is published to that queue through the default exchange, and confirmed once
 * stored there. A queue's messages all have the same TTL, so the head always expires first and a
 * short delay never waits behind a long one. Delays are rounded UP to a bucket
 * ({@link #bucketMillis}): never early, late by at most one bucket step.
 *
 * <p>Each bucket a topic uses is recorded in its {@link DelayIndex} before its first delay queue is
 * declared, so that deleting the topic deletes its delay queues. A delay queue also deletes itself
 * once unused for {@code 2 × bucket + 1 h} ({@code x-expires}), so the queues of delays no longer
 * used go away. Every message leaves its queue
 * after {@code bucket}; a producer declares the queue again before publishing to it when its last
 * declaration is older than {@link #REDECLARE_AFTER_MILLIS}, so a queue never expires with messages
 * in it. Thread-safe; declarations are made one at a time (RabbitMQ 3.10 nacks some publishes to a quorum queue
 * that several channels declared at the same moment), the publishes themselves are not held up.
 */
public final class DelayQueues {

    /** The smallest bucket step: delays are rounded up to a multiple of it at least. */
    static final long MIN_STEP_MILLIS = 100;
    private static final String PREFIX = ".keel-delay.";
    /** Added to twice the bucket for a delay queue's {@code x-expires}. */
    static final long EXPIRY_MARGIN_MILLIS = 3_600_000;
    /** A producer declares a delay queue again before using it when it last did so longer ago. */
    static final long REDECLARE_AFTER_MILLIS = EXPIRY_MARGIN_MILLIS / 2;

    private final ManagedConnection connection;
    private final QueueType queueType;
    private final Clock clock;
    /** Delay queues this producer declared, with when (epoch millis). */
    private final Map<String, Long> declared = new ConcurrentHashMap<>();
    /** Held while declaring: a delay queue (and its index entry) is declared by one thread at a time. */
    private final Object declaring = new Object();

    public DelayQueues(ManagedConnection connection, QueueType queueType, Clock clock) {
        this.connection = connection;
        this.queueType = queueType;
        this.clock = clock;
    }

    /**
     * The delay queue to publish {@code record} (bound for {@code partition}) to, declared if this
     * producer has not declared it yet; {@code null} when the record is not (or no longer) delayed.
     *
     * @throws DelayTooLongException past {@link RabbitConfig#MAX_DELAY}
     */
    public String queueFor(OutboundRecord record, int partition) {
        if (!record.delayed()) {
            return null;
        }
        long delay = record.deliverAt().toEpochMilli() - clock.millis();
        if (delay <= 0) {
            return null;
        }
        if (delay > RabbitConfig.MAX_DELAY.toMillis()) {
            throw new DelayTooLongException(record.id(), Duration.ofMillis(delay), RabbitConfig.MAX_DELAY, null);
        }
        long bucket = bucketMillis(delay);
        String queue = name(record.topic(), partition, bucket);
        if (due(queue, clock.millis())) {
            // one declaration at a time: RabbitMQ 3.10 nacks some publishes to a quorum queue that several channels
            // declared at the same moment (the lanes' first retry copies to a new delay queue did)
            synchronized (declaring) {
                long now = clock.millis();
                if (due(queue, now)) {
                    declare(record.topic(), partition, bucket, queue);
                    declared.put(queue, now);
                }
            }
        }
        return queue;
    }

    private boolean due(String queue, long now) {
        Long last = declared.get(queue);
        return last == null || now - last > REDECLARE_AFTER_MILLIS;
    }

    /**
     * {@code delay} rounded up to two significant digits, and to a multiple of
     * {@value #MIN_STEP_MILLIS} ms at least: 1,234 ms waits 1,300 ms, 12.3 s waits 13 s, 2 h 3 min
     * waits 2 h 6 min (7,380 s → 7,400 s). So there are at most 90 buckets per power of ten.
     */
    static long bucketMillis(long delay) {
        long step = MIN_STEP_MILLIS;
        while (delay > step * 100) {
            step *= 10;
        }
        return Math.max(step, ((delay + step - 1) / step) * step);
    }

    static String name(String topic, int partition, long bucket) {
        return topic + PREFIX + partition + "." + bucket;
    }

    private void declare(String topic, int partition, long bucket, String queue) {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", queueType.argument());
        args.put("x-message-ttl", bucket);
        args.put("x-dead-letter-exchange", Names.exchange(topic));
        args.put("x-dead-letter-routing-key", Names.routingKey(partition));
        args.put("x-expires", 2 * bucket + EXPIRY_MARGIN_MILLIS);
        if (queueType == QueueType.QUORUM) {
            // dead-lettered with confirms inside the broker, not dropped if the exchange is briefly unavailable
            args.put("x-dead-letter-strategy", "at-least-once");
            args.put("x-overflow", "reject-publish");
        }
        Channel channel = connection.openChannel();
        try {
            // the topic may have been deleted (by another process) since this producer last declared: a delay queue
            // declared then would keep the message, and hand it to a topic declared again under the name
            if (!BrokerCalls.exchangeExists(channel, Names.exchange(topic))) {
                throw new UnroutableException("topic '" + topic + "' does not exist on RabbitMQ any more (no exchange "
                        + "of that name; it was deleted after this process first used the topic): declare it and its "
                        + "consumer groups with ensureTopology");
            }
            // recorded before the queue exists, at each declaration (the index may have gone with a deleted topic
            // that was declared again): deleteTopology finds it
            DelayIndex.append(channel, queueType, topic, bucket);
            channel.queueDeclare(queue, true, false, false, args);
        } catch (IOException e) {
            if (BrokerCalls.replyCode(e) == 406) {
                throw new TopologyException(topic, "the delay queue '" + queue + "' exists with other settings: "
                        + "delete it once it is empty (Keel declares it again)", e);
            }
            if (BrokerCalls.replyCode(e) == BrokerCalls.ACCESS_REFUSED) {
                throw BrokerCalls.refused("declare the delay queue '" + queue + "' of topic '" + topic + "'", e);
            }
            throw new BrokerUnavailableException("cannot declare the delay queue '" + queue + "': " + e.getMessage(), e);
        } catch (AlreadyClosedException e) {
            if (BrokerCalls.replyCode(e) == BrokerCalls.ACCESS_REFUSED) {
                throw BrokerCalls.refused("declare the delay queue '" + queue + "' of topic '" + topic + "'", e);
            }
            throw new BrokerUnavailableException("cannot declare the delay queue '" + queue
                    + "': the connection was lost", e);
        } finally {
            try {
                if (channel.isOpen()) {
                    channel.close();
                }
            } catch (IOException | TimeoutException | RuntimeException ignored) {
                // gone either way
            }
        }
    }

    /** Forgets what was declared (after a topic was deleted or the connection replaced). */
    public void forget() {
        declared.clear();
    }

    /** Forgets what was declared for {@code topic} (deleted): its next delayed publishes declare again. */
    public void forget(String topic) {
        declared.keySet().removeIf(queue -> queue.startsWith(topic + PREFIX));
    }

    /** Forgets one delay queue, found missing: the next publish to it declares it again. */
    public void forgetQueue(String queue) {
        declared.remove(queue);
    }
}
