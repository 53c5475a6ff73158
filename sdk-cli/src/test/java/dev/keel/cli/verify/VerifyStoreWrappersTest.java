package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * keel verify reaches its store through wrappers (latency, observation): a dead-lettered message must be dead in
 * the store under them, not done, or a re-drive during the run would be skipped as a duplicate.
 */
class VerifyStoreWrappersTest {

    private static final String NS = "verify:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void aDeadLetteredIdShouldBeDeadUnderTheSlowStoreAndTakenByARedrive() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        assertDeadThenRedriven(new SlowIdempotencyStore(store), store);
    }

    @Test
    void aDeadLetteredIdShouldBeDeadUnderTheObservedStoreAndSettleTheClaim() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        List<String> settled = new ArrayList<>();
        assertDeadThenRedriven(new ObservedStore(store, settled::add), store);
        assertThat(settled).as("the dead-lettered claim is over").containsExactly("a");
    }

    private static void assertDeadThenRedriven(IdempotencyStore wrapper, IdempotencyStore store) {
        assertThat(wrapper.claim(NS, "a", "t-a", LEASE).isClaimed()).isTrue();

        assertThat(wrapper.markDead(NS, "a", "t-a", LEASE)).isEqualTo(LeaseOutcome.APPLIED);

        assertThat(store.claim(NS, "a", "t-b", LEASE).status()).as("a redelivery of the original")
                .isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(wrapper.claimRedriven(NS, "a", "t-c", LEASE).isClaimed()).as("its re-driven copy").isTrue();
    }
}
