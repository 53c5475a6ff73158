package dev.keel.rocket;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PartitionRewind;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.rocket.internal.Names;
import dev.keel.rocket.internal.RocketAdmin;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.rocket.internal.RocketReplay;
import dev.keel.rocket.internal.RocketSender;
import dev.keel.rocket.internal.InFlightTransactions;
import dev.keel.rocket.internal.RocketTransactions;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.ReplayAdmin;
import dev.keel.spi.TopologyAdmin;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keel on Apache RocketMQ, through the remoting client ({@code rocketmq-client} 5.x, which talks to
 * 4.x and 5.x name servers and brokers).
 *
 * <ul>
 *   <li>Publishing: one shared {@code DefaultMQProducer} with its own retries off; a keyed message goes
 *   to the queue Keel's {@code KeyHash} picks, with one request in flight per queue (what arrives
 *   meanwhile goes as one batch), so a key's messages are stored in publish order. Only {@code SEND_OK}
 *   confirms; the receipt carries {@code broker:queueId} and the queue offset. A publish to a topic
 *   the name server does not route fails with {@link dev.keel.UnroutableException}, and the broker
 *   never creates it.</li>
 *   <li>Consuming: one {@code DefaultLitePullConsumer} per subscription, auto-commit off, in the
 *   RocketMQ group {@code <group>_<topic>} (every member of a RocketMQ group must subscribe to the
 *   same topics); only the highest contiguous acknowledged offset per queue is written.</li>
 *   <li>Topology: topics and subscription groups through {@code DefaultMQAdminExt}.</li>
 * </ul>
 *
 * <p>Thread-safe. Closing it closes the producer and admin client; consumers are closed by their
 * subscriptions.
 */
