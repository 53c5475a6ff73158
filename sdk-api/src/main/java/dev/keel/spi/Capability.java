package dev.keel.spi;

/**
 * Optional abilities an adapter declares. The contract suite skips a test only when the adapter
 * lacks the capability it needs, and the skip names it.
 */
public enum Capability {
    /** A publish that cannot be routed (unknown topic, no bound group) fails with UnroutableException. */
    UNROUTABLE_DETECTION,
    /** Several consumers share a group; the broker rebalances partitions among them. */
    CONSUMER_GROUPS,
    /** Messages not acknowledged by a consumer that closed or crashed are redelivered to the group. */
    REDELIVERY,
    /** Messages with the same key go to the same partition or lane queue, in publish order. */
    KEY_ORDERING,
    /**
     * The broker lives in this process, so an in-process idempotency store is as durable as the
     * broker: with such an adapter and no store chosen, Keel uses an in-memory store of its own.
     */
    IN_PROCESS,
    /**
     * A message published with a delivery time ({@code Message.Builder#deliverAt}) reaches consumers
     * no earlier than that time. Natively or emulated by Keel: docs/capabilities.md says which.
     */
    DELAYED_DELIVERY,
    /**
     * An unordered subscription can retry a failed message later, from a retry destination with a
     * backoff delay, while the rest of its partition keeps flowing.
     */
    NON_BLOCKING_RETRY,
    /** A group can be rewound to a point in time, and reads again what the broker still retains. */
    REPLAY,
    /** A broadcast subscription: every instance receives every message of the topic. */
    BROADCAST,
    /**
     * A subscription's header filter can run on the broker, so skipped messages need not reach the client.
     * A broker that refuses it (RocketMQ without {@code enablePropertyFilter}) gets the subscription without
     * a broker filter, with a WARN; the engine filters every delivery client-side in any case.
     */
    BROKER_FILTER,
    /** Messages carry a priority, and a waiting message of higher priority is delivered first. */
    PRIORITY,
    /**
     * The adapter offers a native transactional consume-transform-produce pipeline: the records a batch
     * produces and the offsets of the records it consumed commit in one broker transaction, so each
     * input's outputs appear exactly once to {@code read_committed} readers. An optional API of the
     * adapter (on Kafka, {@code KafkaAdapter.transactionalPipeline}); effects outside the broker are not
     * covered. docs/outbox-inbox.md compares it with the JDBC outbox and inbox.
     */
    TRANSACTIONAL_PIPELINE,
    /**
     * The adapter offers native transactional publishing: a message is stored unseen (a half message),
     * the application's local transaction runs, and the message becomes visible only if it commits; the
     * broker checks back when the outcome is lost. An optional API of the adapter (on RocketMQ,
     * {@code RocketAdapter.transactionalPublisher}); key order is not kept. docs/outbox-inbox.md
     * compares it with the JDBC outbox.
     */
    TRANSACTIONAL_PUBLISH,
    /**
     * Shared consumption ({@code SubscriptionConfig.Builder#shareGroup(true)}): the members of a group take
     * the topic's messages one by one, any member any message, with no partition owned by one member, and
     * each message is acknowledged on its own: accepted, or handed back ({@link InboundRecord#release()}) for
     * the broker to deliver again, to any member, with its delivery count raised
     * ({@link InboundRecord#deliveryCount()}). A member that dies holds its messages only until the broker's
     * lock on them expires. No order is kept, so a subscription in this mode has none of
     * {@link #KEY_ORDERING}, {@link #BROADCAST}, {@link #NON_BLOCKING_RETRY} and {@link #REPLAY}. Native on
     * Kafka (share groups, KIP-932); RabbitMQ's competing consumers of one queue and RocketMQ's
     * SimpleConsumer match it too (docs/capabilities.md says which adapter declares it).
     */
    SHARED_CONSUMPTION
}
