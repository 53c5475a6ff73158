package dev.keel.jms.internal;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.UnroutableException;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import dev.keel.spi.support.KeyHash;
import jakarta.jms.ConnectionFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Confirmed publishes over a few send lanes, each a session on a thread of its own: a key always
 * uses the same lane, so its messages reach the broker in the order they were sent. A publish
 * completes once the broker stored the message: a lane waits for each send ({@link SendLane}), or,
 * with {@link Pipelining}, keeps several in flight and completes each when the broker answers it
 * ({@link PipelinedLane}). Before the first send to a topic (and again every few seconds) the lane
 * checks that the topic's address exists and routes to a queue, so a message is never sent where no
 * group would receive it.
 */
public final class JmsProducer implements BrokerProducer {
    private final JmsDialect dialect;
    private final Routes routes;
    private final List<Lane> lanes = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();
    /** With pipelining: fails the sends a broker leaves unanswered; null otherwise. */
    private final ScheduledExecutorService answerCheck;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    /** Publishes accepted and not completed yet: whatever is left when closing ends fails as closed. */
    private final Set<CompletableFuture<PublishReceipt>> unfinished = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** How much longer than the close timeout closing waits for a lane's thread to close its session. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Synchronous sends: a lane waits for the broker's answer to each. */
    public JmsProducer(ConnectionFactory factory, JmsDialect dialect, Routes routes) {
        this(factory, dialect, routes, null);
    }

    /** With {@code pipelining} (not null), each lane keeps that many sends in flight. */
    public JmsProducer(ConnectionFactory factory, JmsDialect dialect, Routes routes, Pipelining pipelining) {
        this.dialect = dialect;
        this.routes = routes;
        List<PipelinedLane> pipelined = new ArrayList<>();
        for (int i = 0; i < dialect.settings().sendLanes(); i++) {
            if (pipelining == null) {
                lanes.add(new SendLane(factory, dialect));
            } else {
                PipelinedLane lane = new PipelinedLane(factory, dialect, pipelining, System::nanoTime);
                pipelined.add(lane);
                lanes.add(lane);
            }
            threads.add(Executors.newSingleThreadExecutor(DaemonThreads.named("keel-jms-send-" + i)));
        }
        if (pipelining == null) {
            answerCheck = null;
        } else {
            answerCheck = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("keel-jms-answers"));
            long every = Math.max(10, Math.min(1_000, pipelining.answerTimeout().toMillis() / 4));
            answerCheck.scheduleWithFixedDelay(() -> pipelined.forEach(PipelinedLane::expireUnanswered), every, every,
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("the producer is closed"));
        }
        try {
            PublishChecks.check(record, dialect);
        } catch (PublishException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        int lane = record.key() != null ? KeyHash.laneOf(record.key(), lanes.size())
                : Math.floorMod(roundRobin.getAndIncrement(), lanes.size());
        CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
        unfinished.add(result);
        result.whenComplete((receipt, failure) -> unfinished.remove(result));
        try {
            threads.get(lane).execute(new QueuedSend(lane, record, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ClosedException("the producer is closed", e));
        }
        return result;
    }

    private void sendOn(int lane, OutboundRecord record, CompletableFuture<PublishReceipt> result) {
        if (closed) {
            result.completeExceptionally(new ClosedException("the producer closed before message " + record.id()
                    + " was sent; it was not sent"));
            return;
        }
        int partitions;
        try {
            partitions = routes.partitions(record.topic());
            if (partitions == 0) {
                result.completeExceptionally(new UnroutableException("topic '" + record.topic() + "' does not exist "
                        + "or has no group queue on the broker, so no group would receive message " + record.id()
                        + ": declare the topic with its groups first (ensureTopology, or keel.topics." + record.topic()
                        + ".* with the Spring Boot starter)"));
                return;
            }
            dialect.checkSendable(record);
        } catch (Exception e) {
            fail(result, record, e);
            return;
        }
        lanes.get(lane).send(record, partitions, new SendOutcome() {
            @Override
            public void stored() {
                result.complete(new PublishReceipt(record.topic(), record.id(), record.topic(),
                        sequence.incrementAndGet()));
            }

            @Override
            public void failed(Exception e) {
                fail(result, record, e);
            }
        });
    }

    private void fail(CompletableFuture<PublishReceipt> result, OutboundRecord record, Exception e) {
        result.completeExceptionally(e instanceof KeelException k ? k : dialect.errors().ofSend(record.topic(), e));
    }

    /**
     * Fails what was not sent yet, waits up to the close timeout for the answers to the sends in flight, then fails
     * the rest: every publish is completed when this returns (a lane stuck in a send is given a little longer to
     * close its connection).
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        for (int i = 0; i < threads.size(); i++) {
            threads.get(i).execute(lanes.get(i)::close);
            threads.get(i).shutdown();
        }
        long deadline = System.nanoTime() + dialect.settings().closeTimeout().toNanos() + CLOSE_GRACE_NANOS;
        for (int i = 0; i < threads.size(); i++) {
            ExecutorService thread = threads.get(i);
            try {
                if (!thread.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    abandon(i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon(i);
            }
        }
        if (answerCheck != null) {
            answerCheck.shutdownNow();
        }
        for (CompletableFuture<PublishReceipt> left : unfinished) { // a send still blocked in the client
            left.completeExceptionally(new ClosedException("the producer closed before the broker answered the send; "
                    + "the message may have reached it"));
        }
    }

    /** A lane that did not close in time: its queued sends fail as closed, and so do its sends in flight. */
    private void abandon(int lane) {
        for (Runnable queued : threads.get(lane).shutdownNow()) {
            if (queued instanceof QueuedSend send) {
                send.run();
            }
        }
        lanes.get(lane).abandon();
    }

    /** A record waiting for its lane's thread; once the producer is closed, running it fails the publish. */
    private final class QueuedSend implements Runnable {
        private final int lane;
        private final OutboundRecord record;
        private final CompletableFuture<PublishReceipt> result;

        QueuedSend(int lane, OutboundRecord record, CompletableFuture<PublishReceipt> result) {
            this.lane = lane;
            this.record = record;
            this.result = result;
        }

        @Override
        public void run() {
            sendOn(lane, record, result);
        }
    }
}
