package dev.keel.rocket.internal;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.UnroutableException;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import dev.keel.spi.support.KeyHash;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's shared producer: one {@code DefaultMQProducer} with its own retries off (a client
 * retry could move a message to another queue). A batch that fails retriably is sent again to the
 * same queue before anything behind it, until the send timeout; then it fails (the engine may retry
 * it with the same id) together with what waits behind it.
 * A keyed message goes to queue {@code KeyHash.laneOf(key, queues)}, an unkeyed one round-robin;
 * each queue has one request in flight ({@link QueueLane}). Only {@code SEND_OK} confirms. Stages
 * complete on a thread of the adapter, never on the client's I/O threads.
 */
public final class RocketSender implements BrokerProducer {

    private static final Logger LOG = LoggerFactory.getLogger(RocketSender.class);
    /** The first pause before a failed batch is sent again in place; it doubles up to the maximum. */
    static final long RETRY_BACKOFF_MILLIS = 20;
    static final long MAX_RETRY_BACKOFF_MILLIS = 1000;
    /** A batch entry's fixed header (size, magic, CRC, flag, lengths) and the UNIQ_KEY property the client adds. */
    static final int BATCH_ENTRY_OVERHEAD = 128;

    private final RocketConfig config;
    private final DefaultMQProducer producer;
    private final ExecutorService completions;
    private final ExecutorService checks;
    private final ScheduledExecutorService retries;
    private final TopicRoutes routes;
    private final TlsRefusals tlsRefusals;
    /** What each publish passes just before it is registered (a test's hold on that moment; nothing otherwise). */
    private final Consumer<OutboundRecord> beforeRegistering;
    private final Map<MessageQueue, QueueLane> lanes = new ConcurrentHashMap<>();
    private final PendingPublishes outstanding = new PendingPublishes();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicInteger largestRequest = new AtomicInteger();
    private volatile boolean closed;

    /** A message added to its queue's lane, and the batch to send now ({@code null} while one is in flight). */
    private record Added(QueueLane lane, List<QueueLane.Pending> batch) {
    }

    public RocketSender(RocketConfig config, RocketAdmin admin) {
        this(config, admin, Executors.newSingleThreadExecutor(DaemonThreads.named(config.clientId() + "-rocket-routes")),
                record -> { });
    }

