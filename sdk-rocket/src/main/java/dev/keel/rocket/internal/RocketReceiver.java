package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.KeelException;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription's RocketMQ consumer: a {@code DefaultLitePullConsumer} with auto-commit off and
 * a client instance of its own, driven by a {@link PollLoop} thread. Pause, resume, close and abort
 * are flags the poll thread applies. {@link #abort()} is this module's crash simulation for its
 * tests, not part of the SPI.
 */
public final class RocketReceiver implements BrokerConsumer {

    /** The client IP a broadcast consumer reports, in place of the host's, so its offsets do not depend on it. */
    static final String BROADCAST_CLIENT_ADDRESS = "keel";

    /** The most messages one pull fetches from one queue. */
    static final int MAX_PULL_BATCH = 32;
    private static final Logger LOG = LoggerFactory.getLogger(RocketReceiver.class);
    /** How often the wait for the first assignment looks for a refusal by the broker's ACL. */
    private static final java.time.Duration ACCESS_CHECK = java.time.Duration.ofMillis(100);

    private final RocketConfig config;
    private final ConsumerSettings settings;
    private final String rocketGroup;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile PollLoop loop;
    private volatile boolean closedBeforeStart;

    public RocketReceiver(RocketConfig config, ConsumerSettings settings) {
        this.config = Objects.requireNonNull(config, "config");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.rocketGroup = Names.rocketGroup(settings.group(), settings.topic());
    }

    /** The RocketMQ consumer group this consumer joins. */
    public String rocketGroup() {
        return rocketGroup;
    }

    /**
     * Starts the consumer and returns once its client has made its first assignment of queues, so
     * that it receives what is published from then on (see {@link FirstAssignment}). A new
     * broadcast instance's start offsets are fixed before that ({@link StartOffsets}), and a group's
     * queue without an offset starts at its first message, so if the assignment takes longer than
     * the adapter's admin timeout this returns anyway (logging a warning) and still misses nothing
     * published after it returned: it receives it later.
     */
    @Override
    public synchronized void start(DeliverySink sink) {
        Objects.requireNonNull(sink, "sink");
        if (loop != null || closedBeforeStart) {
            throw new IllegalStateException("a RocketMQ consumer starts once, and not after close");
        }
        RocketAccess access = RocketAccess.of(config);
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(rocketGroup, access);
        consumer.setNamesrvAddr(config.nameServer());
        consumer.setInstanceName(ClientNames.instance(config, "consumer"));
        consumer.setVipChannelEnabled(false);
        consumer.setAutoCommit(false);
        // a group's queue without an offset starts at its first message; a new broadcast instance has the
        // queues it finds at start fixed at their end first (StartOffsets), so this applies to queues added later
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        settings.broadcastInstance().ifPresent(instance -> {
            // every instance gets every message; its offsets are its own, kept by the client in a local file
            // named after the instance (so a restart under the same instance id resumes where it was)
            consumer.setMessageModel(MessageModel.BROADCASTING);
            consumer.setInstanceName(config.clientId() + "-broadcast-" + instance);
            // the client names that file's directory after its client id, <client IP>@<instance name>: with the
            // host's address there, an instance restarted on another one (a pod given a new IP) found no offsets
            // and started at the end, missing what was published while it was down. A consumer's client uses that
            // address for nothing else
            consumer.setClientIP(BROADCAST_CLIENT_ADDRESS);
        });
        FirstAssignment firstAssignment = new FirstAssignment();
        consumer.setAllocateMessageQueueStrategy(firstAssignment.counting(
                DistinctMembers.of(consumer.getAllocateMessageQueueStrategy())));
        int batch = Math.min(MAX_PULL_BATCH, settings.maxInFlight());
        consumer.setPullBatchSize(batch);
        // the client's buffer is bound per queue, in messages: each queue's share of maxInFlight, set again for
        // the queues of each assignment (below). Its bound for all queues counts each pull waiting for poll as
        // pullBatchSize messages, however few it holds: at a low rate a pull brings one message, and that bound
        // at maxInFlight held back every queue's next pull for 50 ms once the poll thread was 16 pulls behind
        consumer.setPullThresholdForAll(pullThresholdForAll(settings.maxInFlight(), batch));
        consumer.setPullThresholdForQueue(pullThresholdForQueue(settings.maxInFlight(), batch, 1));
        consumer.setPollTimeoutMillis(config.pollTimeout().toMillis());
        PollLoop poll = new PollLoop(consumer, sink, config, settings, done, firstAssignment, access,
                subscribing());
        try {
            BrokerFilters.subscribe(consumer, settings.topic(), settings.filter(), (topic, all, assigned) -> {
                consumer.setPullThresholdForQueue(pullThresholdForQueue(settings.maxInFlight(), batch,
                        assigned.size()));
                poll.queuesChanged(topic, all, assigned);
            });
            RocketTls.start(config, consumer, consumer::start);
            MQClientInstance client = MQClientManager.getInstance().getOrCreateMQClientInstance(consumer);
            if (settings.broadcast()) {
                StartOffsets.atEndOfEachNewQueue(consumer, client, settings.topic());
            }
            // known to the brokers at once (the client's first heartbeat is a second away), then rebalanced
            client.sendHeartbeatToAllBrokerWithLock();
            // a heartbeat the broker's ACL refused (a login, or Sub on the group or topic): refused at once
            access.refusal(subscribing()).ifPresent(refused -> {
                throw refused;
            });
            client.rebalanceImmediately();
        } catch (MQClientException | RuntimeException e) {
            consumer.shutdown();
            if (e instanceof AccessRefusedException refused) {
                throw refused;
            }
            throw new KeelException("cannot start the RocketMQ consumer for topic " + settings.topic() + " group "
                    + settings.group() + " (RocketMQ group " + rocketGroup + "): " + e.getMessage(), e, false);
        }
        loop = poll;
        Thread thread = new Thread(poll, config.clientId() + "-rocket-poll-" + settings.topic() + "-"
                + settings.group());
        thread.setDaemon(true);
        poll.thread(thread);
        thread.start();
        awaitFirstAssignment(firstAssignment, access, poll);
    }

    private String subscribing() {
        return "subscribing to topic " + settings.topic() + " as group " + settings.group() + " (RocketMQ group "
                + rocketGroup + ")";
    }

    /** Waits for the first assignment; a refusal by the broker's ACL meanwhile stops the consumer and is thrown. */
    private void awaitFirstAssignment(FirstAssignment firstAssignment, RocketAccess access, PollLoop poll) {
        try {
            long deadline = System.nanoTime() + config.adminTimeout().toNanos();
            boolean assigned = false;
            while (!assigned && System.nanoTime() - deadline < 0) {
                java.util.Optional<AccessRefusedException> refused = access.refusal(subscribing());
                if (refused.isPresent()) {
                    poll.close(false);
                    done.handle((v, e) -> null).join();
                    throw refused.get();
                }
                assigned = firstAssignment.await(ACCESS_CHECK);
            }
            poll.watchAccess();
            if (!assigned) {
                LOG.warn("The RocketMQ consumer of topic {} group {} was assigned no queue within {} (the adapter's "
                        + "adminTimeout); it receives once a later rebalance of its client succeeds (at the latest "
                        + "every {}); what is published meanwhile waits for it in the topic's queues",
                        settings.topic(), settings.group(), config.adminTimeout(), config.rebalanceInterval());
            }
        } catch (InterruptedException e) {
            poll.watchAccess();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void pause() {
        PollLoop l = loop;
        if (l != null) {
            l.pauseWanted(true);
        }
    }

    @Override
    public void resume() {
        PollLoop l = loop;
        if (l != null) {
            l.pauseWanted(false);
        }
    }

    @Override
    public synchronized CompletionStage<Void> close() {
        if (loop == null) {
            closedBeforeStart = true;
            done.complete(null);
        } else {
            loop.close(false);
        }
        return done.copy();
    }

    /**
     * Leaves as a crash would: commits nothing more and ignores later acknowledgements; what was not
     * committed is redelivered to the group. For this module's tests; the SPI has no abort.
     */
    public synchronized CompletionStage<Void> abort() {
        if (loop == null) {
            closedBeforeStart = true;
            done.complete(null);
        } else {
            loop.close(true);
        }
        return done.copy();
    }

    /** The queues this consumer owns now (for tests). */
    public Set<MessageQueue> ownedQueues() {
        PollLoop l = loop;
        return l == null ? Set.of() : l.owned();
    }

    /** Whether a lasting pause reached the client, which then stops pulling (for tests). */
    public boolean clientPaused() {
        PollLoop l = loop;
        return l != null && l.clientPaused();
    }

    /** The offset the broker has for {@code queue} in this consumer's group (for tests). */
    public long committed(MessageQueue queue) {
        PollLoop l = loop;
        if (l == null) {
            throw new IllegalStateException("not started");
        }
        return l.committed(queue);
    }

    /**
     * The client's bound on the pulls waiting for {@code poll}, which it counts as {@code batch} messages
     * each however few they hold: {@code maxInFlight} pulls, so that the per-queue bound, in messages, binds
     * first ({@link #pullThresholdForQueue}).
     */
    static long pullThresholdForAll(int maxInFlight, int batch) {
        return (long) maxInFlight * batch;
    }

    /**
     * The client's bound on the messages it holds for one queue, not yet polled: an equal share of
     * {@code maxInFlight} among the {@code queues} owned, and at least one pull's worth. While a queue holds
     * more, the client pulls it again only 50 ms later; so in all it holds about
     * {@code maxInFlight + queues * batch} at most, as the bound on all queues gave before.
     */
    static int pullThresholdForQueue(int maxInFlight, int batch, int queues) {
        int n = Math.max(1, queues);
        return Math.max(batch, (maxInFlight + n - 1) / n);
    }

    static Set<MessageQueue> plus(Set<MessageQueue> a, MessageQueue b) {
        Set<MessageQueue> result = new HashSet<>(a);
        result.add(b);
        return Set.copyOf(result);
    }

    static Set<MessageQueue> minus(Set<MessageQueue> a, Set<MessageQueue> b) {
        Set<MessageQueue> result = new HashSet<>(a);
        result.removeAll(b);
        return result;
    }

    static List<String> partitions(Set<MessageQueue> queues) {
        return queues.stream().map(Names::partition).sorted().toList();
    }
}
