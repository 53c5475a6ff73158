package dev.keel.spi;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The engine's side of a consumer: where an adapter hands what it received. */
public interface DeliverySink {

    /**
     * Takes records (in broker order within each partition) into the subscription's bounded
     * in-flight work. Never blocks for long: when in-flight work is full the engine calls
     * {@link BrokerConsumer#pause()} and the adapter stops fetching.
     */
    void accept(List<InboundRecord> records);

    /**
     * The adapter is about to give up these partitions (a rebalance): the engine drops their
     * records not yet started, lets the started ones finish (acknowledging them), and completes the
     * stage when none is running any more or its revoke bound passed. After that the adapter
     * commits and lets them go; records dropped here are redelivered to the new owner.
     *
     * <p>The engine may call {@link BrokerConsumer#pause()} or {@link BrokerConsumer#resume()}
     * synchronously from inside this call (on the adapter's thread, e.g. within a Kafka rebalance
     * callback): adapters that interrupt their poll loop to apply those (Kafka {@code wakeup()})
     * must expect it in a revoke-time commit.
     *
     * <p>An adapter calls {@link #accept} and this one at a time (from one thread, or under one lock), so that a revoke
     * never gives up a batch of records halfway through being taken.
     */
    CompletionStage<Void> revoke(Collection<String> partitions);

    /**
     * The adapter's consumer stopped for good on an error it could not handle (its fetching thread
     * died): the subscription fails ({@link dev.keel.Subscription.State#FAILED}, with {@code cause}
     * as {@link dev.keel.Subscription#failure()}) and acknowledges nothing more; what it had not
     * acknowledged is redelivered to the group. Called once, after the adapter stopped fetching, on
     * the adapter's thread. A sink that wraps another must pass it on.
     */
    default void failed(Throwable cause) {
    }

    /**
     * The adapter's consumer cannot reach the broker (its connection is lost, or a queue it consumes cannot be
     * consumed) and failed its first attempt to get it back; it keeps trying by itself. The subscription shows
     * {@link dev.keel.Subscription.State#RECONNECTING} until {@link #reconnected()}. Called once per outage, on any
     * thread; adapters that cannot tell never call it. A sink that wraps another must pass it on.
     */
    default void disconnected(Throwable cause) {
    }

    /** The outage {@link #disconnected} reported is over: the consumer consumes everything it should again. */
    default void reconnected() {
    }
}
