package dev.keel.kafka.internal;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a share-group subscription: a thread that owns one {@link KafkaShareConsumer} in explicit
 * acknowledgement mode and works batch by batch, as that mode requires (every record a poll returned must be
 * acknowledged before the next poll):
 * <ol>
 *   <li>poll a batch (at most the consumer's {@code max.poll.records}) and hand it to the engine;</li>
 *   <li>as the engine decides records, acknowledge them (ACCEPT, or RELEASE for a retry) and send those
 *       acknowledgements at most every {@code commitInterval} ({@code commitAsync}: no fetch), so no decided
 *       record waits for the slowest one of its batch;</li>
 *   <li>at half the acquisition lock's duration, renew the lock of every record still running or waiting: RENEW
 *       each, send the renewals with {@code commitSync}, then poll until the client returns the renewed records
 *       (only then can they be acknowledged again). Sending the renewals before polling matters: a poll that
 *       carries renewals also fetches, and the records it acquires stay in the client, unreturned, while the
 *       renewals go on; their locks expire there, again and again, until the broker archives them unread (seen
 *       with kafka-clients 4.4: docs/kafka.md, "Share groups");</li>
 *   <li>once every record of the batch is decided, poll the next one (which carries the last acknowledgements).</li>
 * </ol>
 * A slow or retrying record therefore holds up its own member's next batch and no other member. Once the
 * subscription's close begins ({@link ShareReceiver#stopFetching}) the member starts no new fetch ({@link #drainStep});
 * at its close the decided records are acknowledged and the undecided ones released; after a failure (or an abort)
 * nothing more is acknowledged, and closing the client releases what it held.
 */
final class ShareMember implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ShareMember.class);
    private static final Decision WAKE = new Decision(null, null);
    /** How long a settling member polls for what its fetch under way brought (records come at once when there). */
    static final Duration SETTLE_POLL = Duration.ofMillis(200);

    /** The engine's decision about one record; {@link #WAKE} only wakes the member. */
    private record Decision(ShareBatch.Held record, AcknowledgeType type) {
    }

    private final String name;
    private final Map<String, Object> properties;
    private final Function<Map<String, Object>, ShareConsumer<byte[], byte[]>> clients;
    private final String topic;
    private final DeliverySink sink;
    private final ShareReceiver owner;
    private final Duration pollTimeout;
    private final Duration commitInterval;
    private final Duration requestTimeout;
    private final Duration closeTimeout;
    private final BlockingQueue<Decision> decisions = new LinkedBlockingQueue<>();
    private final ShareBatch batch = new ShareBatch();
    private volatile ShareConsumer<byte[], byte[]> consumer;
    private long renewAtNanos;
    private long renewSentNanos;
    private long lastCommitNanos;
    private boolean uncommitted;
    /**
     * Whether the client may be fetching: its last poll returned no new record (or renewed ones), and after such a
     * poll the client goes on fetching in the background until records come. A poll that returned new records only
     * leaves none under way (the client fetches again only when a poll finds its buffer empty).
     */
    private boolean fetchUnderWay;
    /** The subscription's close began and this member has checked what it holds back once ({@link #drainStep}). */
    private boolean drainStarted;
    /** Settle requests ({@link #settle}) not answered yet; answered by the member's thread, or when it ends. */
    private final Queue<CompletableFuture<Void>> settles = new ConcurrentLinkedQueue<>();
    private volatile boolean ended;

    ShareMember(String name, Map<String, Object> properties,
                Function<Map<String, Object>, ShareConsumer<byte[], byte[]>> clients, String topic, DeliverySink sink,
                ShareReceiver owner, Duration pollTimeout, Duration commitInterval, Duration requestTimeout,
                Duration closeTimeout) {
        this.name = name;
        this.properties = properties;
        this.clients = clients;
        this.topic = topic;
        this.sink = sink;
        this.owner = owner;
        this.pollTimeout = pollTimeout;
        this.commitInterval = commitInterval;
        this.requestTimeout = requestTimeout;
        this.closeTimeout = closeTimeout;
    }

    String name() {
        return name;
    }

    /** The engine decided {@code record} (from any thread). */
    void decide(ShareBatch.Held record, AcknowledgeType type) {
        decisions.add(new Decision(record, type));
    }

    /**
     * Completes once this member has handed over what its fetch under way brought so far (a short poll, when one is
     * under way and it holds nothing; any thread).
     */
    CompletableFuture<Void> settle() {
        CompletableFuture<Void> settled = new CompletableFuture<>();
        settles.add(settled);
        if (ended) {
            answerSettles();
        } else {
            wake();
        }
        return settled;
    }

    private void answerSettles() {
        for (CompletableFuture<Void> s = settles.poll(); s != null; s = settles.poll()) {
            s.complete(null);
        }
    }

    /** Wakes the member from a wait or a poll (close, resume; any thread). */
    void wake() {
        decisions.add(WAKE);
        ShareConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        Throwable failure = null;
        ShareConsumer<byte[], byte[]> created = null;
        try {
            created = ClientSetup.create("share consumer " + name, properties, () -> clients.apply(properties));
            created.setAcknowledgementCommitCallback((offsets, error) -> {
                if (error != null) {
                    LOG.warn("share consumer {}: acknowledging {} record(s) failed ({}): their lock had expired or "
                            + "moved, so the broker delivers them again, or archives those that were at its delivery "
                            + "limit", name,
                            offsets.values().stream().mapToInt(java.util.Set::size).sum(), error.toString());
                }
            });
            consumer = created;
            created.subscribe(List.of(topic));
            loop(created);
        } catch (Throwable e) {
            failure = e;
        } finally {
            if (created != null) {
                closeClient(created, failure == null && !owner.aborted());
            } else {
                owner.fetchingStopped();
            }
            ended = true;
            answerSettles();
            owner.memberStopped(this, failure);
        }
    }

    private void loop(ShareConsumer<byte[], byte[]> c) throws InterruptedException {
        while (!owner.closing()) {
            try {
                step(c);
            } catch (WakeupException e) {
                // a close or a resume: the loop looks at the signals again
            }
        }
    }

    private void step(ShareConsumer<byte[], byte[]> c) throws InterruptedException {
        drainDecisions();
        owner.refreshSettings();
        int acknowledged = batch.acknowledgeDecided(c);
        uncommitted |= acknowledged > 0;
        if (owner.draining()) {
            drainStep(c);
            return;
        }
        if (!owner.paused() && !owner.closing()) {
            handOver(batch.handOver(held -> true)); // what was held back while paused
        }
        if (batch.isEmpty()) {
            // polled also while paused: the client fetches in the background after a poll that found nothing, and
            // what it takes while nobody polls waits there, its lock running out, until the next poll or its close
            poll(c, pollTimeout); // carries the batch's last acknowledgements
            uncommitted = false;
            return;
        }
        holdStep(c);
    }

    /**
     * A step of a member whose subscription is closing ({@link ShareReceiver#stopFetching}): it starts no new fetch.
     * First it hands over what it held back that is at the broker's last delivery under the limit as read now (the
     * limit may have been lowered since it was held back). Holding nothing, it polls only while a fetch is under
     * way, so that what that fetch brings is seen (records at their last delivery go to the engine, the others are
     * held back and handed back at close); its acknowledgements go without a fetch ({@code commitAsync}). Holding
     * records, it acknowledges and renews them as usual. A settle request waits until no renewed record is out (each
     * comes back with a poll, and what that poll fetched with it), and is then answered after a short poll when a
     * fetch is under way and nothing is held (else at once).
     */
    private void drainStep(ShareConsumer<byte[], byte[]> c) throws InterruptedException {
        if (!drainStarted) {
            drainStarted = true;
            handOverLastDeliveries();
        }
        if (!settles.isEmpty()) {
            if (batch.renewing()) {
                // not answered yet: a record decided while its renewal is out is acknowledged only once a poll
                // returns it, and the engine's close, once answered, closes the client, which releases it (delivered
                // again, though handled) and gives back unseen what those polls fetched (archived at their last
                // delivery). ShareSettleWhileRenewingTest
                awaitRenewed(c);
                return;
            }
            boolean polled = fetchUnderWay && batch.isEmpty();
            if (polled) {
                poll(c, SETTLE_POLL);
            }
            LOG.debug("share consumer {}: settled (polled {}, holding {}, fetch under way {})", name, polled,
                    batch.size(), fetchUnderWay);
            answerSettles();
            return;
        }
        if (batch.isEmpty()) {
            if (fetchUnderWay) {
                poll(c, pollTimeout);
                uncommitted = false;
                return;
            }
            if (uncommitted) {
                c.commitAsync(); // an acknowledgement only: no fetch
                uncommitted = false;
                lastCommitNanos = System.nanoTime();
            }
            awaitDecision(pollTimeout.toNanos());
            return;
        }
        holdStep(c);
    }

    /** Hands the engine what this member holds back that is at the broker's last delivery, by the limit read now. */
    private void handOverLastDeliveries() {
        if (batch.holdsBack()) {
            int limit = owner.currentDeliveryLimit();
            handOver(batch.handOver(held -> held.deliveryCount() >= limit));
        }
    }

    private void poll(ShareConsumer<byte[], byte[]> c, Duration timeout) {
        fetchUnderWay = true; // until a poll returns new records only
        received(c.poll(timeout));
    }

    /** A step of a member holding records: renewing, acknowledging what was decided, waiting for decisions. */
    private void holdStep(ShareConsumer<byte[], byte[]> c) throws InterruptedException {
        if (batch.renewing()) {
            awaitRenewed(c);
            return;
        }
        long now = System.nanoTime();
        if (now - renewAtNanos >= 0) {
            renew(c);
            return;
        }
        if (uncommitted && now - lastCommitNanos >= commitInterval.toNanos()) {
            c.commitAsync(); // an acknowledgement only: no fetch
            uncommitted = false;
            lastCommitNanos = now;
        }
        long wait = renewAtNanos - now;
        if (uncommitted) {
            wait = Math.min(wait, lastCommitNanos + commitInterval.toNanos() - now);
        }
        awaitDecision(Math.max(1, wait));
    }

    /** Renews every undecided record's lock and sends the renewals, so the next poll fetches nothing new. */
    private void renew(ShareConsumer<byte[], byte[]> c) {
        int renewed = batch.renewUndecided(c);
        renewSentNanos = System.nanoTime();
        Map<TopicIdPartition, Optional<KafkaException>> results = c.commitSync(requestTimeout);
        uncommitted = false;
        lastCommitNanos = System.nanoTime();
        results.forEach((partition, error) -> error.ifPresent(e -> {
            int lost = batch.loseRenewing(partition.partition());
            if (lost > 0) {
                LOG.warn("share consumer {}: renewing the lock of {} record(s) of {} failed ({}); the broker delivers "
                        + "them again once it expires", name, lost, partition.topicPartition(), e.toString());
            }
        }));
        LOG.debug("share consumer {}: renewed the locks of {} record(s)", name, renewed);
        renewAtNanos = renewSentNanos + owner.currentLockDuration(c).toNanos() / 2;
    }

    /** Polls until the renewed records are returned, renewing again those returned meanwhile and still undecided. */
    private void awaitRenewed(ShareConsumer<byte[], byte[]> c) {
        if (batch.renewUndecided(c) > 0) {
            c.commitSync(requestTimeout);
        }
        poll(c, pollTimeout);
        if (batch.renewing() && System.nanoTime() - renewSentNanos > requestTimeout.toNanos()) {
            int lost = batch.loseRenewing(-1);
            LOG.warn("share consumer {}: {} renewed record(s) did not come back within {}; the broker delivers them "
                    + "again once their lock expires", name, lost, requestTimeout);
        }
    }

    /**
     * Takes a poll's records: renewed ones are held again, new ones go to the engine, unless it is closing (they stay
     * held, undecided: released with the rest) or paused: then only those at the broker's last delivery go (a
     * closing subscription runs them; released at its close, the broker would archive them), and the others are held
     * back, their locks renewed, until it resumes.
     */
    private void received(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        List<ShareBatch.Held> fresh = batch.received(records);
        fetchUnderWay = fresh.size() < records.count(); // renewed records came back: that poll fetched as well
        if (fresh.isEmpty() || owner.closing()) {
            return;
        }
        renewAtNanos = System.nanoTime() + owner.lockDuration(consumer).toNanos() / 2;
        if (owner.draining()) {
            LOG.debug("share consumer {}: {} record(s) fetched while closing", name, fresh.size());
            handOverLastDeliveries();
            return;
        }
        int limit = owner.deliveryLimit();
        handOver(batch.handOver(held -> !owner.paused() || held.deliveryCount() >= limit));
    }

    private void handOver(List<ShareBatch.Held> records) {
        if (records.isEmpty()) {
            return;
        }
        List<InboundRecord> inbound = new ArrayList<>(records.size());
        for (ShareBatch.Held held : records) {
            inbound.add(RecordMapping.fromKafka(held.record(), new ShareAcknowledger(this, owner, held), held.deliveryCount()));
        }
        sink.accept(inbound);
    }

    private void drainDecisions() {
        for (Decision d = decisions.poll(); d != null; d = decisions.poll()) {
            apply(d);
        }
    }

    private void awaitDecision(long nanos) throws InterruptedException {
        Decision d = decisions.poll(nanos, TimeUnit.NANOSECONDS);
        if (d != null) {
            apply(d);
        }
    }

    private void apply(Decision d) {
        if (d.record() != null && !owner.aborted()) {
            batch.decide(d.record(), d.type());
        }
    }

    /**
     * One poll for the records renewed and not returned yet at close (the close's wake-up used up on the way); then
     * acknowledges what was decided. Ends within the request timeout of the last renewal ({@link #awaitRenewed}).
     */
    private void awaitRenewedAtClose(ShareConsumer<byte[], byte[]> c) {
        try {
            awaitRenewed(c);
        } catch (WakeupException e) {
            // the close's wake-up: poll again
        }
        drainDecisions();
        batch.acknowledgeDecided(c);
    }

    /** Takes what the client holds already (a wake-up left pending by the close is used up first). */
    private void lastLook(ShareConsumer<byte[], byte[]> c) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                poll(c, Duration.ZERO);
                return;
            } catch (WakeupException e) {
                // the close's wake-up: look again
            }
        }
    }

    /**
     * Closes the client; gracefully, it first acknowledges what was decided and releases the rest. A member holding
     * nothing closes at once (its fetch in flight, if any, is abandoned); one holding records waits (at most the
     * close timeout) until no member of this subscription can fetch any more before it releases them, so that a
     * released record does not go to a sibling that is about to close too: each acquisition counts towards the
     * broker's delivery limit, and such a record would lose a delivery for nothing.
     */
    private void closeClient(ShareConsumer<byte[], byte[]> c, boolean graceful) {
        boolean holding = !batch.isEmpty();
        if (holding) {
            owner.fetchingStopped();
            owner.awaitFetchingStopped(closeTimeout);
        }
        try {
            if (graceful) {
                drainDecisions();
                batch.acknowledgeDecided(c);
                while (batch.renewing()) { // a record decided meanwhile is acknowledged only once it is returned
                    awaitRenewedAtClose(c);
                }
                if (fetchUnderWay && batch.isEmpty()) {
                    lastLook(c); // what the fetch under way brought since: given back below, named if last
                }
                List<String> lost = batch.undecidedAtDelivery(owner.currentDeliveryLimit());
                if (!lost.isEmpty()) {
                    LOG.error("share consumer {}: closing with {} record(s) of {} at the broker's last delivery not "
                            + "finished (partition-offset {}): the broker archives them (the subscription's close log "
                            + "names those it ran or parked)", name, lost.size(), topic,
                            lost.size() > 10 ? lost.subList(0, 10) + "..." : lost);
                }
                int released = batch.releaseUndecided(c);
                if (released > 0) {
                    LOG.debug("share consumer {}: released {} record(s) not handled at close", name, released);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("share consumer {}: acknowledging at close failed: {}", name, e.toString());
        }
        try {
            c.close(closeTimeout);
        } catch (RuntimeException e) {
            LOG.warn("share consumer {}: close failed: {}", name, e.toString());
        } finally {
            if (!holding) {
                owner.fetchingStopped();
            }
        }
    }
}
