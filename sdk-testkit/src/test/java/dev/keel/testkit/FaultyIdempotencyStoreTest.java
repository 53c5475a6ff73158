package dev.keel.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FaultyIdempotencyStoreTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration RETENTION = Duration.ofMinutes(5);

    private final FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());

    @Test
    void shouldPassCallsThroughWhileUp() {
        ClaimResult claim = store.claim(NS, "a", newToken(), LEASE);
        assertThat(claim.isClaimed()).isTrue();
        assertThat(store.claim(NS, "a", newToken(), LEASE).status()).isEqualTo(ClaimResult.Status.BUSY);
        assertThat(store.complete(NS, "a", claim.token(), RETENTION)).isEqualTo(LeaseOutcome.APPLIED);
        assertThat(store.claim(NS, "a", newToken(), LEASE).status()).isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(store.isCompleted("a")).isTrue();
    }

    @Test
    void everyCallShouldFailWhileDownAndWorkAgainWhenUp() {
        ClaimResult claim = store.claim(NS, "a", newToken(), LEASE);
        store.down();

        assertThatThrownBy(() -> store.claim(NS, "b", newToken(), LEASE)).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.claimAll(NS, List.of(new Lease("b", newToken())), LEASE))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.complete(NS, "a", claim.token(), RETENTION))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.completeAll(NS, List.of(new Lease("a", claim.token())), RETENTION))
                .isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(((StoreUnavailableException) e).isRetriable()).isTrue());
        assertThatThrownBy(() -> store.release(NS, "a", claim.token())).isInstanceOf(StoreUnavailableException.class);
        assertThat(store.rejectedCalls()).isEqualTo(5);
        assertThat(store.isCompleted("a")).isFalse();

        store.up();
        assertThat(store.complete(NS, "a", claim.token(), RETENTION)).isEqualTo(LeaseOutcome.APPLIED);
        assertThat(store.claim(NS, "b", newToken(), LEASE).isClaimed()).isTrue();
    }

    @Test
    void batchCallsShouldReachTheDelegatesBatchMethodsAndBeCounted() {
        List<String> batches = new ArrayList<>();
        IdempotencyStore delegate = new InMemoryIdempotencyStore();
        FaultyIdempotencyStore counting = new FaultyIdempotencyStore(new BatchSpy(delegate, batches));

        List<ClaimResult> claims = counting.claimAll(NS,
                List.of(new Lease("a", newToken()), new Lease("b", newToken()), new Lease("c", newToken())), LEASE);
        counting.completeAll(NS, List.of(new Lease("a", claims.get(0).token()), new Lease("b", "not-the-token")),
                RETENTION);
        counting.claim(NS, "d", newToken(), LEASE);

        assertThat(batches).containsExactly("claimAll 3", "completeAll 2");
        assertThat(counting.batchClaims()).isEqualTo(1);
        assertThat(counting.claims()).isEqualTo(1);
        assertThat(counting.claimedIds()).isEqualTo(4);
        assertThat(counting.batchCompletes()).isEqualTo(1);
        assertThat(counting.completedIds()).containsExactly("a");
    }

    private static String newToken() {
        return UUID.randomUUID().toString();
    }

    /** Records the batch calls that reach it. */
    private record BatchSpy(IdempotencyStore delegate, List<String> batches) implements IdempotencyStore {
        @Override
        public ClaimResult claim(String namespace, String id, String token, Duration lease) {
            return delegate.claim(namespace, id, token, lease);
        }

        @Override
        public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
            return delegate.complete(namespace, id, token, retention);
        }

        @Override
        public LeaseOutcome release(String namespace, String id, String token) {
            return delegate.release(namespace, id, token);
        }

        @Override
        public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
            batches.add("claimAll " + claims.size());
            return IdempotencyStore.super.claimAll(namespace, claims, lease);
        }

        @Override
        public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
            batches.add("completeAll " + leases.size());
            return IdempotencyStore.super.completeAll(namespace, leases, retention);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
