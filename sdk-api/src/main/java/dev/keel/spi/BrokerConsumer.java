package dev.keel.spi;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An adapter's consuming side for one subscription. Acknowledgement goes through each
 * {@link InboundRecord#ack()}; offset brokers commit the highest contiguous acknowledged position
 * per partition (see {@link dev.keel.spi.support.OffsetTracker}).
 */
public interface BrokerConsumer {

    /**
     * Joins the group and starts handing records to {@code sink}. Called once. Returns once the
     * consumer receives: a record published after it returns reaches the group (this consumer, if
     * it is given the record's partition), also when the group is new and when the consumer starts
     * at the end of its partitions (a broadcast instance). A client that receives only after its
     * first assignment waits for it here, and where it starts "at the end", fixes that end before
     * returning rather than at its first fetch.
     */
    void start(DeliverySink sink);

    /** Stops fetching soon (group membership is kept). Idempotent; callable from any thread. */
    void pause();

    /** Resumes fetching after {@link #pause()}. Idempotent; callable from any thread. */
    void resume();

    /**
     * A graceful close begins (before {@link #close()}): from now on the consumer starts no new fetch, and what a
     * fetch already under way brings it still hands to the sink (the engine takes only what it must run before
     * closing, a share group's records at their last delivery; the rest the consumer gives back at
     * {@link #close()}). Called once, from any thread; the default does nothing (a consumer whose fetches take
     * nothing the close cannot give back).
     */
    default void stopFetching() {
    }

    /**
     * Hands the sink whatever the fetches under way since {@link #stopFetching()} have brought so far, and completes once
     * it did: the engine closes only after a settle that brought nothing it must run. Called after
     * {@link #stopFetching()}, possibly more than once; the default completes at once.
     */
    default CompletionStage<Void> settle() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Leaves gracefully: commits what was acknowledged, leaves the group, releases resources.
     * Records not acknowledged are redelivered to the group.
     */
    CompletionStage<Void> close();

    /**
     * How many records of the subscription's partitions wait on the broker (or were fetched and not
     * yet handed to the sink), as of the adapter's last fetch; {@code -1} (the default) when the
     * adapter cannot tell cheaply. Read from any thread, whenever metrics are collected.
     */
    default long backlog() {
        return -1;
    }

    /**
     * Whether the consumer has, as of its last fetch, handed the sink everything the topic held when it began reading
     * each partition: it owns every partition of the topic (no other member of its group holds one), and in each it has
     * handed over every record below where the partition ended when its first fetch answered (records written since
     * may follow; a topic written without pause does not keep it from being caught up). A read that ends when nothing
     * more is coming (a dead-letter listing) ends then, with what was handed over, instead of waiting out its quiet
     * period. {@code false} (the default) when the adapter cannot tell. Read from any thread; after it reads
     * {@code true}, what the consumer handed over is in the sink (a wrapper that hands records on to its sink later
     * must not forward it as is).
     */
    default boolean caughtUp() {
        return false;
    }

    /**
     * The partitions of the topic that, as of the consumer's last fetch, it does not own: another member of its group
     * holds them (a reader running at the same time, or one that died and holds them until the broker's session
     * timeout ends its membership), so their records are not handed to this consumer. Empty when it owns them all, and
     * (the default) when the adapter cannot tell. Read from any thread.
     */
    default Set<String> partitionsHeldByOthers() {
        return Set.of();
    }
}
