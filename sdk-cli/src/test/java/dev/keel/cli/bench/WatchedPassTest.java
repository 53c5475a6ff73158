package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Subscription;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long a bench pass's subscription may take to close: its whole close timeout only when the pass counted. */
class WatchedPassTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final SettableSubscription sub = new SettableSubscription();
    private final WatchedPass pass = new WatchedPass(sub, new PassWatch("redis", 5), CLOSE_TIMEOUT);

    @Test
    void aPassThatCountedItsTargetShouldCloseWithinTheSubscriptionsCloseTimeout() {
        pass.counted();
        pass.close();

        assertThat(sub.closedWith).isEqualTo(CLOSE_TIMEOUT);
    }

    @Test
    void aPassStoppedBeforeItsTargetShouldNotWaitTheCloseTimeoutForAStoreThatIsGone() {
        pass.close();

        assertThat(sub.closedWith).isEqualTo(WatchedPass.ABANDONED_CLOSE).isLessThan(CLOSE_TIMEOUT);
    }

    @Test
    void theWatchShouldSeeTheSubscriptionItWraps() {
        sub.state = Subscription.State.FAILED;

        assertThat(pass.watch().stopReason(0, 0)).hasValueSatisfying(why -> assertThat(why).contains("failed"));
    }
}
