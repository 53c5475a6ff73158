package dev.keel.jms.internal;

import dev.keel.ClosedException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Confirmed publishes over a few send lanes, each a session on a thread of its own: a key always
 * uses the same lane, so its messages reach the broker in the order they were sent. A publish
 * completes once the broker stored the message; before the first send to a topic (and again every
 * few seconds) the lane checks that the topic's address exists and routes to a queue, so a message
 * is never sent where no group would receive it.
 */
public final class JmsProducer implements BrokerProducer {
    private final JmsDialect dialect;
    private final Routes routes;
    private final List<SendLane> lanes = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    public JmsProducer(ConnectionFactory factory, JmsDialect dialect, Routes routes) {
        this.dialect = dialect;
        this.routes = routes;
        for (int i = 0; i < dialect.settings().sendLanes(); i++) {
            lanes.add(new SendLane(factory, dialect));
            threads.add(Executors.newSingleThreadExecutor(DaemonThreads.named("keel-jms-send-" + i)));
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
        try {
            threads.get(lane).execute(() -> sendOn(lane, record, result));
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
        try {
            int partitions = routes.partitions(record.topic());
            if (partitions == 0) {
                result.completeExceptionally(new UnroutableException("topic '" + record.topic() + "' does not exist "
                        + "or has no group queue on the broker, so no group would receive message " + record.id()
                        + ": declare the topic with its groups first (ensureTopology, or keel.topics." + record.topic()
                        + ".* with the Spring Boot starter)"));
                return;
            }
            dialect.checkSendable(record);
            lanes.get(lane).send(record, partitions);
            result.complete(new PublishReceipt(record.topic(), record.id(), record.topic(), sequence.incrementAndGet()));
        } catch (Exception e) {
            result.completeExceptionally(e instanceof dev.keel.KeelException k ? k : dialect.errors().ofSend(record.topic(), e));
        }
    }

    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < threads.size(); i++) {
            SendLane lane = lanes.get(i);
            ExecutorService thread = threads.get(i);
            thread.execute(lane::close);
            thread.shutdown();
        }
        for (ExecutorService thread : threads) {
            try {
                if (!thread.awaitTermination(dialect.settings().closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    thread.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                thread.shutdownNow();
            }
        }
    }
}
