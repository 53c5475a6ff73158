package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
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
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.impl.producer.TopicPublishInfo;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TransactionalPublisher} on a {@code TransactionMQProducer} of its own producer group. A publish sends the
 * half message synchronously (the client's in-place resends off, so a failed half message never ran the local
 * transaction), runs the {@link LocalTransaction} on the publishing thread, and sends its outcome waiting for the
 * broker's answer ({@link TransactionEnds}). Check-backs are answered on a thread of this publisher: from
 * {@link InFlightTransactions}, shared by the adapter's publishers of the group, for their own transactions (UNKNOWN
 * while the local transaction runs, its outcome until the broker confirmed it), by the {@link TransactionChecker}
 * for any other; once the broker took an outcome or an answer, later check-backs of that message (the broker asks
 * again until its op message is written) are answered ROLLBACK, which stores no second copy. A delayed message is
 * refused: the broker cannot delay a transactional message. Nothing here logs payloads.
 */
public final class RocketTransactions implements TransactionalPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(RocketTransactions.class);

    private final RocketConfig config;
    private final RocketAdmin admin;
    private final String group;
    private final TransactionChecker checker;
    private final TransactionMQProducer producer;
    private final TransactionEnds ends;
    private final ExecutorService checks;
    private final Set<String> routed = ConcurrentHashMap.newKeySet();
    private final InFlightTransactions known;
    private final PublishGate gate = new PublishGate();
    private final Clock clock = Clock.systemUTC();

    /**
     * Starts the producer of {@code group} and registers it with the brokers of {@code topics}, so that
     * check-backs reach it before it publishes anything.
     *
     * @param known what the adapter's publishers of {@code group} know of their transactions, shared by them
     */
    public RocketTransactions(RocketConfig config, RocketAdmin admin, String group, Set<String> topics,
                              TransactionChecker checker, InFlightTransactions known) {
        this.config = config;
        this.known = Objects.requireNonNull(known, "known");
        this.admin = admin;
        this.group = group;
        this.checker = checker;
        topics.forEach(this::checkRouted);
        this.checks = Executors.newSingleThreadExecutor(DaemonThreads.named(config.clientId() + "-rocket-tx-checks"));
        this.producer = new TransactionMQProducer(group, RocketAccess.of(config));
        producer.setNamesrvAddr(config.nameServer());
        producer.setInstanceName(ClientNames.instance(config, "tx"));
        producer.setRetryTimesWhenSendFailed(0);
        producer.setSendLatencyFaultEnable(false);
        producer.setVipChannelEnabled(false);
        producer.setSendMsgTimeout((int) config.sendTimeout().toMillis());
        producer.setMaxMessageSize(config.maxMessageBytes() + MessageMapping.MAX_PROPERTY_BYTES);
        producer.setExecutorService(checks);
        producer.setTransactionListener(new Listener());
        this.ends = new TransactionEnds(producer, group, config.sendTimeout());
        try {
            RocketTls.start(config, producer, producer::start);
        } catch (AccessRefusedException e) {
            checks.shutdownNow();
            throw e;
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
        if (!gate.enter()) {
            throw new ClosedException("the RocketMQ transactional publisher of group " + group + " is closed");
        }
        try {
            return publishOpen(topic, message, localTransaction);
        } finally {
            gate.leave();
        }
    }

    private TransactionReceipt publishOpen(String topic, Message message, LocalTransaction localTransaction) {
        String problem = Names.topicProblem(topic);
        if (problem != null) {
            throw new PublishException("cannot publish a transactional message to '" + Names.shorten(topic) + "': "
                    + problem, null, false);
        }
        Instant now = clock.instant();
        if (OutboundRecords.isDelayed(message, now)) {
            throw new IllegalArgumentException("transactional message " + Objects.toString(message.id(), "(no id)")
                    + " to " + topic + " has a delivery time (delay or deliverAt), but RocketMQ cannot delay a "
                    + "transactional message: the broker commits the half message to the topic at once. Publish it "
                    + "without a delay, or publish the delayed message with a Keel publisher once the local "
                    + "transaction committed (the JDBC outbox does so); the local transaction did not run");
        }
        checkRouted(topic);
        OutboundRecord record = toRecord(topic, message);
        org.apache.rocketmq.common.message.Message half = toHalf(record);
        String transactionId = MessageClientIDSetter.getUniqID(half);
        Instant sentAt = clock.instant();
        known.begin(transactionId);     // before the send: a check-back may come before send() returns
        SendResult sent = sendHalf(topic, record.id(), transactionId, half);
        TransactionOutcome outcome = TransactionOutcome.UNKNOWN;
        Exception failure = null;
        try {
            outcome = localTransaction.execute(new HalfMessage(topic, record.id(), record.key(), record.headers(),
                    sentAt));
            outcome = outcome == null ? TransactionOutcome.UNKNOWN : outcome;
        } catch (Exception e) {
            failure = e;
        } finally {
            known.ended(transactionId, outcome);
        }
        TransactionOutcome taken = outcome == TransactionOutcome.UNKNOWN ? TransactionOutcome.UNKNOWN
                : end(topic, record.id(), transactionId, sent, outcome);
        if (failure != null) {
            throw new PublishException("the local transaction of transactional message " + record.id() + " to "
                    + topic + " threw; its outcome is UNKNOWN, so the broker asks the TransactionChecker of group "
                    + group + " whether it committed: " + failure, failure, false);
        }
        String brokerTransactionId = sent.getTransactionId() != null ? sent.getTransactionId() : transactionId;
        return new TransactionReceipt(topic, record.id(), brokerTransactionId, taken);
    }

    /** The message as a half message of this group, with its RocketMQ transaction id set (and its check immunity). */
    private org.apache.rocketmq.common.message.Message toHalf(OutboundRecord record) {
        org.apache.rocketmq.common.message.Message half = MessageMapping.toRocket(record, config.maxMessageBytes());
        MessageAccessor.putProperty(half, MessageConst.PROPERTY_TRANSACTION_PREPARED, "true");
        MessageAccessor.putProperty(half, MessageConst.PROPERTY_PRODUCER_GROUP, group);
        if (!config.transactionCheckImmunity().isZero()) {
            MessageAccessor.putProperty(half, MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS,
                    String.valueOf(config.transactionCheckImmunity().getSeconds()));
        }
        MessageClientIDSetter.setUniqID(half);
        return half;
    }

    /** Sends the half message and waits for {@code SEND_OK}; on any other answer the local transaction never runs. */
    private SendResult sendHalf(String topic, String id, String transactionId,
                                org.apache.rocketmq.common.message.Message half) {
        SendResult sent;
        try {
            sent = producer.send(half);
        } catch (MQClientException | RemotingException | MQBrokerException | InterruptedException
                 | RuntimeException e) {
            known.forget(transactionId);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            KeelException failure = SendErrors.map(config, topic, e);
            if (failure instanceof dev.keel.UnroutableException) {
                routed.remove(topic);
            }
            throw failure;
        }
        if (sent.getSendStatus() != SendStatus.SEND_OK) {
            // stored, but not as durably as asked: roll it back, as rocketmq-client does, and never run the transaction
            known.forget(transactionId);
            end(topic, id, transactionId, sent, TransactionOutcome.ROLLBACK);
            throw new PublishException("RocketMQ did not confirm the half message of " + id + " to " + topic
                    + " durable (" + sent.getSendStatus() + "): it was rolled back and the local transaction did not "
                    + "run; publish again", null, true);
        }
        return sent;
    }

    /**
     * Sends the local transaction's outcome and returns it when the broker took it; otherwise (refused, unanswered,
     * the producer closed) UNKNOWN: the broker asks the group's producers, and this one answers with the outcome.
     */
    private TransactionOutcome end(String topic, String id, String transactionId, SendResult sent,
                                   TransactionOutcome outcome) {
        String refusal;
        try {
            refusal = ends.end(topic, sent, outcome);
        } catch (RemotingException | UnknownHostException | RuntimeException e) {
            refusal = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refusal = e.toString();
        }
        if (refusal == null) {
            known.confirmed(transactionId);
            return outcome;
        }
        known.unconfirmed(transactionId);
        LOG.warn("The broker did not confirm the {} of transactional message {} (topic {}, group {}): {}; its check-back "
                + "settles the message (this producer answers {} while it runs)", outcome, id, topic, group, refusal,
                outcome);
        return TransactionOutcome.UNKNOWN;
    }

    @Override
    public String producerGroup() {
        return group;
    }

    /**
     * Lets no more publishes in, waits up to {@code closeTimeout} for those under way to send their outcome
     * (check-backs are still answered meanwhile), then stops the producer.
     */
    @Override
    public void close() {
        if (!gate.close()) {
            return;
        }
        try {
            int left = gate.awaitNone(config.closeTimeout().toMillis());
            if (left > 0) {
                LOG.warn("Closing the RocketMQ transactional publisher of group {} with {} publish(es) still under way "
                        + "after {}: their outcome is left to the check-back of the group's producers", group, left,
                        config.closeTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /** Answers check-backs; rocketmq-client calls {@code executeLocalTransaction} only from its own publish. */
    private final class Listener implements TransactionListener {

        @Override
        public LocalTransactionState executeLocalTransaction(org.apache.rocketmq.common.message.Message msg,
                                                             Object arg) {
            return LocalTransactionState.UNKNOW;
        }

        @Override
        public LocalTransactionState checkLocalTransaction(MessageExt msg) {
            InboundRecord record = MessageMapping.fromRocket(msg, () -> { });
            Optional<TransactionOutcome> own = known.answer(MessageClientIDSetter.getUniqID(msg));
            if (own.isPresent()) {
                LOG.debug("Check-back of this producer's transactional message {} (topic {}) answered {}", record.id(),
                        record.topic(), own.get());
                return answer(msg, record.id(), own.get());
            }
            HalfMessage half = new HalfMessage(record.topic(), record.id(), record.key(), record.headers(),
                    Instant.ofEpochMilli(msg.getBornTimestamp()));
            TransactionOutcome outcome;
            try {
                outcome = checker.check(half);
                LOG.debug("Check-back of transactional message {} (topic {}) answered {}", half.id(), half.topic(),
                        outcome);
            } catch (Exception e) {
                LOG.warn("The TransactionChecker of group {} failed for message {} (topic {}); answering UNKNOWN, the "
                        + "broker asks again: {}", group, half.id(), half.topic(), e.toString());
                return LocalTransactionState.UNKNOW;
            }
            return answer(msg, half.id(), outcome);
        }

        /**
         * Sends a COMMIT or ROLLBACK answer itself, naming the message's topic ({@link TransactionEnds#endChecked}),
         * and leaves the client only an UNKNOWN to send (which the broker ignores); should that fail other than by the
         * ACL, the client sends the answer as before. An answer the broker's ACL refuses is logged at ERROR with what
         * to grant: the broker asks again at its next check, and drops the message after transactionCheckMax checks.
         *
         * <p>An answer the broker took settles the message in {@link InFlightTransactions}, as a confirmed outcome of
         * this process's own: a later check-back of it is answered ROLLBACK without asking the checker. The broker
         * does ask again about a message whose COMMIT it took (it ends the half message by an op message written in
         * batches, and each check before that stores a new copy of the half message and asks about that copy), and a
         * COMMIT answered to that copy would store the message once more; a ROLLBACK ends the copy and leaves the
         * committed message as it is. While the answer is on its way, a check-back of the same message (to another
         * publisher of the group made by the adapter) is answered UNKNOWN.
         */
        private LocalTransactionState answer(MessageExt msg, String id, TransactionOutcome outcome) {
            if (outcome == null || outcome == TransactionOutcome.UNKNOWN) {
                return LocalTransactionState.UNKNOW;
            }
            String transactionId = MessageClientIDSetter.getUniqID(msg);
            if (transactionId != null) {
                known.answering(transactionId, outcome);
            }
            boolean taken = false;
            try {
                String failure;
                try {
                    failure = ends.endChecked(msg, outcome);
                } catch (TransactionEnds.AclRefused refused) {
                    LOG.error("{}", AccessRefusals.refused(config, "the " + outcome + " answering the check-back of "
                            + "transactional message " + id + " (group " + group + "); the broker asks again and "
                            + "drops the message after transactionCheckMax checks", RequestCode.END_TRANSACTION,
                            refused.getMessage(), null).getMessage());
                    return LocalTransactionState.UNKNOW;
                } catch (RemotingException | RuntimeException e) {
                    failure = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = e.toString();
                }
                if (failure == null) {
                    taken = true;
                    return LocalTransactionState.UNKNOW; // the broker took the outcome: the client's answer is a no-op
                }
                LOG.debug("The broker did not take the {} answering the check-back of transactional message {}: {}; "
                        + "the client sends it", outcome, id, failure);
                return toState(outcome);
            } finally {
                if (transactionId != null) {
                    if (taken) {
                        known.confirmed(transactionId);
                    } else {
                        known.answerFailed(transactionId);
                    }
                }
            }
        }
    }
}
