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

    @Test
    void aDeadLetteredIdShouldStayDeadInTheWrappedStoreAndBeTakenByARedrive() {
        assertThat(store.claim(NS, "a", "t-a", LEASE).isClaimed()).isTrue();

        assertThat(store.markDead(NS, "a", "t-a", LEASE)).isEqualTo(LeaseOutcome.APPLIED);

        assertThat(delegate.claim(NS, "a", "t-b", LEASE).status()).as("a redelivery of the original")
                .isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(store.claimRedriven(NS, "a", "t-c", LEASE).isClaimed()).as("its re-driven copy").isTrue();
    }

    @Test
    void anArmedRedrivenClaimShouldRunOnTheDelegateThenLoseItsReply() {
        store.claim(NS, "a", "t-a", LEASE);
        store.markDead(NS, "a", "t-a", LEASE);
        store.loseNextClaimReplies(1);

        assertThatThrownBy(() -> store.claimAllRedriven(NS, List.of(new Lease("a", "t-r")), LEASE))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("lost");

        assertThat(store.lostReplies()).isEqualTo(1);
        assertThat(store.claimRedriven(NS, "a", "t-r", LEASE).isClaimed()).as("the retry with the same token finds "
                + "the lease it took").isTrue();
    }

    @Test
    void forgetAllShouldReachTheWrappedStore() {
        store.claim(NS, "a", "t-a", LEASE);
        store.complete(NS, "a", "t-a", LEASE);

        assertThat(store.forgetAll(NS, List.of("a"))).isEqualTo(1);
        assertThat(store.claim(NS, "a", "t-b", LEASE).isClaimed()).isTrue();
    }
}
