package dev.keel.cli.bench;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import java.time.Duration;

/**
 * A pass's subscription of Keel, watched by a {@link PassWatch} from its start: its handler's last attempts and its
 * state. Its close waits up to the subscription's close timeout once the pass {@link #counted() counted} its target;
 * a pass that did not (its wait stopped with a cause, or the bench was stopped) closes within
 * {@link #ABANDONED_CLOSE}. Its figure is lost either way, and a subscription paused for a Redis that is gone would
 * spend its whole close timeout trying to release claims the store cannot take; their leases end them.
 */
final class WatchedPass implements AutoCloseable {

    /** The close of a pass that did not count its target. */
    static final Duration ABANDONED_CLOSE = Duration.ofSeconds(1);

    private final Subscription subscription;
    private final PassWatch watch;
    private final Duration closeTimeout;
    /** Set by the one thread that runs the pass, read by it at the close. */
    private boolean counted;

    /** {@code watch} watches {@code subscription} from now on. */
    WatchedPass(Subscription subscription, PassWatch watch, Duration closeTimeout) {
        this.subscription = subscription;
        this.watch = watch;
        watch.watch(subscription);
        this.closeTimeout = closeTimeout;
    }

    /** Subscribes {@code work} with {@code config} on the bench's Keel, watched. */
    static WatchedPass subscribe(BenchContext ctx, SubscriptionConfig<byte[]> config, MessageHandler<byte[]> work) {
        PassWatch watch = new PassWatch(ctx.store.description(), config.retryPolicy().maxAttempts());
        return new WatchedPass(ctx.keel.subscribe(config, watch.watching(work)), watch, config.closeTimeout());
    }

    /** The watch to hand to {@link BenchContext#await(java.util.function.LongSupplier, long, String, PassWatch)}. */
    PassWatch watch() {
        return watch;
    }

    /** The pass counted its target: its close may take the subscription's whole close timeout. */
    void counted() {
        counted = true;
    }

    @Override
    public void close() {
        subscription.close(counted ? closeTimeout : ABANDONED_CLOSE);
    }
}