public final class RocketAdapter implements BrokerAdapter, TopologyAdmin, ReplayAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(RocketAdapter.class);

    private final RocketConfig config;
    private final Set<Capability> capabilities = Set.copyOf(EnumSet.of(Capability.UNROUTABLE_DETECTION,
            Capability.CONSUMER_GROUPS, Capability.REDELIVERY, Capability.KEY_ORDERING, Capability.BROKER_FILTER,
            Capability.DELAYED_DELIVERY, Capability.REPLAY, Capability.BROADCAST,
            Capability.NON_BLOCKING_RETRY, Capability.TRANSACTIONAL_PUBLISH));
    private RocketAdmin admin;
    private RocketSender producer;
    /** Per producer group, what its transactional publishers of this adapter know of their transactions. */
    private final Map<String, InFlightTransactions> transactionsInFlight = new ConcurrentHashMap<>();
    private boolean closed;

    /** An adapter for the name server {@code config} names; clients are created on first use. */
    public RocketAdapter(RocketConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        dev.keel.rocket.internal.ClientLogging.keepOutOfHome();
        LOG.debug("RocketMQ adapter configured: {}", config);
    }

    /**
     * The RocketMQ consumer group in which Keel group {@code group} consumes {@code topic}:
     * {@code <group>_<topic>_<hash>}, {@code <hash>} being 8 hex digits of the CRC-32C of
     * {@code group + '\0' + topic} (names over 120 characters are cut before the hash). Use it to
     * look a Keel group up with RocketMQ's tools, or to read its committed offsets with a plain client.
     */
    public static String rocketGroupOf(String group, String topic) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(topic, "topic");
        return Names.rocketGroup(group, topic);
    }

    /** The configuration this adapter was built with. */
    public RocketConfig config() {
        return config;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    /**
     * Creates the topic with {@code partitions} queues on every master and a subscription group
     * {@link #rocketGroupOf rocketGroupOf(group, topic)} for each of its groups; returns once the name
     * server routes it. An
     * existing topic is checked on every master that has it, never changed: another queue count or
     * replication factor fails with a {@link dev.keel.TopologyException}; masters that lack it get it
     * with the same queue count (a declaration that stopped half way is finished; a master that
     * cannot be reached fails the call, naming it). RocketMQ replicates per broker (master plus
     * slaves), so the replication factor must be what the brokers have.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        Objects.requireNonNull(topic, "topic");
        admin().ensure(topic);
    }

    /** The topic's queues per master and its brokers' replication; RocketMQ groups are not reported. */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (Names.topicProblem(topic) != null) {
            return Optional.empty();
        }
        return admin().describe(topic);
    }

    /**
     * Deletes the topic from every broker and the name server, with the RocketMQ groups Keel made for
     * it (see {@link #rocketGroupOf}); groups of other applications that consumed it are kept.
     */
    @Override
    public void deleteTopology(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (Names.topicProblem(topic) != null) {
            return;
        }
        admin().delete(topic);
        RocketSender sender;
        synchronized (this) {
            sender = producer;
        }
        if (sender != null) {
            sender.forgetTopic(topic);
        }
    }

    @Override
    public synchronized BrokerProducer producer() {
        ensureOpen();
        if (producer == null) {
            producer = new RocketSender(config, admin());
        }
        return producer;
    }

    /**
     * A consumer for one subscription, in RocketMQ group {@link #rocketGroupOf}. The topic must
     * exist; the group's subscription group and the dead-letter topic (like the consumed topic, with
     * the subscription's group keeping its letters) are created here when missing. A header filter
     * runs on the brokers as an SQL92 property selector when every master broker of the topic has
     * {@code enablePropertyFilter=true}; otherwise the consumer takes every message, the engine skips
     * (and acknowledges) those that do not match, and one WARN line names the topic and the broker.
     */
    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        synchronized (this) {
            ensureOpen();
        }
        String problem = Names.topicProblem(settings.topic());
        if (problem == null) {
            problem = Names.groupProblem(settings.group());
        }
        if (problem != null) {
            throw new KeelException("cannot subscribe to '" + settings.topic() + "' as group '" + settings.group()
                    + "': " + problem, false);
        }
        if (admin().describe(settings.topic()).isEmpty()) {
            throw new TopicNotFoundException(settings.topic(), "RocketMQ topic '" + settings.topic() + "' does not "
                    + "exist: declare it with ensureTopology before subscribing");
        }
        admin().ensure(TopicSpec.from(admin().describe(settings.topic()).orElseThrow()).group(settings.group())
                .build());
        ConsumerSettings receiving = settings;
        if (settings.filter().isPresent()) {
            Optional<String> refusal = admin().propertyFilterRefusal(settings.topic());
            if (refusal.isPresent()) {
                // the broker would refuse the SQL92 selector: take every message and let the engine's filter skip
                // (and acknowledge) the others in the client
                LOG.warn("Header filter of group '{}' on topic '{}' runs in the client, not on the broker: {}. "
                        + "Every message of the topic is delivered and those that do not match are acknowledged "
                        + "unhandled; set enablePropertyFilter=true in broker.conf of every broker of the topic "
                        + "(then restart it) to filter on the broker", settings.group(), settings.topic(),
                        refusal.get());
                receiving = new ConsumerSettings(settings.topic(), settings.group(), settings.maxInFlight(),
                        settings.revokeTimeout(), settings.deadLetterTopic(), Optional.empty(),
                        settings.broadcastInstance());
            }
        }
        settings.deadLetterTopic().ifPresent(deadLetters ->
                admin().ensureDeadLetters(settings.topic(), deadLetters, settings.group()));
        return new RocketReceiver(config, receiving);
    }

    /**
     * {@code <topic>_DLT}: RocketMQ topic names allow no dot. A topic too long for that is cut and
     * followed by a hash, so the name stays within 127 characters.
     */
    @Override
    public String defaultDeadLetterTopic(String topic) {
        return Names.deadLetterTopic(topic);
    }

    /**
     * {@code <topic>_<group>_RETRY}: RocketMQ topic names allow no dot (and {@code %RETRY%<group>} is
     * RocketMQ's own retry topic, which Keel does not use). Cut and hashed like the dead-letter topic
     * when too long.
     */
    @Override
    public String retryTopic(String topic, String group) {
        return Names.retryTopic(topic, group);
    }

    /** Closes the producer (waiting up to closeTimeout for pending publishes) and the admin client. */
    @Override
    public void close() {
        RocketSender closingProducer;
        RocketAdmin closingAdmin;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closingProducer = producer;
            closingAdmin = admin;
        }
        // outside the lock: other threads calling the adapter meanwhile fail at once with ClosedException
        if (closingProducer != null) {
            closingProducer.close();
        }
        if (closingAdmin != null) {
            closingAdmin.close();
        }
    }

    /**
     * A publisher of RocketMQ transactional messages in producer group {@code producerGroup}: each message is
     * stored as a half message, your local transaction runs, and its outcome commits or drops the message;
     * when the outcome is lost, the broker asks a live producer of the group, whose {@code checker} answers
     * from your database (the publishers of a group made by this adapter answer for their own transactions, any of
     * them for any other's, while they run or their outcome is not yet confirmed; a second adapter in the process
     * counts as another process). Every process of the group must use an equivalent checker. The publisher registers
     * with the brokers of {@code topics} at once, so a restarted process answers check-backs before it
     * publishes again. Yours to close (closing the adapter does not close it). See docs/rocketmq.md,
     * "Transactional messages".
     *
     * @throws IllegalArgumentException          the group name is not a legal RocketMQ group name
     * @throws dev.keel.UnroutableException one of {@code topics} does not exist
     */
    public TransactionalPublisher transactionalPublisher(String producerGroup, Set<String> topics,
                                                         TransactionChecker checker) {
        Objects.requireNonNull(producerGroup, "producerGroup");
        Objects.requireNonNull(checker, "checker");
        Set<String> declared = Set.copyOf(Objects.requireNonNull(topics, "topics"));
        String problem = Names.groupProblem(producerGroup);
        if (problem != null) {
            throw new IllegalArgumentException("producer group '" + producerGroup + "': " + problem);
        }
        for (String topic : declared) {
            String topicProblem = Names.topicProblem(topic);
            if (topicProblem != null) {
                throw new IllegalArgumentException("topic '" + topic + "': " + topicProblem);
            }
        }
        return new RocketTransactions(config, admin(), producerGroup, declared, checker,
                transactionsInFlight.computeIfAbsent(producerGroup, group -> new InFlightTransactions()));
    }

    /**
     * Per queue: the group's offset (the end when it has none) and {@code searchOffset(from)}, the
     * first message the broker stored at or after {@code from}.
     */
    @Override
    public List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        return new RocketReplay(config, admin()).planRewind(topic, group, from);
    }

    @Override
    public void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids) {
        new RocketReplay(config, admin()).readIds(topic, ranges, ids);
    }

    /** {@code updateConsumeOffset} on each queue's master, once the group has no member online. */
    @Override
    public void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        new RocketReplay(config, admin()).rewind(topic, group, rewinds);
    }

    private synchronized RocketAdmin admin() {
        ensureOpen();
        if (admin == null) {
            admin = new RocketAdmin(config);
        }
        return admin;
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("the RocketMQ adapter is closed");
        }
    }

    @Override
    public String toString() {
        return "RocketAdapter{" + config + "}";
    }
}
