package dev.keel.rabbit;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Connection;
import dev.keel.ClosedException;
import dev.keel.TopicSpec;
import dev.keel.rabbit.internal.BroadcastConsumer;
import dev.keel.rabbit.internal.Connector;
import dev.keel.rabbit.internal.ManagedConnection;
import dev.keel.rabbit.internal.RabbitConsumer;
import dev.keel.rabbit.internal.RabbitProducer;
import dev.keel.rabbit.internal.Topology;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.TopologyAdmin;
import dev.keel.spi.support.DaemonThreads;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keel on RabbitMQ (amqp-client 5.x).
 *
 * <ul>
 *   <li>Topology: a topic is a durable direct exchange; each consumer group gets one queue per
 *       partition, {@code <topic>.<group>.<partition>} (quorum by default, single-active-consumer),
 *       bound with routing key {@code <partition>}, plus a dead-letter exchange and queue per group.
 *       A consumer declares its group's queues and its subscription's dead-letter topic (with the
 *       group's queues on it) when they do not exist; {@link #describeTopology} and
 *       {@link #deleteTopology} describe and delete topics.</li>
 *   <li>Publishing: persistent, {@code mandatory}, with asynchronous publisher confirms over a pool
 *       of channels; a key picks partition {@code KeyHash.laneOf(key, partitions)}. A message no queue takes
 *       fails with {@link dev.keel.UnroutableException}; a lost channel fails its pending publishes
 *       with a retriable {@link dev.keel.BrokerUnavailableException}, and so does every publish
 *       while the broker blocks publishers (memory or disk alarm). Ids, header names and header
 *       size are checked against the AMQP limits before anything is sent.</li>
 *   <li>Consuming: manual acks after the engine finished a message, bounded prefetch. A partition
 *       whose consumer ends (its connection lost, its channel closed or its consumer cancelled by
 *       the broker) is revoked from the engine at once, since the broker hands it and its
 *       unacknowledged messages to the next member, and is consumed again, on a new connection if
 *       need be, once what was running finished. Members of a group share the partitions:
 *       single-active-consumer gives each partition queue to one member, and members above their
 *       share hand partitions over (see {@link RabbitConfig#rebalanceInterval()}).</li>
 * </ul>
 *
 * It opens three connections: {@code <name>-publish} (publishing and declarations),
 * {@code <name>-consume} (the partition consumers) and {@code <name>-metadata} (reads of the topics'
 * records, on a declaration, subscribe, describe or delete), each reopened on demand after a loss,
 * and a fourth, {@code <name>-broadcast}, recovered automatically, once a broadcast subscription starts.
 * See {@code docs/rabbitmq.md}.
 */
public final class RabbitAdapter implements BrokerAdapter, TopologyAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitAdapter.class);
    private static final int SCHEDULER_THREADS = 2;
    /** Beyond a consumer's own bounded close: the time its channels take to end once their connection is closed. */
    private static final Duration CLOSE_MARGIN = Duration.ofSeconds(5);
    private static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.UNROUTABLE_DETECTION,
            Capability.CONSUMER_GROUPS, Capability.REDELIVERY, Capability.KEY_ORDERING, Capability.DELAYED_DELIVERY, Capability.BROADCAST,
            Capability.NON_BLOCKING_RETRY);
    /** Classic lane queues also take {@code x-max-priority}; quorum queues of RabbitMQ 3.10 do not. */
    private static final Set<Capability> CLASSIC_CAPABILITIES = Set.copyOf(EnumSet.of(Capability.UNROUTABLE_DETECTION,
            Capability.CONSUMER_GROUPS, Capability.REDELIVERY, Capability.KEY_ORDERING, Capability.DELAYED_DELIVERY, Capability.PRIORITY,
            Capability.BROADCAST, Capability.NON_BLOCKING_RETRY));

    private final RabbitConfig config;
    private final Connector connector;
    private final ManagedConnection publishConnection;
    private final Topology topology;
    private final ExecutorService dispatchExecutor;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService completions;
    private final List<RabbitConsumer> consumers = new CopyOnWriteArrayList<>();
    private final ManagedConnection consumeConnection;
    /** Reads of the topics' records and delay indexes ({@link Topology}). */
    private final ManagedConnection metadataConnection;
    private RabbitProducer producer;
    private Connection broadcastConnection;
    private boolean closed;

    /** An adapter for the broker {@code config} names; connections open on first use. */
    public RabbitAdapter(RabbitConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.connector = new Connector(config);
        this.publishConnection = new ManagedConnection(connector, "publish", config.recoveryInterval(),
                System::nanoTime);
        this.consumeConnection = new ManagedConnection(connector, "consume", config.recoveryInterval(),
                System::nanoTime);
        this.metadataConnection = new ManagedConnection(connector, "metadata", config.recoveryInterval(),
                System::nanoTime);
        this.topology = new Topology(publishConnection, metadataConnection, config.queueType(),
                config.defaultPartitions());
        this.dispatchExecutor = Executors.newCachedThreadPool(DaemonThreads.named("keel-rabbit-dispatch"));
        this.completions = Executors.newSingleThreadExecutor(DaemonThreads.named("keel-rabbit-confirms"));
        this.scheduler = Executors.newScheduledThreadPool(SCHEDULER_THREADS, DaemonThreads.named("keel-rabbit-timer"));
    }

    /** The configuration this adapter was built with. */
    public RabbitConfig config() {
        return config;
    }

    @Override
    public Set<Capability> capabilities() {
        return config.queueType() == QueueType.CLASSIC ? CLASSIC_CAPABILITIES : CAPABILITIES;
    }

    /**
     * Declares the topic: its exchange, partition-count marker and record, and per group its
     * partition queues, bindings, member queue and dead-letter pair. Declaring it again with the
     * same settings does nothing; another partition count, replication factor, min-in-sync count or
     * queue type fails with a {@link dev.keel.TopologyException} and changes nothing.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        ensureOpen();
        topology.ensure(topic);
    }

    /** True: a topic keeps its messages in queues per declared group. */
    @Override
    public boolean keepsMessagesPerGroup() {
        return true;
    }

    /**
     * The topic's partitions, replication factor, min-in-sync count and the groups Keel declared
     * for it (from its record queue); empty when its exchange does not exist.
     */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        ensureOpen();
        return topology.describe(Objects.requireNonNull(topic, "topic"));
    }

    /**
     * Deletes the topic's delay queues and their index, then the exchange, the partition queues,
     * member queue and dead-letter pair of every group Keel recorded for the topic, and the marker and
     * record queues, with their messages. The dead-letter topic is kept: delete it by its name.
     */
    @Override
    public void deleteTopology(String topic) {
        ensureOpen();
        topology.delete(Objects.requireNonNull(topic, "topic"));
        synchronized (this) {
            if (producer != null) {
                producer.forgetDelays(topic);
            }
        }
    }

    @Override
    public synchronized BrokerProducer producer() {
        ensureOpen();
        if (producer == null) {
            producer = new RabbitProducer(publishConnection, topology, config, completions, scheduler);
        }
        return producer;
    }

    /**
     * A consumer of the group's partition queues; for a broadcast subscription, of an exclusive
     * auto-delete queue of its own bound to every partition (see docs/rabbitmq.md, "Broadcast").
     */
    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        ensureOpen();
        if (settings.broadcast()) {
            return new BroadcastConsumer(settings, topology, this::broadcastConnection, Clock.systemUTC(),
                    config.prefetch(), () -> { });
        }
        AtomicReference<RabbitConsumer> self = new AtomicReference<>();
        RabbitConsumer consumer = new RabbitConsumer(settings, topology, consumeConnection, config.closeTimeout(),
                config.prefetch(), dispatchExecutor, scheduler, config.rebalanceInterval(), Clock.systemUTC(),
                () -> consumers.remove(self.get()));
        self.set(consumer);
        consumers.add(consumer);
        return consumer;
    }

    /** Closes consumers (acks sent, the rest requeued), the producer (confirms awaited) and the connections. */
    @Override
    public void close() {
        RabbitProducer p;
        Connection c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            p = producer;
            c = broadcastConnection;
        }
        // each consumer's close ends within closeTimeout (a silent connection is closed at its socket)
        CompletableFuture<?>[] leaving = consumers.stream().map(consumer -> consumer.close().toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(leaving).get(config.closeTimeout().plus(CLOSE_MARGIN).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("the consumers did not close cleanly: {}", e.toString());
        }
        if (p != null) {
            p.close();
        }
        if (c != null) {
            try {
                c.close((int) config.closeTimeout().toMillis()); // then closed at the socket: a silent broker
            } catch (IOException | AlreadyClosedException e) {
                LOG.debug("closing the broadcast connection failed: {}", e.getMessage());
            }
        }
        consumeConnection.close();
        publishConnection.close();
        metadataConnection.close();
        scheduler.shutdownNow();
        completions.shutdown();
        dispatchExecutor.shutdown();
    }

    @Override
    public String toString() {
        return "RabbitAdapter{" + config + "}";
    }

    /** The broadcast consumers' connection: the client's automatic recovery declares their queues again. */
    private synchronized Connection broadcastConnection() {
        ensureOpen();
        if (broadcastConnection == null) {
            broadcastConnection = connector.open("broadcast", true);
        }
        return broadcastConnection;
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new ClosedException("the RabbitMQ adapter is closed");
        }
    }
}
