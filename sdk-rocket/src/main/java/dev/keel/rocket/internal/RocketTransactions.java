package dev.keel.rocket.internal;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.rocket.HalfMessage;
import dev.keel.rocket.LocalTransaction;
import dev.keel.rocket.RocketConfig;
import dev.keel.rocket.TransactionChecker;
import dev.keel.rocket.TransactionOutcome;
import dev.keel.rocket.TransactionReceipt;
import dev.keel.rocket.TransactionalPublisher;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import dev.keel.spi.support.OutboundRecords;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.impl.producer.TopicPublishInfo;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.MessageExt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TransactionalPublisher} on a {@code TransactionMQProducer} of its own producer group. The
 * client sends the half message synchronously (its in-place resends off, so a failed half message never
 * ran the local transaction), runs the {@link LocalTransaction} on the publishing thread through the
 * listener (the call's transaction travels as the listener's argument), and sends the outcome one-way.
 * Check-backs run the {@link TransactionChecker} on a thread of this publisher. Nothing here logs payloads.
 */
public final class RocketTransactions implements TransactionalPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(RocketTransactions.class);

    private final RocketConfig config;
    private final RocketAdmin admin;
    private final String group;
    private final TransactionChecker checker;
    private final TransactionMQProducer producer;
    private final ExecutorService checks;
    private final Set<String> routed = ConcurrentHashMap.newKeySet();
    private final Clock clock = Clock.systemUTC();
    private volatile boolean closed;

    /** One call's local transaction and what it did, handed to the listener as its argument. */
    private static final class Call {
        final LocalTransaction transaction;
        final HalfMessage half;
        TransactionOutcome outcome = TransactionOutcome.UNKNOWN;
        Exception failure;

        Call(LocalTransaction transaction, HalfMessage half) {
            this.transaction = transaction;
            this.half = half;
        }
    }

    /**
     * Starts the producer of {@code group} and registers it with the brokers of {@code topics}, so that
     * check-backs reach it before it publishes anything.
     */
    public RocketTransactions(RocketConfig config, RocketAdmin admin, String group, Set<String> topics,
                              TransactionChecker checker) {
        this.config = config;
        this.admin = admin;
        this.group = group;
        this.checker = checker;
        topics.forEach(this::checkRouted);
        this.checks = Executors.newSingleThreadExecutor(DaemonThreads.named(config.clientId() + "-rocket-tx-checks"));
        this.producer = new TransactionMQProducer(group);
        producer.setNamesrvAddr(config.nameServer());
        producer.setInstanceName(ClientNames.instance(config, "tx"));
        producer.setRetryTimesWhenSendFailed(0);
        producer.setSendLatencyFaultEnable(false);
        producer.setVipChannelEnabled(false);
        producer.setSendMsgTimeout((int) config.sendTimeout().toMillis());
        producer.setMaxMessageSize(config.maxMessageBytes() + MessageMapping.MAX_PROPERTY_BYTES);
        producer.setExecutorService(checks);
        producer.setTransactionListener(new Listener());
        try {
            producer.start();
        } catch (MQClientException e) {
            checks.shutdownNow();
            throw new KeelException("cannot start the RocketMQ transactional producer of group " + group
                    + " for name server " + config.nameServer() + ": " + e.getErrorMessage(), e, true);
        }
        register(topics);
    }

    @Override
    public TransactionReceipt publish(String topic, Message message, LocalTransaction localTransaction) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(localTransaction, "localTransaction");
        if (closed) {
            throw new ClosedException("the RocketMQ transactional publisher of group " + group + " is closed");
        }
        String problem = Names.topicProblem(topic);
        if (problem != null) {
            throw new PublishException("cannot publish a transactional message to '" + Names.shorten(topic) + "': "
                    + problem, null, false);
        }
        checkRouted(topic);
        OutboundRecord record = toRecord(topic, message);
        org.apache.rocketmq.common.message.Message rocket = MessageMapping.toRocket(record, config.maxMessageBytes());
        Call call = new Call(localTransaction, new HalfMessage(topic, record.id(), record.key(), record.headers()));
        TransactionSendResult result;
        try {
            result = producer.sendMessageInTransaction(rocket, call);
        } catch (MQClientException | RuntimeException e) {
            KeelException failure = SendErrors.map(topic, e, config.sendTimeout());
            if (failure instanceof dev.keel.UnroutableException) {
                routed.remove(topic);
            }
            throw failure;
        }
        if (result.getSendStatus() != SendStatus.SEND_OK) {
            // the client rolled the half message back and never ran the local transaction
            throw new PublishException("RocketMQ did not confirm the half message of " + record.id() + " to " + topic
                    + " durable (" + result.getSendStatus() + "): it was rolled back and the local transaction did not "
                    + "run; publish again", null, true);
        }
        if (call.failure != null) {
            throw new PublishException("the local transaction of transactional message " + record.id() + " to "
                    + topic + " threw; its outcome was sent as UNKNOWN, so the broker asks the TransactionChecker of "
                    + "group " + group + " whether it committed: " + call.failure, call.failure, false);
        }
        return new TransactionReceipt(topic, record.id(), result.getTransactionId(), call.outcome);
    }

    @Override
    public String producerGroup() {
        return group;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            producer.shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Closing the RocketMQ transactional producer of group {} failed: {}", group, e.toString());
        }
        checks.shutdown();
        try {
            if (!checks.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                checks.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RocketTransactions{group=" + group + ", nameServer=" + config.nameServer() + "}";
    }

    private void checkRouted(String topic) {
        if (routed.contains(topic)) {
            return;
        }
        if (admin.writableQueues(topic).isEmpty()) {
            throw SendErrors.missingTopic(topic, null);
        }
        routed.add(topic);
    }

    /**
     * Makes the client fetch the topics' routes and heartbeat their brokers now, not at its first send: a
     * producer heartbeats only brokers it knows a route to, and the broker sends check-backs only to producers
     * that heartbeat it. The client has no public call for it, hence its (deprecated) implementation object.
     */
    @SuppressWarnings("deprecation")
    private void register(Set<String> topics) {
        MQClientInstance client = producer.getDefaultMQProducerImpl().getMqClientFactory();
        for (String topic : topics) {
            producer.getDefaultMQProducerImpl().getTopicPublishInfoTable().putIfAbsent(topic, new TopicPublishInfo());
            client.updateTopicRouteInfoFromNameServer(topic);
        }
        if (!topics.isEmpty()) {
            client.sendHeartbeatToAllBrokerWithLock();
        }
    }

    /** Keel's header scheme, as the engine's publisher writes it: id (a random UUID when unset), key, timestamp. */
    private OutboundRecord toRecord(String topic, Message message) {
        return OutboundRecords.of(topic, message, message.id() != null ? message.id() : UUID.randomUUID().toString(),
                message.timestamp() != null ? message.timestamp() : clock.instant());
    }

    private static LocalTransactionState toState(TransactionOutcome outcome) {
        return switch (outcome == null ? TransactionOutcome.UNKNOWN : outcome) {
            case COMMIT -> LocalTransactionState.COMMIT_MESSAGE;
            case ROLLBACK -> LocalTransactionState.ROLLBACK_MESSAGE;
            case UNKNOWN -> LocalTransactionState.UNKNOW;
        };
    }

    private final class Listener implements TransactionListener {

        @Override
        public LocalTransactionState executeLocalTransaction(org.apache.rocketmq.common.message.Message msg,
                                                             Object arg) {
            Call call = (Call) arg;
            try {
                TransactionOutcome outcome = call.transaction.execute(call.half);
                call.outcome = outcome == null ? TransactionOutcome.UNKNOWN : outcome;
            } catch (Exception e) {
                call.failure = e;
                call.outcome = TransactionOutcome.UNKNOWN;
            }
            return toState(call.outcome);
        }

        @Override
        public LocalTransactionState checkLocalTransaction(MessageExt msg) {
            InboundRecord record = MessageMapping.fromRocket(msg, () -> { });
            HalfMessage half = new HalfMessage(record.topic(), record.id(), record.key(), record.headers());
            try {
                TransactionOutcome outcome = checker.check(half);
                LOG.debug("Check-back of transactional message {} (topic {}) answered {}", half.id(), half.topic(),
                        outcome);
                return toState(outcome);
            } catch (Exception e) {
                LOG.warn("The TransactionChecker of group {} failed for message {} (topic {}); answering UNKNOWN, the "
                        + "broker asks again: {}", group, half.id(), half.topic(), e.toString());
                return LocalTransactionState.UNKNOW;
            }
        }
    }
}
