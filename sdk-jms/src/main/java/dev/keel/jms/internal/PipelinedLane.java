package dev.keel.jms.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.spi.OutboundRecord;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * One publishing session that keeps up to {@link Pipelining#window()} persistent sends in flight, in the order they
 * came: each is sent asynchronously ({@link JmsDialect#sendAsync}) and its outcome is told when the broker answers
 * it, which it does once the message is stored. The broker takes one session's sends in order, so a key (always on
 * one lane) is stored in publish order as long as every send succeeds.
 *
 * <p>What fails a send: the broker's refusal of it (the later ones of the lane go on); a send the client refuses at
 * once, a lost connection, or no answer to the oldest send within {@link Pipelining#answerTimeout()}, which fail it
 * and every send in flight on the session (retriable: each may have been stored), the session being opened anew by
 * the next send; and a close, which waits up to the close timeout for the answers and fails what is left. Each send's
 * outcome is told exactly once, whichever comes first.
 */
final class PipelinedLane implements Lane {
    private final ConnectionFactory factory;
    private final JmsDialect dialect;
    private final Pipelining pipelining;
    private final LongSupplier nanos;
    private final Semaphore room;
    /** Sends in flight, oldest first. */
    private final Deque<InFlight> inFlight = new ConcurrentLinkedDeque<>();
    /** Why the session must be opened anew before the next send (set from the client's threads), or null. */
    private volatile Exception broken;
    /** Which session the client's threads report on: a report about an older one is ignored. */
    private volatile int generation;
    private Connection connection;
    private Session session;
    private MessageProducer producer;
    private final Destinations destinations = new Destinations();

    PipelinedLane(ConnectionFactory factory, JmsDialect dialect, Pipelining pipelining, LongSupplier nanos) {
        this.factory = factory;
        this.dialect = dialect;
        this.pipelining = pipelining;
        this.nanos = nanos;
        this.room = new Semaphore(pipelining.window());
    }

    @Override
    public void send(OutboundRecord record, int partitions, SendOutcome outcome) {
        Message message;
        try {
            if (broken != null) {
                closeSession(broken);
            }
            open();
            message = JmsMessages.toMessage(dialect, session, record, partitions);
            awaitRoom(record);
        } catch (JMSException | RuntimeException e) {
            outcome.failed(e);
            return;
        }
        InFlight sent = new InFlight(outcome, nanos.getAsLong());
        inFlight.addLast(sent);
        try {
            dialect.sendAsync(producer, destinations.of(dialect, session, record.topic()), message,
                    JmsMessages.priorityOf(record), sent);
        } catch (JMSException | RuntimeException e) {
            sent.failed(e);
            closeSession(e);
        }
    }

    private void awaitRoom(OutboundRecord record) throws JMSException {
        try {
            if (!room.tryAcquire(pipelining.answerTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                // the sends in flight are failed by the answer check long before this
                throw new BrokerUnavailableException("no room in the send lane for message " + record.id()
                        + ": the broker answers none of its " + pipelining.window() + " sends in flight; try again", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while waiting to send message " + record.id(), e);
        }
    }

    /**
     * Called now and then from another thread: when the oldest send in flight has had no answer for the answer
     * timeout, fails every send in flight (retriable) and has the session opened anew. Returns whether it did.
     */
    boolean expireUnanswered() {
        InFlight oldest = inFlight.peekFirst();
        if (oldest == null || nanos.getAsLong() - oldest.sentAt < pipelining.answerTimeout().toNanos()) {
            return false;
        }
        BrokerUnavailableException e = new BrokerUnavailableException("the broker did not answer a send within "
                + pipelining.answerTimeout() + "; the message may have reached it: try again", null);
        broken = e;
        failAll(e);
        return true;
    }

    private void open() throws JMSException {
        if (session != null) {
            return;
        }
        int current = ++generation;
        connection = dialect.settings().connect(factory);
        connection.setExceptionListener(e -> lost(current, e));
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        producer = session.createProducer(null);
        producer.setDisableMessageID(false);
        broken = null;
    }

    /** The client's report that the session's connection failed: every send in flight on it fails. */
    private void lost(int reported, JMSException e) {
        if (reported != generation) {
            return;
        }
        broken = e;
        failAll(e);
    }

    /** Closes the session after {@code cause}, failing every send still in flight on it. */
    private void closeSession(Exception cause) {
        failAll(cause);
        closeConnection();
    }

    private void failAll(Exception cause) {
        for (InFlight sent = inFlight.peekFirst(); sent != null; sent = inFlight.peekFirst()) {
            sent.failed(new BrokerUnavailableException("the session sending this message failed before the broker "
                    + "answered (" + JmsErrors.describe(cause) + "); the message may have reached it: try again",
                    cause));
        }
    }

    @Override
    public void close() {
        try {
            room.tryAcquire(pipelining.window(), dialect.settings().closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        abandon();
        closeConnection();
    }

    @Override
    public void abandon() {
        for (InFlight sent = inFlight.peekFirst(); sent != null; sent = inFlight.peekFirst()) {
            sent.failed(new ClosedException("the producer closed before the broker answered the send; the message "
                    + "may have reached it"));
        }
    }

    private void closeConnection() {
        Connection c = connection;
        connection = null;
        destinations.clear();
        session = null;
        producer = null;
        generation++;
        if (c != null) {
            try {
                c.close();
            } catch (JMSException | RuntimeException ignored) {
                // the connection is gone already
            }
        }
    }

    /** A send in flight: settled once, by the broker's answer or by the lane failing it, whichever comes first. */
    private final class InFlight implements SendOutcome {
        private final SendOutcome outcome;
        private final long sentAt;
        private final AtomicBoolean settled = new AtomicBoolean();

        InFlight(SendOutcome outcome, long sentAt) {
            this.outcome = outcome;
            this.sentAt = sentAt;
        }

        @Override
        public void stored() {
            if (settle()) {
                outcome.stored();
            }
        }

        @Override
        public void failed(Exception e) {
            if (!settle()) {
                return;
            }
            if (dialect.errors().isConnectionLoss(e)) {
                broken = e;
            }
            outcome.failed(e);
        }

        private boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            inFlight.remove(this);
            room.release();
            return true;
        }
    }
}
