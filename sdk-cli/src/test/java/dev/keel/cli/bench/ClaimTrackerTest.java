package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.ClaimResult;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClaimTrackerTest {

    private static final String NS = "bench:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void aDeadLetteredIdShouldBeDeadInTheStoreAndNoLongerHeld() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        ClaimTracker tracker = new ClaimTracker(store);
        tracker.claim(NS, "a", "t-a", LEASE);

        tracker.markDead(NS, "a", "t-a", LEASE);

        assertThat(tracker.held()).isEmpty();
        assertThat(tracker.allDone(Set.of("a"))).isTrue();
        assertThat(store.claim(NS, "a", "t-b", LEASE).status()).isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(store.claimRedriven(NS, "a", "t-c", LEASE).isClaimed()).as("dead, not done").isTrue();
    }

    @Test
    void aRedrivenClaimShouldBeHeldUntilDone() {
        ClaimTracker tracker = new ClaimTracker(new InMemoryIdempotencyStore());

        tracker.claimRedriven(NS, "a", "t-a", LEASE);

        assertThat(tracker.held()).containsExactly("a");
    }
}