    /**
     * With the executor that checks topics' routes ({@code checks}, shut down by {@link #close}) and a hook each
     * publish passes just before it is registered as pending: for tests that hold those moments.
     */
    RocketSender(RocketConfig config, RocketAdmin admin, ExecutorService checks,
                 Consumer<OutboundRecord> beforeRegistering) {
        this.config = config;
        this.beforeRegistering = beforeRegistering;
        this.producer = new DefaultMQProducer(config.clientId() + "-producer", RocketAccess.of(config));
        producer.setNamesrvAddr(config.nameServer());
        producer.setInstanceName(ClientNames.instance(config, "producer"));
        producer.setRetryTimesWhenSendFailed(0);
        producer.setRetryTimesWhenSendAsyncFailed(0);
        producer.setSendLatencyFaultEnable(false);
        producer.setVipChannelEnabled(false);
        producer.setSendMsgTimeout((int) config.sendTimeout().toMillis());
        producer.setMaxMessageSize(Math.max(config.maxMessageBytes(), QueueLane.MAX_BATCH_BYTES * 2));
        try {
            RocketTls.start(config, producer, producer::start);
        } catch (MQClientException e) {
            throw new KeelException("cannot start the RocketMQ producer for name server " + config.nameServer() + ": "
                    + e.getErrorMessage(), e, true);
        }
        this.completions = Executors.newSingleThreadExecutor(
                DaemonThreads.named(config.clientId() + "-rocket-producer-completions"));
        this.checks = checks;
        this.routes = new TopicRoutes(admin, checks);
        this.tlsRefusals = new TlsRefusals(config);
        this.retries = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named(config.clientId() + "-rocket-producer-retries"));
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new ClosedException("the RocketMQ producer is closed"));
            return result;
        }
        String problem = Names.topicProblem(record.topic());
        if (problem != null) {
            result.completeExceptionally(new PublishException("cannot publish message to '"
                    + Names.shorten(record.topic()) + "': " + problem, null, false));
            return result;
        }
        Message message;
        try {
            message = MessageMapping.toRocket(record, config.maxMessageBytes());
            TimerMessages.apply(record, message, config, Clock.systemUTC());
        } catch (KeelException e) {
            result.completeExceptionally(e);
            return result;
        }
        int bytes = encodedBytes(message);
        QueueLane.Pending pending = new QueueLane.Pending(record, message, result, bytes);
        beforeRegistering.accept(record);
        if (!outstanding.add(pending)) { // closed meanwhile: the close completes only what was registered before
            result.completeExceptionally(new ClosedException("the RocketMQ producer is closed"));
            return result;
        }
        routes.whenRouted(record.topic(), (queues, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (closed) {
                result.completeExceptionally(new ClosedException("the RocketMQ producer is closed"));
            } else {
                MessageQueue queue = record.key() == null
                        ? queues.get(Math.floorMod(roundRobin.getAndIncrement(), queues.size()))
                        : queues.get(KeyHash.laneOf(record.key(), queues.size()));
                // added under the map's lock of the queue, so a lane is never pruned between lookup and add
                Added[] added = new Added[1];
                lanes.compute(queue, (q, existing) -> {
                    QueueLane lane = existing != null ? existing : new QueueLane(q, config.maxBatchMessages());
                    added[0] = new Added(lane, lane.add(pending));
                    return lane;
                });
                if (added[0].batch() != null) {
                    dispatch(added[0].lane(), added[0].batch());
                }
            }
        });
        return result;
    }

    /**
     * What {@code message} takes in a batch request: its body, its properties as the client encodes
     * them, and the per-message header plus the unique id the client adds.
     */
    static int encodedBytes(Message message) {
        String properties = MessageDecoder.messageProperties2String(message.getProperties());
        return message.getBody().length + properties.getBytes(StandardCharsets.UTF_8).length + BATCH_ENTRY_OVERHEAD;
    }

    private void dispatch(QueueLane lane, List<QueueLane.Pending> batch) {
        if (batch != null) {
            send(lane, batch, System.nanoTime() + config.sendTimeout().toNanos(), 1);
        } else if (!routes.isKnown(lane.queue().getTopic())) {
            prune(lane.queue()); // the lane went idle after its topic was forgotten
        }
    }

    /** Drops the lane of {@code queue} when nothing is in flight or waiting on it; a busy one stays. */
    private void prune(MessageQueue queue) {
        lanes.computeIfPresent(queue, (q, lane) -> lane.idle() ? null : lane);
    }

    /** Sends one batch (attempt {@code attempt}); its outcome arrives in {@link #onDone}. */
    private void send(QueueLane lane, List<QueueLane.Pending> batch, long deadline, int attempt) {
        SendCallback callback = new SendCallback() {
            @Override
            public void onSuccess(SendResult sendResult) {
                onDone(lane, batch, deadline, attempt, sendResult, null);
            }

            @Override
            public void onException(Throwable e) {
                onDone(lane, batch, deadline, attempt, null, e);
            }
        };
        largestRequest.accumulateAndGet(batch.size(), Math::max);
        try {
            long timeout = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (batch.size() == 1) {
                producer.send(batch.get(0).message(), lane.queue(), callback, timeout);
            } else {
                List<Message> messages = new ArrayList<>(batch.size());
                batch.forEach(p -> messages.add(p.message()));
                producer.send(messages, lane.queue(), callback, timeout);
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            onDone(lane, batch, deadline, attempt, null, e);
        }
    }

    private void onDone(QueueLane lane, List<QueueLane.Pending> batch, long deadline, int attempt,
                        SendResult sendResult, Throwable error) {
        try {
            completions.execute(() -> settle(lane, batch, deadline, attempt, sendResult, error));
        } catch (RejectedExecutionException closing) {
            fail(lane, batch, new ClosedException("the RocketMQ producer is closed"));
        }
    }

    /**
     * Completes a batch the broker confirmed and sends the lane's next one. A retriable failure is
     * retried in place, on the same queue and before anything queued behind it, until the send
     * timeout: an engine retry would come after later messages of the same keys. When the batch
     * finally fails, see {@link #fail}.
     */
    private void settle(QueueLane lane, List<QueueLane.Pending> batch, long deadline, int attempt,
                        SendResult sendResult, Throwable error) {
        String topic = lane.queue().getTopic();
        if (error == null && sendResult.getSendStatus() == SendStatus.SEND_OK) {
            long base = sendResult.getQueueOffset();
            String partition = Names.partition(sendResult.getMessageQueue() == null ? lane.queue()
                    : sendResult.getMessageQueue());
            for (int i = 0; i < batch.size(); i++) {
                OutboundRecord record = batch.get(i).record();
                batch.get(i).result().complete(new PublishReceipt(topic, record.id(), partition, base + i));
            }
            dispatch(lane, lane.next());
            return;
        }
        if (error != null && batch.size() > 1 && SendErrors.isIllegal(error)) {
            LOG.debug("RocketMQ refused a batch of {} message(s) to queue {} as illegal; sending them one by one",
                    batch.size(), Names.partition(lane.queue()));
            lane.requeueSingly(batch);
            dispatch(lane, lane.next());
            return;
        }
        KeelException failure = error == null ? SendErrors.notOk(topic, sendResult.getSendStatus())
                : SendErrors.map(config, topic, error);
        if (failure.isRetriable() && error != null && TlsRefusals.notConnected(error)) {
            // over TLS a certificate refused in the handshake looks like this too: not retried when it is one
            failure = tlsRefusals.atBroker(brokerOf(lane.queue()), "publishing to topic " + topic)
                    .<KeelException>map(refused -> refused).orElse(failure);
        }
        long backoff = Math.min(MAX_RETRY_BACKOFF_MILLIS, RETRY_BACKOFF_MILLIS << Math.min(attempt - 1, 10));
        if (failure.isRetriable() && !closed
                && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff) - deadline < 0) {
            LOG.debug("Send of {} message(s) to RocketMQ queue {} failed (attempt {}), retrying in place: {}",
                    batch.size(), Names.partition(lane.queue()), attempt, failure.getMessage());
            try {
                retries.schedule(() -> send(lane, batch, deadline, attempt + 1), backoff, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException closing) {
                // closing: fail below
            }
        }
        if (failure instanceof UnroutableException || (error != null && SendErrors.isNoPermission(error))) {
            routes.forget(topic);
        }
        fail(lane, batch, failure);
    }

    /**
     * Fails {@code batch} with {@code failure} and sends the lane's next batch. When the failure is
     * retriable, the engine may send the batch again later, so what waits behind it fails first,
     * unsent and retriable (it would overtake the retry); after a permanent failure it goes on.
     */
    private void fail(QueueLane lane, List<QueueLane.Pending> batch, KeelException failure) {
        batch.forEach(p -> p.result().completeExceptionally(failure));
        if (failure.isRetriable()) {
            List<QueueLane.Pending> behind = lane.clear();
            if (!behind.isEmpty()) {
                PublishException held = new PublishException("not sent: an earlier message on RocketMQ queue "
                        + Names.partition(lane.queue()) + " of topic " + lane.queue().getTopic()
                        + " failed and may be retried, and this one would overtake it; it is retried with the same "
                        + "id (" + failure.getMessage() + ")", failure, true);
                behind.forEach(p -> p.result().completeExceptionally(held));
            }
        }
        dispatch(lane, lane.next());
    }

    /** The address of the master broker of {@code queue}, as the producer knows it; null when it knows none (or closed). */
    private String brokerOf(MessageQueue queue) {
        if (closed) {
            return null; // the producer's client is gone: looking it up would make a new one
        }
        return MQClientManager.getInstance().getOrCreateMQClientInstance(producer)
                .findBrokerAddressInPublish(queue.getBrokerName());
    }

    /** The most messages one request to the broker carried so far (for tests). */
    public int largestRequest() {
        return largestRequest.get();
    }

    /** Forgets that {@code topic} exists (it was deleted): the next send to it checks again. */
    public void forgetTopic(String topic) {
        routes.forget(topic);
        lanes.keySet().stream().filter(q -> q.getTopic().equals(topic)).toList().forEach(this::prune);
    }

    /** How many queues of {@code topic} this producer keeps send state for (for tests). */
    public long lanesOf(String topic) {
        return lanes.keySet().stream().filter(q -> q.getTopic().equals(topic)).count();
    }

    /**
     * Waits (up to the close timeout) for what is pending; what is left fails, none hangs: a publish that raced this
     * close has failed with a {@link ClosedException} by the time it returns (or, still under way, is refused with one).
     */
    @Override
    public void close() {
        if (!outstanding.close()) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        while (!outstanding.isEmpty() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        ClosedException closing = new ClosedException("the RocketMQ producer closed before the broker confirmed "
                + "the message (within closeTimeout " + config.closeTimeout() + ")");
        lanes.values().forEach(lane -> lane.clear().forEach(p -> p.result().completeExceptionally(closing)));
        outstanding.snapshot().forEach(p -> p.result().completeExceptionally(closing));
        try {
            producer.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Closing the RocketMQ producer failed: {}", e.toString());
        }
        checks.shutdownNow();
        retries.shutdownNow();
        completions.shutdown();
        try {
            if (!completions.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("RocketMQ producer completions did not finish within {}", config.closeTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
