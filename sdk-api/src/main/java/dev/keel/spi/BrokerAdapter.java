package dev.keel.spi;

import dev.keel.TopicSpec;
import dev.keel.retry.DeadLetterPolicy;
import java.util.Set;

/**
 * A broker behind Keel's API. Adapters translate; the engine owns ids, headers, retries,
 * idempotency, ordering lanes, dead letters and backpressure.
 *
 * <p>Topology has one owner per need: {@link #ensureTopology} declares what the application names
 * (a topic, its partitions and groups); a consumer ensures what its subscription needs by itself
 * (its group's binding and its dead-letter topic, see {@link #consumer}). Adapters that can also
 * describe and delete topics implement {@link TopologyAdmin}.
 */
public interface BrokerAdapter extends AutoCloseable {

    /** The optional abilities of this adapter. */
    Set<Capability> capabilities();

    /**
     * Declares the topic, its partitions and groups (and what the broker needs for them). Declaring
     * it again with the same settings does nothing; when the broker has the topic with other
     * settings (partitions, replication, queue arguments) it fails with a
     * {@link dev.keel.TopologyException} naming both, and changes nothing.
     */
    void ensureTopology(TopicSpec topic);

    /** The shared producer, created on first use. */
    BrokerProducer producer();

    /**
     * A new consumer for one subscription; it starts on {@link BrokerConsumer#start}. By the time
     * {@code start} returns, the consumer has ensured what the subscription needs: its group's
     * binding to the topic (RabbitMQ: the group's partition queues; Kafka: nothing) and, when
     * {@link ConsumerSettings#deadLetterTopic()} is present, that topic, created like the consumed
     * topic if it does not exist, with the subscription's group keeping the dead letters (an
     * existing dead-letter topic is used as it is). Subscribing to a topic that does not exist fails
     * with a {@link dev.keel.TopicNotFoundException} naming it and saying to declare it (unless the adapter is
     * configured to create topics on first use).
     */
    BrokerConsumer consumer(ConsumerSettings settings);

    /**
     * The dead-letter topic for messages of {@code topic} under the default
     * {@link DeadLetterPolicy#ofDefaults()}: {@code <topic>.DLT}, unless the broker does not allow
     * that name and the adapter chooses a legal one.
     */
    default String defaultDeadLetterTopic(String topic) {
        return topic + DeadLetterPolicy.DEFAULT_SUFFIX;
    }

    /**
     * The retry topic of {@code group}'s non-blocking retries ({@link dev.keel.retry.RetryMode#NON_BLOCKING})
     * of messages from {@code topic}: {@code <topic>.<group>.retry}, unless the broker does not allow
     * that name and the adapter chooses a legal one. The engine declares it with
     * {@link #ensureRetryTopic} for {@code group} only. The name need not be unique: topic {@code a.b} with group
     * {@code g} and topic {@code a} with group {@code b.g} share {@code a.b.g.retry}. Each group then consumes it in
     * a broker group of its own (as any topic: distinct Keel groups must never share one), receives the other's
     * copies too, and runs only those whose {@link dev.keel.KeelHeaders#RETRY_ORIGIN_TOPIC} and
     * {@link dev.keel.KeelHeaders#RETRY_ORIGIN_GROUP} are its own.
     */
    default String retryTopic(String topic, String group) {
        return topic + "." + group + ".retry";
    }

    /**
     * Declares {@code retryTopic}, the retry topic ({@link #retryTopic}) of a group's non-blocking retries of messages
     * from {@code topic}, as {@link #ensureTopology} does, so that it takes every record {@code topic} takes: an
     * adapter whose topics have limits of their own gives it {@code topic}'s (Kafka: {@code max.message.bytes}).
     * By default {@link #ensureTopology}.
     */
    default void ensureRetryTopic(String topic, TopicSpec retryTopic) {
        ensureTopology(retryTopic);
    }

    /**
     * Closes the producer and consumers this adapter created. Whoever created the adapter closes it,
     * after the {@code Keel} built on it: Keel closes what it created, never what it was given.
     */
    @Override
    void close();
}
