package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A share-group subscription's consumer ({@link ConsumerSettings#shared()}): {@link KafkaConfig#shareConsumers()}
 * {@link ShareMember}s of the group, each a thread with its own share consumer. Before they start it prepares the
 * group (the cluster's share groups were checked by the adapter: {@link ShareGroupAdmin#requireShareGroups}) ({@link ShareGroupAdmin#prepare}); it keeps the group's
 * delivery limit and lock duration, read again at most every {@link #SETTINGS_REFRESH}, and the limit also
 * whenever a record may be handed back ({@link #currentDeliveryLimit}), which only failures do, so that a limit
 * lowered on the broker while the subscription runs does not make Keel hand back a record at its new last
 * delivery (the broker would archive it). When the group has no member yet, the partitions it never read are started where
 * the Keel group's classic group committed, else, when it starts new partitions at their end
 * ({@code share.auto.offset.reset=latest}), at their end as of {@link #start} ({@link ShareGroupAdmin#startUnstarted}),
 * so what is published after it returns reaches the group. {@link #start} returns once the members run. Pausing stops the members from handing new
 * records to the engine: a member holding nothing still polls (its client fetches in the background after a poll
 * that found nothing, and records it took while nobody polled would wait there unseen, their locks running out),
 * and holds back what arrives, renewing it, until the subscription resumes; records at the broker's last delivery
 * it hands over at once (a closing subscription runs them). Members still acknowledge and renew what they hold. Once
 * the subscription's close begins ({@link #stopFetching}) no member starts a new fetch, and {@link #settle} lets the
 * engine wait for what the fetches under way bring. The first member to fail stops the others, and the
 * sink hears of the failure once all stopped.
 */
public final class ShareReceiver implements AbortableConsumer {

    static final Duration SETTINGS_REFRESH = Duration.ofSeconds(30);
    /** How old the delivery limit may be when a record may be handed back ({@link #currentDeliveryLimit}). */
    static final Duration LIMIT_FRESHNESS = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(ShareReceiver.class);

    private final KafkaConfig config;
    private final ConsumerSettings settings;
    private final ShareGroupAdmin admin;
    /** The Kafka share group's id (not the Keel group's name: KafkaAdapter.shareGroupId). */
    private final String groupId;
    private final int partitions;
    private final Function<Map<String, Object>, ShareConsumer<byte[], byte[]>> clients;
    private final List<ShareMember> members = new ArrayList<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicInteger running = new AtomicInteger();
    /** Members that may still fetch: counted down as each can fetch no more (closing). */
    private volatile java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(0);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** The read of the group's settings under way, if any: callers at the same moment share it. */
    private final AtomicReference<CompletableFuture<ShareGroupSettings>> reading = new AtomicReference<>();
    private volatile ShareGroupSettings group = ShareGroupSettings.KAFKA_DEFAULTS;
    private volatile long settingsReadNanos;
    private volatile boolean paused;
    /** The subscription's close began ({@link #stopFetching}): members start no new fetch. */
    private volatile boolean draining;
    private volatile boolean closing;
    private volatile boolean aborted;
    private DeliverySink sink;

    /**
     * @param groupId    the Kafka share group's id
     * @param partitions how many partitions the topic has (a {@code latest} start fixes where each starts)
     */
    public ShareReceiver(KafkaConfig config, ConsumerSettings settings, String groupId, TopicAdmin topics,
                         int partitions) {
        this(config, settings, groupId, topics, partitions, KafkaShareConsumer::new);
    }

    /** @param clients makes each member's client from its properties (tests observe the real one through it) */
    ShareReceiver(KafkaConfig config, ConsumerSettings settings, String groupId, TopicAdmin topics, int partitions,
                  Function<Map<String, Object>, ShareConsumer<byte[], byte[]>> clients) {
        this.clients = Objects.requireNonNull(clients, "clients");
        this.config = Objects.requireNonNull(config, "config");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.admin = new ShareGroupAdmin(topics.client(), config.requestTimeout());
        this.partitions = partitions;
    }

    @Override
    public synchronized void start(DeliverySink sink) {
        Objects.requireNonNull(sink, "sink");
        if (this.sink != null || closing) {
            throw new IllegalStateException("a Kafka share consumer starts once, and not after close");
        }
        this.sink = sink;
        try {
            group = admin.prepare(groupId, config.autoOffsetReset());
            admin.startUnstarted(groupId, settings.group(), settings.topic(), partitions,
                    "latest".equals(group.autoOffsetReset()));
        } catch (RuntimeException e) {
            closing = true;
            done.complete(null); // no member started: closing has nothing to wait for
            throw e;
        }
        settingsReadNanos = System.nanoTime();
        if (!group.renewEnabled()) {
            LOG.warn("share group {} does not allow lock renewal (share.renew.acknowledge.enable=false): a message "
                    + "handled for longer than the lock duration ({}) is delivered again to another member meanwhile",
                    groupId, group.lockDuration());
        }
        int count = config.shareConsumers();
        int maxPollRecords = Math.max(1, Math.min(config.maxPollRecords(), settings.maxInFlight() / count));
        for (int i = 1; i <= count; i++) {
            String name = config.clientId() + "-share-" + settings.topic() + "-" + groupId + "-" + i;
            members.add(new ShareMember(name, ClientProperties.shareConsumer(config, groupId, maxPollRecords), clients,
                    settings.topic(), sink, this, config.pollTimeout(), config.commitInterval(),
                    config.requestTimeout(), config.closeTimeout()));
        }
        running.set(count);
        fetching = new java.util.concurrent.CountDownLatch(count);
        for (ShareMember member : members) {
            Thread thread = new Thread(member, member.name());
            thread.setDaemon(true);
            thread.start();
        }
        LOG.info("share-group subscription to {} for group {} started: {} share consumer(s) of at most {} record(s) a "
                + "batch; delivery limit {}, lock duration {}", settings.topic(), groupId, count,
                maxPollRecords, group.deliveryLimit(), group.lockDuration());
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        if (paused) {
            paused = false;
            members.forEach(ShareMember::wake);
        }
    }

    /**
     * The subscription begins to close: each member starts no new fetch from now on. A member whose last poll found
     * nothing has a fetch under way (its client goes on fetching in the background until records come); it keeps
     * polling, so that what that fetch brings is seen: records at the broker's last delivery go to the engine, which
     * runs them before it closes, the others are held and handed back at {@link #close}. The records held back while
     * paused are checked again against the delivery limit as the broker reports it now.
     */
    @Override
    public void stopFetching() {
        draining = true;
        members.forEach(ShareMember::wake);
    }

    /** Completes once every member has handed over what its fetch under way brought (a short poll each). */
    @Override
    public CompletionStage<Void> settle() {
        List<ShareMember> started;
        synchronized (this) {
            started = List.copyOf(members);
        }
        return CompletableFuture.allOf(started.stream().map(ShareMember::settle).toArray(CompletableFuture[]::new));
    }

    @Override
    public synchronized CompletionStage<Void> close() {
        closing = true;
        if (sink == null) {
            done.complete(null);
        }
        members.forEach(ShareMember::wake);
        return done.copy();
    }

    /** Leaves as a crash would: acknowledges nothing more; closing the clients releases what they held. */
    @Override
    public synchronized void abort() {
        aborted = true;
        close();
    }

    boolean paused() {
        return paused;
    }

    boolean closing() {
        return closing;
    }

    boolean draining() {
        return draining;
    }

    boolean aborted() {
        return aborted;
    }

    /** A member can fetch no more (it is closing). */
    void fetchingStopped() {
        fetching.countDown();
    }

    /** Waits (at most {@code timeout}) until no member can fetch any more. */
    void awaitFetchingStopped(Duration timeout) {
        try {
            fetching.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The group's delivery limit: a record delivered this many times is not delivered again. */
    int deliveryLimit() {
        return group.deliveryLimit();
    }

    /**
     * The lock duration to time renewals by: the shorter of what the broker last told {@code consumer} (at its last
     * fetch) and the group's as last read.
     */
    Duration lockDuration(ShareConsumer<byte[], byte[]> consumer) {
        Duration groups = group.lockDuration();
        return consumer.acquisitionLockTimeoutMs().filter(ms -> ms > 0).map(Duration::ofMillis)
                .filter(told -> told.compareTo(groups) < 0).orElse(groups);
    }

    /**
     * {@link #lockDuration}, with the group's setting read again when older than {@link #LIMIT_FRESHNESS}: for timing
     * the next renewal. The broker times a renewed lock by the group's lock duration as it is at the renewal, so a
     * duration lowered while a handler runs must shorten the wait before the next renewal (the client learns of it
     * only at its next fetch, which a member running a long handler does not make).
     */
    Duration currentLockDuration(ShareConsumer<byte[], byte[]> consumer) {
        awaitFreshSettings();
        return lockDuration(consumer);
    }

    /**
     * The group's delivery limit as the broker reports it, read again when older than {@link #LIMIT_FRESHNESS}: for
     * deciding whether a record may be handed back (only failures ask, and a closing member). Waits for the read (at most
     * the request timeout); when it fails, the last limit read stands.
     */
    int currentDeliveryLimit() {
        awaitFreshSettings();
        return group.deliveryLimit();
    }

    /** Reads the group's settings again when older than {@link #LIMIT_FRESHNESS}, waiting for the read. */
    private void awaitFreshSettings() {
        if (System.nanoTime() - settingsReadNanos >= LIMIT_FRESHNESS.toNanos()) {
            try {
                readSettings().get(config.requestTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // logged by readSettings (or still under way): the last settings read stand
            }
        }
    }

    /** Reads the group's settings again in the background once they are older than {@link #SETTINGS_REFRESH}. */
    void refreshSettings() {
        if (System.nanoTime() - settingsReadNanos >= SETTINGS_REFRESH.toNanos()) {
            readSettings();
        }
    }

    /** Reads the group's settings, or joins the read under way. */
    private CompletableFuture<ShareGroupSettings> readSettings() {
        CompletableFuture<ShareGroupSettings> mine = new CompletableFuture<>();
        CompletableFuture<ShareGroupSettings> current = reading.compareAndExchange(null, mine);
        if (current != null) {
            return current;
        }
        admin.read(groupId).whenComplete((read, error) -> {
            if (error == null) {
                if (read.deliveryLimit() != group.deliveryLimit()) {
                    LOG.info("share group {}: delivery limit now {}", groupId, read.deliveryLimit());
                }
                if (!read.lockDuration().equals(group.lockDuration())) {
                    LOG.info("share group {}: lock duration now {}", groupId, read.lockDuration());
                }
                group = read;
            } else {
                LOG.debug("share group {}: reading its settings failed, keeping the last ones: {}", groupId,
                        error.toString());
            }
            settingsReadNanos = System.nanoTime();
            reading.set(null);
            if (error == null) {
                mine.complete(read);
            } else {
                mine.completeExceptionally(error);
            }
        });
        return mine;
    }

    /** A member's thread ended; the first failure stops the others, and the last one to end tells the sink. */
    void memberStopped(ShareMember member, Throwable stoppedBy) {
        if (stoppedBy != null && !closing) {
            Throwable cause = refusal(stoppedBy);
            LOG.error("share consumer {} of {} stopped: {}", member.name(), settings.topic(), cause.toString());
            failure.compareAndSet(null, cause);
            aborted = true;
            closing = true;
            members.forEach(ShareMember::wake);
        }
        if (running.decrementAndGet() == 0) {
            Throwable failed = failure.get();
            if (failed != null) {
                try {
                    sink.failed(failed);
                } finally {
                    done.complete(null);
                }
            } else {
                done.complete(null);
            }
        }
    }

    /**
     * Kafka's refusal of a member (a login, an ACL or a certificate: a heartbeat, fetch or acknowledgement refused) as
     * an {@link AccessRefusedException} that names the share group and what to grant; any other error as it is.
     */
    private Throwable refusal(Throwable error) {
        if (!(error instanceof AuthorizationException || error instanceof AuthenticationException)) {
            return error;
        }
        String what = "the share consumer of topic " + settings.topic() + " in share group " + groupId;
        return TlsRefusals.of(what, config.bootstrapServers(), error).orElseGet(() -> new AccessRefusedException("Kafka refused " + what + " ("
                + error.getMessage() + "): check its credentials and grant its principal Read and Describe on the"
                + " topic, and Read, Describe and DescribeConfigs on the group " + groupId + " (docs/security.md), then"
                + " start the subscription again; not retried", error));
    }
}
