package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.Subscription;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a bench pass stops waiting for its count: at a handler's failure, a failed subscription, a long pause. */
class PassWatchTest {

    private static final long PATIENCE = PassWatch.PAUSE_PATIENCE.toNanos();
    private static final int ATTEMPTS = 5;

    private final PassWatch watch = new PassWatch("redis (redis://127.0.0.1:6379)", ATTEMPTS);
    private final SettableSubscription sub = new SettableSubscription();

    @Test
    void aPauseWithNothingCountedShouldStopThePassAfterThePatienceNamingTheStore() {
        watch.watch(sub);
        sub.state = Subscription.State.PAUSED;

        assertThat(watch.stopReason(1_000, 7)).isEmpty();
        assertThat(watch.stopReason(1_000 + PATIENCE - 1, 7)).isEmpty();
        assertThat(watch.stopReason(1_000 + PATIENCE, 7)).hasValueSatisfying(why -> assertThat(why)
                .contains("paused for its idempotency store, redis (redis://127.0.0.1:6379)")
                .contains("no message came for 30 s").contains("maxmemory"));
    }

    @Test
    void aStoreTryThatAnswersBetweenTwoFailuresShouldNotStartThePatienceAgain() {
        // the engine's try of a paused store (a PING) answers, the next claim fails again: RUNNING for a moment
        watch.watch(sub);
        sub.state = Subscription.State.PAUSED;
        assertThat(watch.stopReason(0, 7)).isEmpty();
        sub.state = Subscription.State.RUNNING;
        assertThat(watch.stopReason(PATIENCE / 2, 7)).isEmpty();
        sub.state = Subscription.State.PAUSED;

        assertThat(watch.stopReason(PATIENCE, 7)).as("nothing counted since the first pause").isPresent();
    }

    @Test
    void messagesCountedAfterAPauseShouldStartThePatienceAgain() {
        watch.watch(sub);
        sub.state = Subscription.State.PAUSED;
        assertThat(watch.stopReason(0, 7)).isEmpty();
        sub.state = Subscription.State.RUNNING;
        assertThat(watch.stopReason(PATIENCE - 1, 8)).as("the store came back").isEmpty();

        assertThat(watch.stopReason(10 * PATIENCE, 8)).as("running, nothing counted: not the store's doing").isEmpty();
        sub.state = Subscription.State.PAUSED;
        assertThat(watch.stopReason(11 * PATIENCE, 8)).isEmpty();
        assertThat(watch.stopReason(12 * PATIENCE, 8)).isPresent();
    }

    @Test
    void aFailedSubscriptionShouldStopThePassAtOnceWithItsCause() {
        watch.watch(sub);
        sub.state = Subscription.State.FAILED;
        sub.failure = new IllegalStateException("the group was deleted");

        assertThat(watch.stopReason(0, 0)).hasValueSatisfying(why -> assertThat(why)
                .isEqualTo("its subscription failed (java.lang.IllegalStateException: the group was deleted)"));
    }

    @Test
    void aHandlerFailureBeforeTheLastAttemptShouldNotStopThePassTheRetryMaySucceed() {
        MessageHandler<byte[]> failing = watch.watching(d -> {
            throw new IllegalStateException("Unexpected end of stream");
        });

        for (int attempt = 1; attempt < ATTEMPTS; attempt++) {
            Delivery<byte[]> delivery = delivery(attempt);
            assertThatThrownBy(() -> failing.handle(delivery)).hasMessage("Unexpected end of stream");
        }

        assertThat(watch.stopReason(0, 0)).isEmpty();
    }

    @Test
    void aHandlerFailureOnTheLastAttemptShouldStopThePassTheMessageIsDeadLetteredAndStillReachTheEngine() {
        MessageHandler<byte[]> failing = watch.watching(d -> {
            throw new IllegalStateException("NOPERM this user has no permissions");
        });

        assertThatThrownBy(() -> failing.handle(delivery(ATTEMPTS))).hasMessage("NOPERM this user has no permissions");
        assertThat(watch.stopReason(0, 0)).hasValueSatisfying(why -> assertThat(why)
                .startsWith("its handler failed 5 attempt(s) of a message, which is dead-lettered and not counted")
                .contains("NOPERM"));
    }

    @Test
    void aRunningPassWithAHandlerThatSucceedsShouldNotStop() throws Exception {
        watch.watch(sub);
        watch.<byte[]>watching(d -> { }).handle(delivery(1));

        assertThat(watch.stopReason(0, 0)).isEmpty();
        assertThat(watch.stopReason(10 * PATIENCE, 0)).isEmpty();
    }

    private static Delivery<byte[]> delivery(int attempt) {
        return new Delivery<>(Message.builder(new byte[0]).id("m-1").build(), new byte[0], attempt, "t", "0", 0,
                Map.of());
    }
}
