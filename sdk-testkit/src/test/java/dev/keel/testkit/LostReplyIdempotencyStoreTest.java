package dev.keel.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LostReplyIdempotencyStoreTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final InMemoryIdempotencyStore delegate = new InMemoryIdempotencyStore();
    private final LostReplyIdempotencyStore store = new LostReplyIdempotencyStore(delegate);

    @Test
    void shouldPassCallsThroughUntilArmed() {
        assertThat(store.claim(NS, "a", "t-a", LEASE).isClaimed()).isTrue();
        assertThat(store.complete(NS, "a", "t-a", LEASE)).isEqualTo(LeaseOutcome.APPLIED);
        assertThat(store.lostReplies()).isZero();
    }

    @Test
    void armedBatchClaimShouldRunOnTheDelegateThenFailAsUnavailable() {
        List<Lease> claims = List.of(new Lease("a", "t-a"), new Lease("b", "t-b"));
        store.loseNextClaimReplies(1);

        assertThatThrownBy(() -> store.claimAll(NS, claims, LEASE)).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("lost")
                .satisfies(e -> assertThat(((StoreUnavailableException) e).isRetriable()).isTrue());

        assertThat(store.lostReplies()).isEqualTo(1);
        assertThat(delegate.claim(NS, "a", "someone-else", LEASE).status()).as("the claim did run")
                .isEqualTo(ClaimResult.Status.BUSY);
        assertThat(store.claimAll(NS, claims, LEASE)).as("only one reply was lost; the retry with the same tokens")
                .allMatch(ClaimResult::isClaimed);
    }

    @Test
    void armedSingleClaimsShouldLoseAsManyRepliesAsArmed() {
        store.loseNextClaimReplies(2);

        assertThatThrownBy(() -> store.claim(NS, "a", "t-a", LEASE)).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.claim(NS, "b", "t-b", LEASE)).isInstanceOf(StoreUnavailableException.class);
        assertThat(store.claim(NS, "c", "t-c", LEASE).isClaimed()).isTrue();
        assertThat(store.lostReplies()).isEqualTo(2);
    }
}
