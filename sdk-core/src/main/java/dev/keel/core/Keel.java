package dev.keel.core;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelInterceptor;
import dev.keel.MessageHandler;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.ReplayResult;
import dev.keel.Subscriber;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.internal.Broadcasts;
import dev.keel.core.internal.Engine;
import dev.keel.core.internal.Interceptors;
import dev.keel.core.internal.deadletters.Replays;
import dev.keel.deadletter.DeadLetters;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The entry point: one broker adapter, one idempotency store, one shared publisher, and the
 * subscriptions started from it. Thread-safe.
 *
 * <p><b>Ownership: Keel closes what it created, never what it was given.</b> {@link #close()}
 * closes the subscriptions (each drains for up to its close timeout), the shared publisher, the
 * scheduler Keel created and the in-memory store Keel created, in that order. The adapter, a store
 * and a scheduler passed to the builder stay the caller's to close, after Keel:
 *
 * <pre>{@code
 * try (KafkaAdapter kafka = new KafkaAdapter(kafkaConfig);
 *      RedisIdempotencyStore redis = RedisIdempotencyStore.create(redisConfig);
 *      Keel keel = Keel.builder(kafka).idempotencyStore(redis).build()) {
 *     keel.ensureTopology(TopicSpec.builder("orders").partitions(8).group("billing").build());
 *     TypedPublisher<String> orders = keel.publisher("orders", Codec.utf8());
 *     orders.publish("order-42", "{...}");                     // returns once confirmed by the broker
 *     keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8()).build(),
 *         delivery -> bill(delivery.payload()));               // return = success, throw = retry
 * }
 * }</pre>
 *
 * <p><b>The idempotency store is chosen on purpose.</b> {@link DeliveryGuarantee#EFFECTIVELY_ONCE}
 * is only as good as its store: a store in one process's memory lets every other instance of the
 * service run each duplicate again. So with a broker outside this process, {@link Builder#build()}
 * fails unless the builder was given a store ({@link Builder#idempotencyStore}) or told that no
 * subscription uses EFFECTIVELY_ONCE ({@link Builder#withoutIdempotencyStore()}). Only with an
 * adapter declaring {@link Capability#IN_PROCESS} (the broker lives in this process, so an
 * in-memory store is as durable as the broker) does Keel create an in-memory store by itself.
 */
public final class Keel implements Subscriber, AutoCloseable {

    private final Engine engine;
    private final Interceptors interceptors;

    private Keel(Builder b, IdempotencyStore store, boolean ownsStore) {
        this.engine = new Engine(b.adapter, store, ownsStore, b.clock, b.metrics, b.publisherConfig, b.scheduler,
                b.instanceId != null ? b.instanceId : Broadcasts.randomInstanceId());
        this.interceptors = new Interceptors(b.interceptors, b.clock, engine.extensionFailures());
    }

    /**
     * A builder of a Keel on {@code adapter}. The adapter stays the caller's: close it after the Keel
     * (for example as the first resource of the same try-with-resources).
     */
    public static Builder builder(BrokerAdapter adapter) {
        return new Builder(adapter);
    }

    /** The shared publisher, for byte payloads. Closing it is optional: {@link #close()} does. */
    public Publisher publisher() {
        return interceptors.publisher(engine.publisher());
    }

    /**
     * A publisher of {@code T} values to {@code topic}, encoded with {@code codec}. Cheap: it
     * publishes through the shared {@link #publisher()} (one in-flight window, a circuit breaker per topic),
     * so create one per topic and keep it, or create them as needed. {@link #close()} closes it too.
     *
     * @throws IllegalArgumentException if {@code topic} is not 1-200 characters of [A-Za-z0-9._-]
     * @throws dev.keel.ClosedException if this Keel is closed
     */
    public <T> TypedPublisher<T> publisher(String topic, Codec<T> codec) {
        return TypedPublisher.of(publisher(), topic, codec);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException for EFFECTIVELY_ONCE on a Keel built
     *                               {@link Builder#withoutIdempotencyStore() withoutIdempotencyStore()}
     */
    @Override
    public <T> Subscription subscribe(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        return engine.subscribe(config, interceptors.handler(config, handler));
    }

    /**
     * Whether the shared publisher accepts publishes now (the view of its worst topic's circuit breaker), for
     * health checks: {@link PublisherState#CIRCUIT_OPEN} while publishes to a topic fail fast after repeated
     * failures of publishes to it.
     */
    public PublisherState publisherState() {
        return engine.publisherState();
    }

    /**
     * How many times user code plugged into this Keel besides the handlers threw: the metrics
     * recorder, an interceptor's decorated handler after the application's handler returned, a
     * re-drive listener. Keel logs each such failure (the first of each kind at WARN with its stack
     * trace, then every thousandth), ignores it and goes on: it is never taken for the handler's
     * outcome, and the message is acknowledged as if the extension had not failed.
     */
    public long extensionFailures() {
        return engine.extensionFailures().count();
    }

    /**
     * The subscriptions started on this Keel and not closed yet, each with its
     * {@link Subscription#state()}: for health checks (a {@link Subscription.State#FAILED} one
     * stopped without draining, and is listed until it is closed or the same topic and group is
     * subscribed again; a {@link Subscription.State#PAUSED} one waits for its store, a
     * {@link Subscription.State#RECONNECTING} one for its broker). A
     * subscription with {@code RetryMode.NON_BLOCKING} is listed as two: its topic's and its retry
     * topic's.
     */
    public java.util.List<Subscription> subscriptions() {
        return engine.subscriptions();
    }

    /**
     * The adapter's default dead-letter topic for {@code topic} ({@link BrokerAdapter#defaultDeadLetterTopic}:
     * {@code orders.DLT} for {@code orders} on Kafka and RabbitMQ, {@code orders_DLT} on RocketMQ): where a
     * subscription with {@link dev.keel.retry.DeadLetterPolicy#ofDefaults()} sends what failed its last attempt.
     *
     * @throws IllegalArgumentException when {@code topic} is empty
     */
    public String defaultDeadLetterTopic(String topic) {
        requireName(topic, "topic");
        return engine.adapter().defaultDeadLetterTopic(topic);
    }

    /**
     * The dead letters {@code group} left for {@code topic} on the adapter's default dead-letter topic
     * ({@link BrokerAdapter#defaultDeadLetterTopic}): to list, inspect and re-drive them. Cheap: nothing
     * is read until an operation runs. A topic whose dead-letter topic does not exist (no dead letter yet) reads as
     * empty; when neither exists, each operation fails with a {@link dev.keel.TopicNotFoundException} naming the topic.
     *
     * @throws IllegalArgumentException when {@code topic} or {@code group} is empty
     */
    public DeadLetters deadLetters(String topic, String group) {
        requireName(topic, "topic");
        return deadLetters(topic, group, engine.adapter().defaultDeadLetterTopic(topic));
    }

    /**
     * The dead letters {@code group} left on {@code deadLetterTopic} (for a subscription whose
     * {@link dev.keel.retry.DeadLetterPolicy} names another topic than the default).
     *
     * @throws IllegalArgumentException when a name is empty, or the dead-letter topic is {@code topic}
     */
    public DeadLetters deadLetters(String topic, String group, String deadLetterTopic) {
        requireName(topic, "topic");
        requireName(group, "group");
        requireName(deadLetterTopic, "deadLetterTopic");
        if (topic.equals(deadLetterTopic)) {
            throw new IllegalArgumentException("the dead-letter topic must differ from the topic '" + topic + "'");
        }
        return engine.deadLetters(topic, group, deadLetterTopic, DeadLetters.DEFAULT_FIRST_WAIT, DeadLetters.DEFAULT_QUIET);
    }

    private static void requireName(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must be non-empty, was '" + name + "'");
        }
    }

    /**
     * Declares topics, partitions and groups, idempotently. A topic with
     * {@link TopicSpec#maxPriority()} fails with a {@link dev.keel.TopologyException} on an adapter
     * without {@link Capability#PRIORITY}.
     */
    public void ensureTopology(TopicSpec... topics) {
        for (TopicSpec topic : topics) {
            dev.keel.core.internal.TopologyChecks.checkDeclarable(engine.adapter(), topic);
            engine.adapter().ensureTopology(topic);
        }
    }

    /**
     * Rewinds {@code group} of {@code topic} to {@code from}: the group reads again every message the
     * broker still retains from that time on (Kafka: {@code offsetsForTimes}; RocketMQ:
     * {@code searchOffset}). A partition whose position is already before that time keeps it. Under
     * EFFECTIVELY_ONCE the messages the group already handled are skipped as duplicates while their
     * done marks are retained ({@link dev.keel.dedup.IdempotencyPolicy#retention()}); use
     * {@link #reprocess} to run them again. The group must have no active member: close its
     * subscriptions (every instance) first, replay, then subscribe again. Not for broadcast
     * subscriptions.
     *
     * @return per partition, the group's position before and after
     * @throws dev.keel.TopicNotFoundException when the topic does not exist (not retriable: check its name)
     * @throws dev.keel.GroupActiveException  when the group has active members
     * @throws UnsupportedOperationException when the adapter does not declare {@link Capability#REPLAY}
     *                                       (RabbitMQ: consumed messages are gone)
     */
    public ReplayResult replay(String topic, String group, Instant from) {
        return Replays.replay(engine.adapter(), engine.store(), topic, group, from, false);
    }

    /**
     * {@link #replay}, after forgetting the group's done (and dead) marks of the replayed range (the ids
     * are read from the broker), so that under EFFECTIVELY_ONCE every replayed message runs again, once.
     * The marks are forgotten before the rewind, so no member that joins after the rewind finds them; a
     * rewind refused because a member joined meanwhile puts them back (kept for the default retention
     * from then on).
     *
     * @throws dev.keel.GroupActiveException  when the group has active members (nothing changed)
     * @throws dev.keel.ReprocessException    when it failed after planning (while forgetting the marks, or
     *                                        at the rewind): the message says what was forgotten, restored
     *                                        and rewound; once the cause is gone, the same call completes it
     * @throws IllegalStateException          on a Keel built {@link Builder#withoutIdempotencyStore()}
     * @throws UnsupportedOperationException when the store cannot forget ids
     */
    public ReplayResult reprocess(String topic, String group, Instant from) {
        return Replays.replay(engine.adapter(), engine.store(), topic, group, from, true);
    }

    /** This instance's id: its broadcast subscriptions' own group and idempotency namespace. */
    public String instanceId() {
        return engine.instanceId();
    }

    /**
     * Closes the subscriptions (each drains for up to its close timeout), the shared publisher, and
     * what Keel created itself (its scheduler, its in-memory store). Never closes the adapter, nor a
     * store or scheduler given to the builder: their creator closes them after this. Idempotent, and safe
     * from several shutdown paths at once: a close called while another is under way returns only once that
     * one finished (the subscriptions drained), so each caller may close the store and the adapter after it.
     * Called by a handler of one of its subscriptions (which cannot wait for itself), it starts the close and
     * returns at once; the close ends once that handler returned, its message acknowledged.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** Builds a {@link Keel}; each value is checked as it is set, the store choice at {@link #build()}. */
    public static final class Builder {
        private final BrokerAdapter adapter;
        private IdempotencyStore store;
        private boolean withoutStore;
        private Clock clock = Clock.systemUTC();
        private MetricsRecorder metrics = MetricsRecorder.noop();
        private PublisherConfig publisherConfig = PublisherConfig.ofDefaults();
        private ScheduledExecutorService scheduler;
        private final List<KeelInterceptor> interceptors = new ArrayList<>();
        private String instanceId;

        private Builder(BrokerAdapter adapter) {
            this.adapter = Objects.requireNonNull(adapter, "adapter");
        }

        /**
         * The store EFFECTIVELY_ONCE subscriptions claim their message ids in. It stays the caller's:
         * {@link Keel#close()} does not close it. Across processes use {@code RedisIdempotencyStore}
         * (module sdk-dedup-redis); {@code new InMemoryIdempotencyStore()} is for a single process.
         *
         * @throws IllegalStateException after {@link #withoutIdempotencyStore()}
         */
        public Builder idempotencyStore(IdempotencyStore store) {
            Objects.requireNonNull(store, "store");
            if (withoutStore) {
                throw new IllegalStateException("withoutIdempotencyStore() was called on this builder: choose either "
                        + "a store or none");
            }
            this.store = store;
            return this;
        }

        /**
         * No idempotency store: for applications that never subscribe with EFFECTIVELY_ONCE. A
         * subscribe with EFFECTIVELY_ONCE then fails with an IllegalStateException.
         *
         * @throws IllegalStateException after {@link #idempotencyStore(IdempotencyStore)}
         */
        public Builder withoutIdempotencyStore() {
            if (store != null) {
                throw new IllegalStateException("idempotencyStore(...) was called on this builder: choose either a "
                        + "store or none");
            }
            this.withoutStore = true;
            return this;
        }

        /** The clock for timestamps, ids and the in-memory store Keel may create; the system clock by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where engine events go; none by default. */
        public Builder metrics(MetricsRecorder metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** The shared publisher's settings; {@link PublisherConfig#ofDefaults()} by default. */
        public Builder publisherConfig(PublisherConfig publisherConfig) {
            this.publisherConfig = Objects.requireNonNull(publisherConfig, "publisherConfig");
            return this;
        }

        /**
         * The scheduler for timeouts, backoff and store retries; by default Keel owns a small one.
         * A scheduler given here is not shut down by {@link Keel#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Adds middleware that sees every publish and decorates every subscription's handler, such as
         * tracing ({@code ObservationInterceptor}, module sdk-observation). Several may be added: they
         * apply in the order added, the first outermost. A handler decorator runs around each attempt,
         * inside Keel's metrics, dead-letter, idempotency and retry middleware (see {@link KeelInterceptor}).
         */
        public Builder interceptor(KeelInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * This instance's id, for broadcast subscriptions (each instance of the service receives every
         * message, and keeps its own idempotency marks): 1-64 characters of [A-Za-z0-9._-], unique
         * among the running instances, and best stable across restarts (a pod or host name). By
         * default a random one per Keel: a restarted instance is then a new one (on Kafka a new
         * consumer group, which starts at the end of the topic, so what was published while it was
         * down is not delivered to it).
         */
        public Builder instanceId(String instanceId) {
            this.instanceId = Broadcasts.checkInstanceId(instanceId);
            return this;
        }

        /**
         * Builds the Keel.
         *
         * @throws IllegalStateException when no store was chosen ({@link #idempotencyStore} or
         *                               {@link #withoutIdempotencyStore()}) and the adapter does not
         *                               declare {@link Capability#IN_PROCESS}
         */
        public Keel build() {
            if (store != null || withoutStore) {
                return new Keel(this, store, false);
            }
            if (!adapter.capabilities().contains(Capability.IN_PROCESS)) {
                throw new IllegalStateException("no idempotency store chosen for " + adapter.getClass().getSimpleName()
                        + ", whose broker is outside this process: EFFECTIVELY_ONCE needs a store shared by every "
                        + "instance of the service. Use .idempotencyStore(RedisIdempotencyStore.create(...)) (module "
                        + "sdk-dedup-redis); or, for a service that runs as a single process only, opt in with "
                        + ".idempotencyStore(new InMemoryIdempotencyStore()); or, when no subscription uses "
                        + "EFFECTIVELY_ONCE, .withoutIdempotencyStore()");
            }
            return new Keel(this, new InMemoryIdempotencyStore(clock), true);
        }
    }
}
