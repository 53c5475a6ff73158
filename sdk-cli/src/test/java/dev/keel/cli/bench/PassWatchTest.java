package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** When a bench pass stops waiting for its count: at a handler's failure, a failed subscription, a long pause. */
class PassWatchTest {

    private static final long PATIENCE = PassWatch.PAUSE_PATIENCE.toNanos();

    private final PassWatch watch = new PassWatch("redis (redis://127.0.0.1:6379)");
    private final SettableSubscription sub = new SettableSubscription();

    @Test
    void aPauseShorterThanThePatienceShouldNotStopThePassAndOneAsLongShouldNamingTheStore() {
        watch.watch(sub);
        sub.state = Subscription.State.PAUSED;

        assertThat(watch.stopReason(1_000)).isEmpty();
        assertThat(watch.stopReason(1_000 + PATIENCE - 1)).isEmpty();
        assertThat(watch.stopReason(1_000 + PATIENCE)).hasValueSatisfying(why -> assertThat(why)
                .contains("paused for 10 s").contains("redis (redis://127.0.0.1:6379)"));
    }

    @Test
    void aRunningSubscriptionBetweenTwoPausesShouldStartThePatienceAgain() {
        watch.watch(sub);
        sub.state = Subscription.State.PAUSED;
        assertThat(watch.stopReason(0)).isEmpty();
        sub.state = Subscription.State.RUNNING;
        assertThat(watch.stopReason(PATIENCE / 2)).isEmpty();
        sub.state = Subscription.State.PAUSED;
        assertThat(watch.stopReason(PATIENCE / 2 + 1)).isEmpty();

        assertThat(watch.stopReason(PATIENCE)).as("a patience since the first pause, half one since this").isEmpty();
        assertThat(watch.stopReason(PATIENCE / 2 + 1 + PATIENCE)).isPresent();
    }

    @Test
    void aFailedSubscriptionShouldStopThePassAtOnceWithItsCause() {
        watch.watch(sub);
        sub.state = Subscription.State.FAILED;
        sub.failure = new IllegalStateException("the group was deleted");

        assertThat(watch.stopReason(0)).hasValueSatisfying(why -> assertThat(why)
                .isEqualTo("its subscription failed (java.lang.IllegalStateException: the group was deleted)"));
    }

    @Test
    void aHandlersFailureShouldBeKeptStopThePassAndStillReachTheEngine() {
        MessageHandler<byte[]> failing = watch.watching(d -> {
            throw new IllegalStateException("NOPERM this user has no permissions");
        });

        assertThatThrownBy(() -> failing.handle(null)).hasMessage("NOPERM this user has no permissions");
        assertThat(watch.stopReason(0)).hasValueSatisfying(why -> assertThat(why)
                .startsWith("its handler failed (").contains("NOPERM"));
    }

    @Test
    void aRunningPassWithAHandlerThatSucceedsShouldNotStop() throws Exception {
        watch.watch(sub);
        watch.<byte[]>watching(d -> { }).handle(null);

        assertThat(watch.stopReason(0)).isEmpty();
        assertThat(watch.stopReason(10 * PATIENCE)).isEmpty();
    }

    /** A subscription whose state the test sets. */
    private static final class SettableSubscription implements Subscription {
        volatile State state = State.RUNNING;
        volatile Throwable failure;

        @Override
        public String topic() {
            return "t";
        }

        @Override
        public String group() {
            return "g";
        }

        @Override
        public State state() {
            return state;
        }

        @Override
        public Optional<Throwable> failure() {
            return Optional.ofNullable(failure);
        }

        @Override
        public CompletionStage<Void> closeAsync(Duration timeout) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }
}
