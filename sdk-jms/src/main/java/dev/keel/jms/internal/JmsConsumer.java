package dev.keel.jms.internal;

import dev.keel.TopicNotFoundException;
import dev.keel.TopologyException;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.DaemonThreads;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A group member: one connection, one session with individual acknowledgement and one consumer on
 * the group's queue, driven by a thread of its own that receives, hands batches to the engine and
 * sends the acknowledgements the engine made (a session is used by one thread only). The broker
 * keeps each key (message group) on one member of the group and moves it to another when the
 * member leaves, with the messages it had not acknowledged first. A lost connection revokes what
 * the member held from the engine, then the member connects again. Where the broker does not share
 * the keys out again when a member joins ({@link Membership}), the member hands its keys back itself:
 * what it held is revoked from the engine and acknowledged, and its consumer is closed and opened again.
 */
public final class JmsConsumer implements BrokerConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(JmsConsumer.class);
    private static final long RECEIVE_WAIT_MS = 20;
    private static final int MAX_BATCH = 64;
    private static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

    private final ConsumerSettings settings;
    private final JmsDialect dialect;
    private final JmsErrors errors;
    private final ConnectionFactory factory;
    private final JmsTopology admin;
    private final Membership members;
    private final String queue;
    private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final Holdings holdings = new Holdings();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean paused;
    private volatile int generation;
    private volatile Exception startFailure;
    /** Set by the connection's exception listener: the connection is lost, whatever receive says. */
    private volatile JMSException lost;
    private Thread thread;
    private DeliverySink sink;
    private volatile Connection connection;
    private Session session;
    private MessageConsumer consumer;
    private long position;
    private long lastRecovery;
    /** The last reconnect failure logged at WARN, so that one that repeats is logged once. */
    private String lastReconnectFailure;

    public JmsConsumer(ConsumerSettings settings, JmsDialect dialect, ConnectionFactory factory, JmsTopology admin) {
        this.settings = settings;
        this.dialect = dialect;
        this.errors = dialect.errors();
        this.factory = factory;
        this.admin = admin;
        this.members = dialect.membership(settings.topic(), settings.group(),
                () -> admin.routablePartitions(settings.topic()));
        this.queue = dialect.groupQueueName(settings.topic(), settings.group());
    }

    @Override
    public synchronized void start(DeliverySink sink) {
        if (thread != null) {
            throw new IllegalStateException("the consumer of group '" + settings.group() + "' was started already");
        }
        this.sink = sink;
        // the dead-letter topic first: when declaring it is refused, nothing of the group was created (removing the
        // group's queue would need a permission to delete queues that the user may not have)
        settings.deadLetterTopic().ifPresent(dlt -> admin.ensureDeadLetters(dlt, settings.group(), settings.topic()));
        boolean created = admin.ensureGroup(settings.topic(), settings.group());
        running = true;
        thread = DaemonThreads.named("keel-jms-consume-" + queue).newThread(this::run);
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (startFailure != null) {
            running = false;
            if (created && errors.isRefusal(startFailure)) {
                // refused: the group's queue this subscribe created would keep every message for a group no one reads
                admin.removeUnusedGroup(settings.topic(), settings.group());
            }
            throw errors.ofConsume(settings.topic(), startFailure);
        }
    }

    private void run() {
        try {
            open();
        } catch (Exception e) {
            closeConnection(); // a connection opened before the session or consumer failed
            startFailure = e;
            started.countDown();
            closed.complete(null);
            return;
        }
        started.countDown();
        try {
            while (running) {
                List<InboundRecord> batch;
                try {
                    sendAcks();
                    JMSException failure = lost;
                    if (failure != null) {
                        throw failure;
                    }
                    if (members.shouldHandBack(holdings.groups(), holdings.lastRedelivered())) {
                        handBack();
                        continue;
                    }
                    if (paused) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RECEIVE_WAIT_MS));
                        continue;
                    }
                    batch = receiveBatch();
                } catch (JMSException | RuntimeException e) {
                    if (running) {
                        recover(e);
                    }
                    continue;
                }
                if (!batch.isEmpty()) {
                    sink.accept(batch);
                }
            }
            sendAcks();
            closeConnection();
            closed.complete(null);
        } catch (Throwable t) {
            fail(t);
        }
    }

    /**
     * The engine failed under this consumer (its sink threw) or the thread met an Error: the member
     * leaves at once, so the group gets what it had not acknowledged, and the subscription fails with
     * the cause.
     */
    private void fail(Throwable cause) {
        running = false;
        LOG.error("the consumer of group '{}' on topic '{}' stopped: {}; the messages it had not acknowledged go back to "
                + "the group", settings.group(), settings.topic(), JmsErrors.describe(cause));
        closeConnection();
        try {
            sink.failed(cause);
        } finally {
            closed.complete(null);
        }
    }

    private List<InboundRecord> receiveBatch() throws JMSException {
        Message first = consumer.receive(RECEIVE_WAIT_MS);
        if (first == null) {
            return List.of();
        }
        List<InboundRecord> batch = new ArrayList<>();
        add(batch, first);
        Message next;
        while (batch.size() < MAX_BATCH && (next = consumer.receiveNoWait()) != null) {
            add(batch, next);
        }
        return batch;
    }

    private void add(List<InboundRecord> batch, Message message) throws JMSException {
        if (dialect.isHousekeeping(message)) {
            message.acknowledge();
        } else {
            batch.add(record(message));
        }
    }

    private InboundRecord record(Message message) throws JMSException {
        int ofSession = generation;
        AtomicInteger unacknowledged = holdings.handed(message);
        return JmsMessages.toRecord(dialect, settings.topic(), queue, ++position, message, () -> {
            unacknowledged.decrementAndGet();
            acks.add(new Ack(message, ofSession));
        });
    }

    private void sendAcks() {
        Ack ack;
        while ((ack = acks.poll()) != null) {
            if (ack.generation() != generation) {
                continue; // its session is gone: the broker delivers the message again
            }
            try {
                ack.message().acknowledge();
            } catch (JMSException | RuntimeException e) {
                LOG.debug("an acknowledgement on {} was not sent; the message will be delivered again: {}", queue,
                        JmsErrors.describe(e));
            }
        }
    }

    /**
     * This member holds more than its share of the group's partitions: its keys go back to the broker, which deals
     * them out again over every member. It stops receiving and lets the engine finish what it handed over (within the
     * subscription's revoke timeout; what is still running then is revoked, as a rebalance does), sends the
     * acknowledgements, and closes its consumer (the broker takes back what it had sent ahead, in order and without
     * counting a delivery, and frees its keys) and opens another on the same connection.
     */
    private void handBack() throws JMSException {
        LOG.info("this member of group '{}' of topic '{}' holds {} partitions, more than its share: it hands them back to "
                + "be shared out again", settings.group(), settings.topic(), holdings.groups());
        long deadline = System.nanoTime() + settings.revokeTimeout().toNanos();
        while (!holdings.settled() && System.nanoTime() - deadline < 0 && running && lost == null) {
            sendAcks();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RECEIVE_WAIT_MS));
        }
        if (!holdings.settled()) {
            awaitRevoke();
        }
        sendAcks();
        generation++; // an acknowledgement made after this belongs to the closed consumer: the broker redelivers it
        holdings.reset();
        MessageConsumer old = consumer;
        consumer = null;
        old.close();
        consumer = session.createConsumer(dialect.groupQueue(session, settings.topic(), settings.group()));
    }

    private void awaitRevoke() {
        try {
            sink.revoke(List.of(queue)).toCompletableFuture()
                    .get(settings.revokeTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void recover(Exception cause) {
        long now = System.nanoTime();
        boolean again = lastRecovery != 0 && now - lastRecovery < RECONNECT_INTERVAL.toNanos();
        lastRecovery = now;
        LOG.warn("the consumer of group '{}' on topic '{}' lost its session ({}); its unacknowledged messages go back "
                + "to the group, and it connects again", settings.group(), settings.topic(), JmsErrors.describe(cause));
        sink.disconnected(cause);
        awaitRevoke();
        closeConnection();
        if (again) { // lost again right after the last recovery: do not turn a persistent failure into a hot loop
            LockSupport.parkNanos(RECONNECT_INTERVAL.toNanos());
        }
        while (running) {
            try {
                admin.ensureGroup(settings.topic(), settings.group());
                open();
                lastReconnectFailure = null;
                sink.reconnected();
                return;
            } catch (Exception e) {
                if (errors.isRefusal(e)) { // a login or permission refused: retrying cannot help
                    closeConnection();
                    fail(errors.ofConsume(settings.topic(), e));
                    return;
                }
                if (e instanceof TopologyException && !(e instanceof TopicNotFoundException)) {
                    // the group's queue cannot be declared again as it was (its name is another topic's group queue
                    // now): retrying cannot help either, and the subscription fails as a subscribe would
                    closeConnection();
                    fail(e);
                    return;
                }
                String failure = JmsErrors.describe(e);
                if (failure.equals(lastReconnectFailure)) {
                    LOG.debug("reconnecting the consumer of {} failed again: {}", queue, failure);
                } else { // each new cause once (a deleted topic keeps it trying until the topic is back)
                    lastReconnectFailure = failure;
                    LOG.warn("reconnecting the consumer of group '{}' on topic '{}' failed: {}; it tries again every {} s "
                            + "(the subscription's state is RECONNECTING meanwhile)", settings.group(), settings.topic(),
                            failure, RECONNECT_INTERVAL.toSeconds());
                }
                LockSupport.parkNanos(RECONNECT_INTERVAL.toNanos());
            }
        }
    }

    private void open() throws JMSException {
        generation++;
        lost = null;
        connection = dialect.settings().connect(factory);
        Connection opened = connection;
        connection.setExceptionListener(e -> {
            if (connection == opened) {
                lost = e;
            }
        });
        session = connection.createSession(false, dialect.individualAcknowledge());
        members.watch(connection);
        consumer = session.createConsumer(dialect.groupQueue(session, settings.topic(), settings.group()));
        connection.start();
    }

    private void closeConnection() {
        generation++;
        holdings.reset();
        Connection c = connection;
        connection = null;
        session = null;
        consumer = null;
        if (c != null) {
            try {
                c.close();
            } catch (JMSException | RuntimeException ignored) {
                // gone already
            }
        }
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
    }

    /** Sends the acknowledgements made so far, then leaves: what was not acknowledged goes back to the group. */
    @Override
    public synchronized CompletionStage<Void> close() {
        running = false;
        if (thread == null) {
            closed.complete(null);
        }
        return closed;
    }

    private record Ack(Message message, int generation) {
    }
}
