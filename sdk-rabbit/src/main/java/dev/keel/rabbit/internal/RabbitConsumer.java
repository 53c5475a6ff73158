package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import dev.keel.AccessRefusedException;
import dev.keel.KeelHeaders;
import dev.keel.TopicNotFoundException;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.InboundIds;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one group's partition queues of a topic as one member of the group ({@link Lanes}):
 * manual acks, {@code basic.qos} of {@code min(prefetch, maxInFlight / partitions)} per partition
 * queue. On start it ensures what the subscription needs: the group's queues on the topic and, when
 * the settings name one, the dead-letter topic with the group's queues on it (so dead letters are
 * kept for the group, never unroutable).
 *
 * <p>Deliveries are handed to the sink in batches, in delivery order, by one dispatch task at a
 * time on the adapter's executor. {@link #pause()} stops handing them on; the broker stops sending
 * once the prefetch is used up, so at most {@code lanes * prefetch} deliveries wait here. Consuming
 * is not cancelled on pause: that would pass the lanes to another member while this one still holds
 * unacknowledged messages of the same keys.
 *
 * <p>A lane whose consumer ends (its connection lost, its channel closed or its consumer cancelled by
 * the broker) is revoked from the engine at once and reopened by {@link Lanes}, on a new connection
 * after a connection loss; acks for deliveries of the lost channel are dropped (their messages are
 * redelivered, first to the member the broker made active meanwhile).
 */
