package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one group's lane queues of a topic on one channel of the adapter's recovering consumer
 * connection: one {@code basic.consume} per lane queue, manual acks, {@code basic.qos} of
 * {@code min(prefetch, maxInFlight / lanes)} per queue. The lane queues use single-active-consumer,
 * so each lane is consumed by one instance of the group at a time, in order.
 *
 * <p>Deliveries are handed to the sink in batches, in delivery order, from a dispatch task on the
 * adapter's executor. {@link #pause()} stops handing them on; the broker stops sending once the
 * prefetch is used up, so at most {@code lanes * prefetch} deliveries wait here. Consuming is not
 * cancelled on pause: cancelling would pass the lanes to another instance while this one still
 * holds unacknowledged messages of the same keys.
 *
 * <p>After a connection loss the client library reconnects, restores the channel, its QoS and the
 * consumers; acks for deliveries from before the loss are dropped (their messages are redelivered).
 */
public final class RabbitConsumer implements BrokerConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitConsumer.class);
    /** The most records per {@link DeliverySink#accept} call. */
    static final int MAX_BATCH = 256;

    private final ConsumerSettings settings;
    private final Topology topology;
    private final Supplier<Connection> connection;
    private final int configuredPrefetch;
    private final Executor executor;
    private final Clock clock;
    private final java.util.concurrent.ConcurrentLinkedQueue<Held> buffer = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean dispatchScheduled = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final List<String> consumerTags = new ArrayList<>();
    private volatile DeliverySink sink;
    private volatile Channel channel;
    private volatile AckBatcher acks;
    private volatile boolean paused;
    private volatile boolean dispatching = true;

    public RabbitConsumer(ConsumerSettings settings, Topology topology, Supplier<Connection> connection,
                          int configuredPrefetch, Executor executor, Clock clock) {
        this.settings = settings;
        this.topology = topology;
        this.connection = connection;
        this.configuredPrefetch = configuredPrefetch;
        this.executor = executor;
        this.clock = clock;
    }

    @Override
    public void start(DeliverySink sink) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("consumer already started");
        }
        this.sink = sink;
        String topic = settings.topic();
        int lanes = topology.lanesOf(topic).orElseThrow(() -> new KeelException("topic '" + topic
                + "' does not exist on RabbitMQ: declare it (with group '" + settings.group()
                + "') with ensureTopology before subscribing", false));
        topology.ensureGroup(topic, settings.group(), lanes);
        Channel ch;
        try {
            ch = connection.get().createChannel();
        } catch (IOException | AlreadyClosedException e) {
            throw new BrokerUnavailableException("cannot open a RabbitMQ consumer channel: " + e.getMessage(), e);
        }
        channel = ch;
        acks = new AckBatcher(ch);
        ch.addShutdownListener(this::onChannelLost);
        int prefetch = Math.max(1, Math.min(configuredPrefetch, settings.maxInFlight() / lanes));
        try {
            ch.basicQos(prefetch);
            for (int lane = 0; lane < lanes; lane++) {
                String queue = Names.laneQueue(topic, settings.group(), lane);
                synchronized (consumerTags) {
                    consumerTags.add(ch.basicConsume(queue, false, new LaneConsumer(ch, queue)));
                }
            }
        } catch (IOException | AlreadyClosedException e) {
            abort();
            throw new BrokerUnavailableException("cannot consume topic '" + topic + "' as group '" + settings.group()
                    + "': " + e.getMessage(), e);
        }
        LOG.info("consuming topic '{}' as group '{}': {} lane queues, prefetch {} each", topic, settings.group(),
                lanes, prefetch);
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

    /** Sends the acks made so far, cancels consuming and closes the channel (the rest is requeued). */
    @Override
    public CompletionStage<Void> close() {
        if (!ended.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        dispatching = false;
        buffer.clear();
        Channel ch = channel;
        AckBatcher a = acks;
        if (ch == null) {
            return CompletableFuture.completedFuture(null);
        }
        a.flush();
        List<String> tags;
        synchronized (consumerTags) {
            tags = List.copyOf(consumerTags);
        }
        for (String tag : tags) {
            try {
                ch.basicCancel(tag);
            } catch (IOException | RuntimeException e) {
                LOG.debug("cancel of {} failed: {}", tag, e.getMessage());
            }
        }
        a.flush();
        a.stop();
        closeQuietly(ch);
        return CompletableFuture.completedFuture(null);
    }

    /** Closes the channel without sending any more acks: everything unacknowledged is redelivered. */
    @Override
    public void abort() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        dispatching = false;
        buffer.clear();
        AckBatcher a = acks;
        if (a != null) {
            a.stop();
        }
        Channel ch = channel;
        if (ch != null) {
            try {
                ch.abort();
            } catch (IOException | RuntimeException e) {
                LOG.debug("channel abort failed: {}", e.getMessage());
            }
        }
    }

    private void onChannelLost(ShutdownSignalException cause) {
        acks.newEpoch();
        if (!ended.get()) {
            LOG.warn("consumer channel of topic '{}' group '{}' lost ({}); unacknowledged messages will be redelivered"
                    + " after recovery", settings.topic(), settings.group(), cause.getMessage());
        }
    }

    private void onDelivery(String queue, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        long tag = envelope.getDeliveryTag();
        AckBatcher a = acks;
        a.delivered(tag);
        long epoch = a.epoch();
        Map<String, String> headers = AmqpMessages.headers(properties);
        String id = KeelHeaders.idOf(headers, AmqpMessages.nativeId(properties, queue));
        InboundRecord record = new InboundRecord(settings.topic(), queue, tag, id, headers.get(KeelHeaders.KEY),
                headers, body, AmqpMessages.timestamp(headers, properties, clock.instant()),
                AmqpMessages.deliveryCount(properties, envelope.isRedeliver()), () -> a.ack(epoch, tag));
        buffer.add(new Held(epoch, record));
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
                long epoch = acks.epoch();
                Held held;
                while (batch.size() < MAX_BATCH && (held = buffer.poll()) != null) {
                    if (held.epoch == epoch) {
                        batch.add(held.record);
                    }
                }
                if (batch.isEmpty()) {
                    break;
                }
                sink.accept(List.copyOf(batch));
                batch.clear();
            }
        } catch (RuntimeException e) {
            LOG.error("the delivery sink failed; the messages it did not take are redelivered after a restart", e);
        } finally {
            dispatchScheduled.set(false);
        }
        scheduleDispatch();
    }

    private static void closeQuietly(Channel ch) {
        try {
            if (ch.isOpen()) {
                ch.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOG.debug("channel close failed: {}", e.getMessage());
        }
    }

    private record Held(long epoch, InboundRecord record) {
    }

    private final class LaneConsumer extends DefaultConsumer {
        private final String queue;

        LaneConsumer(Channel channel, String queue) {
            super(channel);
            this.queue = queue;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                   byte[] body) {
            onDelivery(queue, envelope, properties, body);
        }

        @Override
        public void handleCancel(String consumerTag) {
            LOG.warn("RabbitMQ cancelled consuming queue '{}' (deleted?); no more messages come from it", queue);
        }
    }
}
