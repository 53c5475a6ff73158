package dev.keel.jms.internal;

import dev.keel.ClosedException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.UnroutableException;
import dev.keel.jms.ArtemisConfig;
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
    private final ArtemisConfig config;
    private final Routes routes;
    private final List<SendLane> lanes = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    public JmsProducer(ConnectionFactory factory, ArtemisConfig config, Routes routes) {
        this.config = config;
        this.routes = routes;
        for (int i = 0; i < config.sendLanes(); i++) {
            lanes.add(new SendLane(factory, config.username().orElse(null), config.password().orElse(null)));
            threads.add(Executors.newSingleThreadExecutor(DaemonThreads.named("keel-jms-send-" + i)));
        }
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("the producer is closed"));
        }
        try {
            PublishChecks.check(record, config.maxMessageBytes());
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
            if (!routes.routes(record.topic())) {
                result.completeExceptionally(new UnroutableException("topic '" + record.topic() + "' has no address "
                        + "or no group queue on the broker, so no group would receive message " + record.id()
                        + ": declare the topic with its groups first (ensureTopology, or keel.topics." + record.topic()
                        + ".* with the Spring Boot starter)"));
                return;
            }
            lanes.get(lane).send(record);
            result.complete(new PublishReceipt(record.topic(), record.id(), record.topic(), sequence.incrementAndGet()));
        } catch (Exception e) {
            result.completeExceptionally(e instanceof dev.keel.KeelException k ? k : JmsErrors.ofSend(record.topic(), e));
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
                if (!thread.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    thread.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                thread.shutdownNow();
            }
        }
    }
}
