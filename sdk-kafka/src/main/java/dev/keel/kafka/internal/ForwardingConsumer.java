package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.KeelException;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription's consumer together with its topic's {@link DelayForwarder}, started lazily: the
 * forwarder runs from the time its topic's delay topic exists ({@link DelayForwarding} tells)
 * until the subscription closes, so delayed records reach the topic whenever something consumes it,
 * and a topic nobody delays messages on costs no delay topic and no forwarder. A forwarder that stops on an
 * unexpected error is replaced by a new one after a backoff (1 s, doubling to at most a minute; back to 1 s after
 * one ran for {@link #MAX_BACKOFF}), so delayed records keep coming while the subscription runs. A forwarder that
 * Kafka refused ({@link AccessRefusedException}: a login, an ACL or a certificate), or whose clients refuse their
 * settings (a non-retriable {@link KeelException}), is not replaced: the subscription fails with the refusal, which
 * names what to grant or fix, instead of running with its delayed records never delivered. One that could not be made
 * for another reason is tried again after the backoff.
 */
public final class ForwardingConsumer implements BrokerConsumer, DelayForwarding.Waiter {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardingConsumer.class);

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final AbortableConsumer consumer;
    private final String topic;
    private final Supplier<DelayForwarder> forwarders;
    private final DelayForwarding forwarding;
    /** Guarded by {@code this}: null until the delay topic exists. */
    private DelayForwarder forwarder;
    /** Guarded by {@code this}: when the running forwarder started (nanoTime). */
    private long startedNanos;
    /** Guarded by {@code this}: the wait before the next restart. */
    private Duration backoff = FIRST_BACKOFF;
    private boolean closed;
    /** Set by {@link #start}: where a refused forwarder fails the subscription. */
    private volatile DeliverySink sink;

    /**
     * @param forwarders creates the (unstarted) forwarder of {@code topic}, once its delay topic exists
     * @param forwarding tells when that is
     */
    public ForwardingConsumer(AbortableConsumer consumer, String topic, Supplier<DelayForwarder> forwarders,
                              DelayForwarding forwarding) {
        this.consumer = consumer;
        this.topic = topic;
        this.forwarders = forwarders;
        this.forwarding = forwarding;
    }

    @Override
    public void start(DeliverySink sink) {
        this.sink = sink;
        consumer.start(sink);
        forwarding.watch(this);
    }

    @Override
    public String topic() {
        return topic;
    }

    /**
     * Starts the forwarder, unless it runs already or the subscription closed. A forwarder that cannot be made or
     * started is tried again after the backoff; one whose clients refuse their settings (a non-retriable
     * {@link KeelException}: trying again cannot help) fails the subscription, which names the setting, instead of
     * running with its delayed records never delivered.
     */
    @Override
    public void startForwarder() {
        RuntimeException failure;
        synchronized (this) {
            if (closed || forwarder != null) {
                return;
            }
            try {
                DelayForwarder created = ClientSetup.create("the delay forwarder of " + topic, () -> {
                    DelayForwarder made = forwarders.get();
                    made.start(); // creates its clients
                    return made;
                });
                forwarder = created;
                startedNanos = System.nanoTime();
                created.failure().thenAccept(error -> stoppedOnError(created, error));
                return;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure instanceof KeelException k && !k.isRetriable()) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            LOG.error("The delay forwarder of {} cannot start: {}; the subscription fails", topic, failure.getMessage());
            sink.failed(failure);
            return;
        }
        Duration wait = nextBackoff();
        LOG.warn("The delay forwarder of {} did not start ({}); trying again in {} ms", topic, failure.toString(),
                wait.toMillis());
        forwarding.restartLater(this, wait);
    }

    /** The wait before the next start, doubling from {@link #FIRST_BACKOFF} to at most {@link #MAX_BACKOFF}. */
    private synchronized Duration nextBackoff() {
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        return wait;
    }

    /** Kafka refused the check of the delay topic: no forwarder will start, the subscription fails. */
    @Override
    public void refused(AccessRefusedException refusal) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        sink.failed(refusal);
    }

    /**
     * {@code failed} stopped on its own: a new forwarder starts after the backoff, unless this closed; or, refused,
     * the subscription fails.
     */
    private void stoppedOnError(DelayForwarder failed, RuntimeException error) {
        boolean refused = error instanceof AccessRefusedException;
        Duration wait;
        synchronized (this) {
            if (closed || forwarder != failed) {
                return;
            }
            forwarder = null;
            closed = refused; // refused: no forwarder again, the subscription fails and closes this
            if (Duration.ofNanos(System.nanoTime() - startedNanos).compareTo(MAX_BACKOFF) >= 0) {
                backoff = FIRST_BACKOFF;
            }
            wait = nextBackoff();
        }
        if (refused) {
            sink.failed(error);
        } else {
            forwarding.restartLater(this, wait);
        }
    }

    @Override
    public void pause() {
        consumer.pause();
    }

    @Override
    public void resume() {
        consumer.resume();
    }

    @Override
    public void stopFetching() {
        consumer.stopFetching();
    }

    @Override
    public CompletionStage<Void> settle() {
        return consumer.settle();
    }

    @Override
    public CompletionStage<Void> close() {
        CompletionStage<Void> forwarding = stopForwarding();
        return consumer.close().thenCombine(forwarding, (a, b) -> null);
    }

    @Override
    public long backlog() {
        return consumer.backlog();
    }

    @Override
    public boolean caughtUp() {
        return consumer.caughtUp();
    }

    @Override
    public Set<String> partitionsHeldByOthers() {
        return consumer.partitionsHeldByOthers();
    }

    /** {@link AbortableConsumer#abort()} (for this module's tests), and the forwarder stops as on close. */
    public void abort() {
        consumer.abort();
        stopForwarding();
    }

    private CompletionStage<Void> stopForwarding() {
        forwarding.unwatch(this);
        DelayForwarder running;
        synchronized (this) {
            closed = true;
            running = forwarder;
        }
        return running == null ? CompletableFuture.completedFuture(null) : running.close();
    }
}
