package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.TopicNotFoundException;
import dev.keel.rabbit.QueueType;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.InboundIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broadcast subscription's consumer: an exclusive, auto-delete classic queue of this instance,
 * {@code <topic>.<group>.broadcast.<instance>}, bound to the topic's exchange with every partition's
 * routing key, so it gets every message of the topic; manual acks, {@code basic.qos} of
 * {@code min(prefetch, maxInFlight)}: the broker stops sending when the engine holds that many, which is the
 * subscription's whole window, in messages ({@link #pause()} does nothing more: a delivery held back on the
 * channel's dispatch thread would hold a thread of the pool the adapter's broadcast consumers share, and a few
 * paused subscriptions would starve the others). The queue lives as long as the consumer's connection: it receives
 * what is published while it exists, and is deleted (with what it holds) when the consumer closes or its connection
 * is lost, even for a moment (it is exclusive): a recovered connection declares it again, empty. Deliveries the
 * client had taken before the loss still reach the engine; their acks are dropped. A consumer the broker ends
 * while the connection stays is started again on a new channel ({@link #reopen}).
 */
public final class BroadcastConsumer implements BrokerConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(BroadcastConsumer.class);

    private final ConsumerSettings settings;
    private final Topology topology;
    private final Supplier<Connection> connection;
    private final Clock clock;
    private final String queue;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Counts channel recoveries: an ack from an earlier epoch names a delivery tag the channel no longer knows. */
    private final AtomicLong epoch = new AtomicLong();
    private final Runnable onEnded;
    private final int prefetch;
    private volatile Channel channel;

    public BroadcastConsumer(ConsumerSettings settings, Topology topology, Supplier<Connection> connection,
                             Clock clock, int prefetch, Runnable onEnded) {
        this.settings = settings;
        this.prefetch = Math.min(prefetch, settings.maxInFlight());
        this.topology = topology;
        this.connection = connection;
        this.clock = clock;
        this.onEnded = onEnded;
        this.queue = queueName(settings.topic(), settings.group(), settings.broadcastInstance().orElseThrow());
    }

    /** {@code <topic>.<group>.broadcast.<instance>}, checked against the AMQP name limit. */
    static String queueName(String topic, String group, String instance) {
        String name = topic + "." + group + ".broadcast." + instance;
        if (name.getBytes(StandardCharsets.UTF_8).length > Names.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("topic '" + topic + "', group '" + group + "' and instance '" + instance
                    + "' make the RabbitMQ queue name '" + name + "' longer than " + Names.MAX_NAME_BYTES
                    + " bytes: use shorter names");
        }
        return name;
    }

    @Override
    public void start(DeliverySink sink) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("consumer already started");
        }
        String topic = settings.topic();
        int count = topology.lanesOfExisting(topic).orElseThrow(() -> new TopicNotFoundException(topic, "topic '" + topic
                + "' does not exist on RabbitMQ: declare it with ensureTopology before subscribing"));
        settings.deadLetterTopic().ifPresent(dlt -> topology.ensureDeadLetters(topic, settings.group(), dlt));
        try {
            if (!open(count, sink)) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            end();
            throw new KeelException("cannot start the broadcast consumer of topic '" + topic + "' for group '"
                    + settings.group() + "' (queue " + queue + "): " + e.getMessage(), e, e instanceof IOException);
        }
        LOG.info("consuming every message of topic '{}' as broadcast instance queue {}", topic, queue);
    }

    /**
     * Declares this instance's queue, binds it to every partition and consumes it on a new channel; false when the
     * consumer was closed meanwhile (then nothing is left consuming).
     */
    private boolean open(int partitions, DeliverySink sink) throws IOException {
        String topic = settings.topic();
        Channel c = connection.get().createChannel();
        c.basicQos(prefetch);
        c.queueDeclare(queue, false, true, true, Map.of("x-queue-type", QueueType.CLASSIC.argument()));
        for (int partition = 0; partition < partitions; partition++) {
            c.queueBind(queue, Names.exchange(topic), Names.routingKey(partition));
        }
        if (c instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable recovered) {
                    epoch.incrementAndGet();
                }

                @Override
                public void handleRecoveryStarted(Recoverable recovering) {
                    epoch.incrementAndGet();
                }
            });
        }
        channel = c;
        if (ended.get()) {
            // closed while starting, before it saw this channel: nothing may be left consuming
            c.queueDelete(queue);
            c.abort();
            LOG.info("the broadcast subscription to topic '{}' was closed while it started: not consuming", topic);
            return false;
        }
        c.basicConsume(queue, false, new Deliveries(c, sink, partitions));
        return true;
    }

    /**
     * The broker ended this instance's consumer while its connection stayed (its queue deleted, e.g. by an operator;
     * its channel closed for an error, e.g. a delivery held past the broker's {@code consumer_timeout}): the
     * client's recovery does not bring it back, and the instance would receive nothing more while it reads as
     * running. Its queue is declared again, on a new channel; what the old one held, and what was published
     * meanwhile, this instance does not receive (as after a lost connection). A subscription that cannot consume
     * again fails (BroadcastConsumerEndedTest).
     */
    private void reopen(int partitions, DeliverySink sink, String why) {
        if (ended.get()) {
            return;
        }
        LOG.warn("the broadcast consumer of topic '{}' (queue {}) was ended by the broker ({}): consuming again from a "
                + "queue declared anew; messages published meanwhile, and those its queue held, do not reach this "
                + "instance", settings.topic(), queue, why);
        epoch.incrementAndGet(); // acks of the old channel's deliveries name tags the new one does not know
        Channel old = channel;
        try {
            if (old != null && old.isOpen()) {
                old.abort();
            }
            open(partitions, sink);
        } catch (IOException | RuntimeException e) {
            LOG.error("the broadcast consumer of topic '{}' (queue {}) cannot consume again; the subscription fails",
                    settings.topic(), queue, e);
            sink.failed(new KeelException("the broadcast consumer of topic '" + settings.topic() + "' (queue " + queue
                    + ") was ended by the broker (" + why + ") and could not consume again: " + e.getMessage(), e,
                    e instanceof IOException));
        }
    }

    @Override
    public void pause() {
        // the prefetch, at most maxInFlight, bounds what the broker sends
    }

    @Override
    public void resume() {
        // see pause()
    }

    /** Cancels consuming and deletes the queue; what was not acknowledged goes with it. */
    @Override
    public CompletionStage<Void> close() {
        end();
        return CompletableFuture.completedFuture(null);
    }

    private void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Channel c = channel;
        if (c != null) {
            try {
                c.queueDelete(queue);
                c.close();
            } catch (IOException | ShutdownSignalException | java.util.concurrent.TimeoutException e) {
                LOG.debug("closing broadcast queue {} failed ({}); it is deleted with its connection", queue,
                        e.toString());
            }
        }
        onEnded.run();
    }

    private final class Deliveries extends DefaultConsumer {
        private final DeliverySink sink;
        private final int partitions;
        /** Ended by the broker once: this consumer's channel is replaced once. */
        private final AtomicBoolean replaced = new AtomicBoolean();

        Deliveries(Channel channel, DeliverySink sink, int partitions) {
            super(channel);
            this.sink = sink;
            this.partitions = partitions;
        }

        @Override
        public void handleCancel(String consumerTag) {
            if (replaced.compareAndSet(false, true)) {
                reopen(partitions, sink, "consumer cancelled, its queue deleted");
            }
        }

        @Override
        public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
            // a lost connection (a hard error) is recovered by the client, consumer included; a close of ours is not
            // the broker's
            if (!sig.isHardError() && !sig.isInitiatedByApplication() && replaced.compareAndSet(false, true)) {
                reopen(partitions, sink, "channel closed: " + sig.getMessage());
            }
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                   byte[] body) {
            if (ended.get()) {
                return;
            }
            long tag = envelope.getDeliveryTag();
            long deliveredIn = epoch.get();
            Map<String, String> headers = AmqpMessages.headers(properties);
            String id = InboundIds.idOf(headers, AmqpMessages.nativeId(properties, queue));
            InboundRecord record = new InboundRecord(settings.topic(), queue, tag, id, headers.get(KeelHeaders.KEY),
                    headers, body, AmqpMessages.timestamp(headers, properties, clock.instant()),
                    AmqpMessages.deliveryCount(properties, envelope.isRedeliver()), () -> ack(deliveredIn, tag));
            try {
                sink.accept(List.of(record));
            } catch (RuntimeException | Error e) {
                LOG.error("the delivery sink failed; the broadcast subscription of {} fails", queue, e);
                sink.failed(e);
            }
        }

        private void ack(long deliveredIn, long tag) {
            if (ended.get() || deliveredIn != epoch.get()) {
                return; // the channel was recovered or closed: the message comes again, or went with the queue
            }
            try {
                getChannel().basicAck(tag, false);
            } catch (IOException | ShutdownSignalException e) {
                LOG.debug("ack of delivery {} on {} failed ({}); the message comes again", tag, queue, e.toString());
            }
        }
    }
}
