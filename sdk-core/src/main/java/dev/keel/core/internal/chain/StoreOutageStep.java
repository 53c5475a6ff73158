package dev.keel.core.internal.chain;

import dev.keel.StoreRefusedException;
import dev.keel.StoreUnavailableException;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between the retries and the handler: a handler that failed because a store failed
 * ({@link StoreUnavailableException} or {@link StoreRefusedException}, as a JDBC inbox's transactional handler
 * throws when the database its effect lives in is away or refuses) did not fail its message. The consumer is
 * paused ({@link StoreOutages}, as for a failed claim) and the same attempt runs again every store retry
 * interval until it succeeds or fails for another reason; the retry policy's attempts are not used up and the
 * message is never dead-lettered for it. A message given up meanwhile (its partition revoked, the subscription
 * stopped) fails with the store's error, and the outer steps drop it for redelivery.
 */
public final class StoreOutageStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(StoreOutageStep.class);

    private final Step next;
    private final Duration retryInterval;
    private final StoreOutages outages;
    private final StepContext context;

    public StoreOutageStep(Step next, Duration retryInterval, StoreOutages outages, StepContext context) {
        this.next = next;
        this.retryInterval = retryInterval;
        this.outages = outages;
        this.context = context;
    }

    /** Whether {@code failure} is a store's, not the message's. */
    public static boolean isStoreFailure(Throwable failure) {
        Throwable original = Descriptions.original(failure); // one that cannot describe itself keeps its class
        return original instanceof StoreUnavailableException || original instanceof StoreRefusedException;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return attempt(work, false);
    }

    private CompletionStage<Outcome> attempt(Work work, boolean afterOutage) {
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> {
            Throwable cause = error == null ? null : Futures.unwrap(error);
            if (cause == null || !isStoreFailure(cause)) {
                if (afterOutage) {
                    outages.available();
                }
                return error == null ? CompletableFuture.completedFuture(outcome)
                        : CompletableFuture.<Outcome>failedFuture(cause);
            }
            if (context.givenUp(work)) {
                return CompletableFuture.<Outcome>failedFuture(cause);
            }
            outages.unavailable(cause);
            LOG.debug("message {} from {}: its handler's store failed ({}); running it again in {}",
                    work.record().id(), work.record().topic(), Descriptions.of(cause), retryInterval);
            return context.delays().retryAfter(retryInterval, work, cause, () -> attempt(work, true));
        }).thenCompose(stage -> stage);
    }
}