public final class RabbitConsumer implements BrokerConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitConsumer.class);
    /** The most records per {@link DeliverySink#accept} call. */
    static final int MAX_BATCH = 256;

    private final ConsumerSettings settings;
    private final Topology topology;
    private final ManagedConnection connection;
    private final Duration closeTimeout;
    private final int configuredPrefetch;
    private final Executor executor;
    /** A balancing round is under way ({@link #rebalance}). */
    private final AtomicBoolean balancingRound = new AtomicBoolean();
    private final ScheduledExecutorService scheduler;
    private final Duration rebalanceInterval;
    private final Clock clock;
    private final ConcurrentLinkedQueue<Held> buffer = new ConcurrentLinkedQueue<>();
    private final Object dispatchLock = new Object();
    private final AtomicBoolean dispatchScheduled = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile DeliverySink sink;
    private volatile Lanes lanes;
    private volatile ScheduledFuture<?> balancing;
    private volatile boolean paused;
    private volatile boolean dispatching = true;

    /**
     * {@code closeTimeout} bounds {@link #close()}: what RabbitMQ has not answered by then (a silent
     * connection) is ended by closing {@code connection} at its socket.
     */
    public RabbitConsumer(ConsumerSettings settings, Topology topology, ManagedConnection connection,
                          Duration closeTimeout, int configuredPrefetch, Executor executor,
                          ScheduledExecutorService scheduler, Duration rebalanceInterval, Clock clock,
                          Runnable onEnded) {
        this.settings = settings;
        this.topology = topology;
        this.connection = connection;
        this.closeTimeout = closeTimeout;
        this.configuredPrefetch = configuredPrefetch;
        this.executor = executor;
        this.scheduler = scheduler;
        this.rebalanceInterval = rebalanceInterval;
        this.clock = clock;
        closed.whenComplete((v, e) -> onEnded.run());
    }

    @Override
    public void start(DeliverySink sink) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("consumer already started");
        }
        this.sink = sink;
        String topic = settings.topic();
        int count = topology.lanesOfExisting(topic).orElseThrow(() -> new TopicNotFoundException(topic, "topic '" + topic
                + "' does not exist on RabbitMQ: declare it (with group '" + settings.group()
                + "') with ensureTopology before subscribing"));
        try {
            topology.ensureGroup(topic, settings.group(), count);
            settings.deadLetterTopic().ifPresent(dlt -> topology.ensureDeadLetters(topic, settings.group(), dlt));
        } catch (RuntimeException e) {
            abort(); // refused: this consumer ends now (the adapter forgets it), holding nothing
            throw e;
        }
        int prefetch = Math.max(1, Math.min(configuredPrefetch, settings.maxInFlight() / count));
        Lanes l = new Lanes(topic, settings.group(), count, prefetch, connection::get, topology, this::onDelivery,
                this::revoke, settings.revokeTimeout(), executor, scheduler,
                new ConsumeOutage(sink::disconnected, sink::reconnected, this::refused));
        lanes = l;
        if (ended.get()) {
            // closed while starting, before it saw these lanes: nothing may be left consuming
            l.abort();
            LOG.info("the subscription to topic '{}' as group '{}' was closed while it started: not consuming", topic,
                    settings.group());
            return;
        }
        try {
            l.open();
        } catch (RuntimeException e) {
            abort();
            throw e;
        }
        long every = rebalanceInterval.toMillis();
        balancing = scheduler.scheduleWithFixedDelay(this::rebalance, every, every, TimeUnit.MILLISECONDS);
        if (ended.get()) {
            balancing.cancel(false); // the close may have looked before it was scheduled
        }
        LOG.info("consuming topic '{}' as group '{}': {} partition queues, prefetch {} each", topic, settings.group(),
                count, prefetch);
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        scheduleDispatch();
    }

    /**
     * Sends the acks made so far and leaves the group; unacknowledged messages go back to the queues.
     * Completes once every channel is closed: within the adapter's {@code closeTimeout}, after which
     * channels whose close RabbitMQ has not answered (the connection went silent) are ended by closing
     * the consuming connection at its socket; RabbitMQ requeues what they had not acknowledged once it
     * sees the connection gone.
     */
    @Override
    public CompletionStage<Void> close() {
        return end(false);
    }

    /**
     * Leaves without sending any more acks: everything unacknowledged is redelivered. Used on a
     * failed start and by this module's tests; the SPI has no abort.
     */
    public void abort() {
        end(true);
    }

    private CompletableFuture<Void> end(boolean abort) {
        if (!ended.compareAndSet(false, true)) {
            return closed;
        }
        dispatching = false;
        ScheduledFuture<?> b = balancing;
        if (b != null) {
            b.cancel(false);
        }
        synchronized (dispatchLock) {
            buffer.clear();
        }
        Lanes l = lanes;
        if (l == null) {
            closed.complete(null);
        } else if (abort) {
            l.abort();
            closed.complete(null);
        } else {
            CompletableFuture<Void> leaving = l.close();
            leaving.copy().orTimeout(closeTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
                if (e != null) {
                    connection.forceClose("RabbitMQ did not answer closing the channels of topic '" + settings.topic()
                            + "' for group '" + settings.group() + "' within closeTimeout (" + closeTimeout
                            + "): the connection is silent; what was not acknowledged goes back to the queues");
                }
            });
            leaving.whenComplete((v, e) -> closed.complete(null));
        }
        return closed;
    }

    /**
     * RabbitMQ refused a partition queue's reopening (the login, the virtual host or the read permission): retrying
     * cannot help, so the subscription fails with the refusal once this member has left (what it had not
     * acknowledged goes back to the queues for the next consumer).
     */
    private void refused(AccessRefusedException cause) {
        if (ended.get()) {
            return;
        }
        LOG.error("RabbitMQ refused the consumer of topic '{}' as group '{}', which is not retried: {}. The"
                + " subscription fails; what it had not acknowledged goes back to the queues", settings.topic(),
                settings.group(), cause.getMessage());
        end(false).whenComplete((v, e) -> sink.failed(cause));
    }

    /**
     * Starts a balancing round on the adapter's executor, unless one is under way: a round counts the group's members
     * with a call to the broker, which waits as long as the broker does not read the publishing connection (a memory
     * alarm), and the timer threads are shared with every lane's settle grace and the producer's stuck-write sweep
     * (BlockedPublishingTest).
     */
    private void rebalance() {
        if (!balancingRound.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    lanes.rebalance();
                } catch (RuntimeException e) {
                    LOG.warn("balancing the partition queues of group '{}' failed: {}", settings.group(),
                            e.toString());
                } finally {
                    balancingRound.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            balancingRound.set(false); // the adapter is closing
        }
    }

    /** Revokes a lane from the engine; serialized with dispatching so no record of it follows. */
    private CompletionStage<Void> revoke(String queue) {
        synchronized (dispatchLock) {
            return sink.revoke(List.of(queue));
        }
    }

    private void onDelivery(LaneChannel lane, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        long tag = envelope.getDeliveryTag();
        AckBatcher acks = lane.acks();
        acks.delivered(tag);
        long epoch = acks.epoch();
        Map<String, String> headers = AmqpMessages.headers(properties);
        String id = InboundIds.idOf(headers, AmqpMessages.nativeId(properties, lane.queue()));
        InboundRecord record = new InboundRecord(settings.topic(), lane.queue(), tag, id,
                headers.get(KeelHeaders.KEY), headers, body,
                AmqpMessages.timestamp(headers, properties, clock.instant()),
                AmqpMessages.deliveryCount(properties, envelope.isRedeliver()), () -> acks.ack(epoch, tag));
        buffer.add(new Held(lane, epoch, record));
        scheduleDispatch();
    }

    private void scheduleDispatch() {
        if (dispatching && !paused && !buffer.isEmpty() && dispatchScheduled.compareAndSet(false, true)) {
            executor.execute(this::dispatch);
        }
    }

    private void dispatch() {
        try {
            List<InboundRecord> batch = new ArrayList<>();
            while (dispatching && !paused) {
                synchronized (dispatchLock) {
                    Held held;
                    while (batch.size() < MAX_BATCH && (held = buffer.poll()) != null) {
                        if (held.epoch == held.lane.acks().epoch() && lanes.isCurrent(held.lane)) {
                            batch.add(held.record);
                        }
                    }
                    if (batch.isEmpty()) {
                        break;
                    }
                    sink.accept(List.copyOf(batch));
                }
                batch.clear();
            }
        } catch (RuntimeException | Error e) {
            // the subscription fails (its close closes the channels: what was not acknowledged goes back to the
            // queues) rather than stall with these messages taken and never acknowledged
            dispatching = false;
            dispatchScheduled.set(false);
            LOG.error("the delivery sink failed; the subscription fails and its unacknowledged messages are requeued",
                    e);
            sink.failed(e);
            return;
        }
        dispatchScheduled.set(false);
        scheduleDispatch();
    }

    private record Held(LaneChannel lane, long epoch, InboundRecord record) {
    }
}
