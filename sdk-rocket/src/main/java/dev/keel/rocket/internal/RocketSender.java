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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's shared producer: one {@code DefaultMQProducer} with its own retries off (a client
 * retry could duplicate or move a message to another queue; the engine retries with the same id).
 * A keyed message goes to queue {@code KeyHash.laneOf(key, queues)}, an unkeyed one round-robin;
 * each queue has one request in flight ({@link QueueLane}). Only {@code SEND_OK} confirms. Stages
 * complete on a thread of the adapter, never on the client's I/O threads.
 */
public final class RocketSender implements BrokerProducer {

    private static final Logger LOG = LoggerFactory.getLogger(RocketSender.class);

    private final RocketConfig config;
    private final DefaultMQProducer producer;
    private final ExecutorService completions;
    private final ExecutorService checks;
    private final TopicRoutes routes;
    private final Map<MessageQueue, QueueLane> lanes = new ConcurrentHashMap<>();
    private final Set<QueueLane.Pending> outstanding = ConcurrentHashMap.newKeySet();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private volatile boolean closed;

    public RocketSender(RocketConfig config, RocketAdmin admin) {
        this.config = config;
        this.producer = new DefaultMQProducer(config.clientId() + "-producer");
        producer.setNamesrvAddr(config.nameServer());
        producer.setInstanceName(ClientNames.instance(config, "producer"));
        producer.setRetryTimesWhenSendFailed(0);
        producer.setRetryTimesWhenSendAsyncFailed(0);
        producer.setSendLatencyFaultEnable(false);
        producer.setVipChannelEnabled(false);
        producer.setSendMsgTimeout((int) config.sendTimeout().toMillis());
        producer.setMaxMessageSize(Math.max(config.maxMessageBytes(), QueueLane.MAX_BATCH_BYTES * 2));
        try {
            producer.start();
        } catch (MQClientException e) {
            throw new KeelException("cannot start the RocketMQ producer for name server " + config.nameServer() + ": "
                    + e.getErrorMessage(), e, true);
        }
        this.completions = Executors.newSingleThreadExecutor(
                DaemonThreads.named(config.clientId() + "-rocket-producer-completions"));
        this.checks = Executors.newSingleThreadExecutor(DaemonThreads.named(config.clientId() + "-rocket-routes"));
        this.routes = new TopicRoutes(admin, checks);
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
        } catch (KeelException e) {
            result.completeExceptionally(e);
            return result;
        }
        int bytes = record.payload().length + 256 + record.headers().size() * 64;
        QueueLane.Pending pending = new QueueLane.Pending(record, message, result, bytes);
        outstanding.add(pending);
        result.whenComplete((r, e) -> outstanding.remove(pending));
        routes.whenRouted(record.topic(), (queues, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (closed) {
                result.completeExceptionally(new ClosedException("the RocketMQ producer is closed"));
            } else {
                MessageQueue queue = record.key() == null
                        ? queues.get(Math.floorMod(roundRobin.getAndIncrement(), queues.size()))
                        : queues.get(KeyHash.laneOf(record.key(), queues.size()));
                QueueLane lane = lanes.computeIfAbsent(queue, q -> new QueueLane(q, config.maxBatchMessages()));
                List<QueueLane.Pending> batch = lane.add(pending);
                if (batch != null) {
                    dispatch(lane, batch);
                }
            }
        });
        return result;
    }

    private void dispatch(QueueLane lane, List<QueueLane.Pending> first) {
        List<QueueLane.Pending> batch = first;
        while (batch != null && !trySend(lane, batch)) {
            batch = lane.next();
        }
    }

    /** Sends one batch; false when it failed at once (its futures are failed, the lane may go on). */
    private boolean trySend(QueueLane lane, List<QueueLane.Pending> batch) {
        SendCallback callback = new SendCallback() {
            @Override
            public void onSuccess(SendResult sendResult) {
                onDone(lane, batch, sendResult, null);
            }

            @Override
            public void onException(Throwable e) {
                onDone(lane, batch, null, e);
            }
        };
        try {
            long timeout = config.sendTimeout().toMillis();
            if (batch.size() == 1) {
                producer.send(batch.get(0).message(), lane.queue(), callback, timeout);
            } else {
                List<Message> messages = new ArrayList<>(batch.size());
                batch.forEach(p -> messages.add(p.message()));
                producer.send(messages, lane.queue(), callback, timeout);
            }
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            complete(lane, batch, null, e);
            return false;
        }
    }

    private void onDone(QueueLane lane, List<QueueLane.Pending> batch, SendResult sendResult, Throwable error) {
        try {
            completions.execute(() -> {
                complete(lane, batch, sendResult, error);
                dispatch(lane, lane.next());
            });
        } catch (RejectedExecutionException closing) {
            complete(lane, batch, sendResult, error);
        }
    }

    private void complete(QueueLane lane, List<QueueLane.Pending> batch, SendResult sendResult, Throwable error) {
        String topic = lane.queue().getTopic();
        if (error == null && sendResult.getSendStatus() == SendStatus.SEND_OK) {
            long base = sendResult.getQueueOffset();
            String partition = Names.partition(sendResult.getMessageQueue() == null ? lane.queue()
                    : sendResult.getMessageQueue());
            for (int i = 0; i < batch.size(); i++) {
                OutboundRecord record = batch.get(i).record();
                batch.get(i).result().complete(new PublishReceipt(topic, record.id(), partition, base + i));
            }
            return;
        }
        KeelException failure = error == null ? SendErrors.notOk(topic, sendResult.getSendStatus())
                : SendErrors.map(topic, error, config.sendTimeout());
        if (failure instanceof UnroutableException) {
            routes.forget(topic);
        }
        batch.forEach(p -> p.result().completeExceptionally(failure));
    }

    /** Forgets that {@code topic} exists (it was deleted): the next send to it checks again. */
    public void forgetTopic(String topic) {
        routes.forget(topic);
    }

    /** Waits (up to the close timeout) for what is pending; what is left fails, none hangs. */
    @Override
    public void close() {
        if (closed) {
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
        List.copyOf(outstanding).forEach(p -> p.result().completeExceptionally(closing));
        try {
            producer.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Closing the RocketMQ producer failed: {}", e.toString());
        }
        checks.shutdownNow();
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
