package dev.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The in-memory store purges expired ids by itself and holds at most {@code maxEntries}, on a test clock. */
class InMemoryIdempotencyStoreBoundsTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofHours(1);

    private final TestClock clock = new TestClock();

    @Test
    void longRunWithShortRetentionShouldKeepTheSizeFlat() {
        Duration retention = Duration.ofSeconds(1);
        int live = (int) retention.toMillis(); // one id done per millisecond of the clock
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock)) {
            int largest = 0;
            for (int i = 0; i < 200_000; i++) {
                ClaimResult claim = store.claim(NS, "order-" + i, "token-" + "order-" + i, LEASE);
                assertThat(claim.isClaimed()).as("claim of order-%d", i).isTrue();
                assertThat(store.complete(NS, "order-" + i, claim.token(), retention)).isEqualTo(LeaseOutcome.APPLIED);
                clock.advance(Duration.ofMillis(1));
                if (i % 1_000 == 999) {
                    assertThat(store.claim(NS, "order-" + (i - live / 2), "token-" + "order-" + (i - live / 2), LEASE).status())
                            .as("an id done %d ms ago, within retention", live / 2)
                            .isEqualTo(ClaimResult.Status.DUPLICATE);
                }
                if (i >= 10_000) {
                    largest = Math.max(largest, store.size());
                }
            }

            assertThat(largest).as("the most ids held while %d were within retention", live).isLessThan(3 * live);
            assertThat(store.size()).isLessThan(3 * live);
        }
    }

    @Test
    void fullStoreShouldRefuseNewIdsWithARetriableStoreUnavailableAndKeepEveryDoneId() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock, 10)) {
            IntStream.range(0, 10).forEach(i -> complete(store, "order-" + i, LONG));

            assertThatThrownBy(() -> store.claim(NS, "order-new", "token-" + "order-new", LEASE))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("maxEntries").hasMessageContaining("RedisIdempotencyStore")
                    .satisfies(e -> assertThat(((StoreUnavailableException) e).isRetriable()).isTrue());
            for (int i = 0; i < 10; i++) {
                assertThat(store.claim(NS, "order-" + i, "token-" + "order-" + i, LEASE).status()).as("order-%d", i)
                        .isEqualTo(ClaimResult.Status.DUPLICATE);
            }
            assertThat(store.size()).isEqualTo(10);
        }
    }

    @Test
    void fullStoreShouldTakeNewIdsOnceOldOnesExpire() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock, 10)) {
            IntStream.range(0, 10).forEach(i -> complete(store, "order-" + i, Duration.ofSeconds(1)));
            clock.advance(Duration.ofSeconds(2));

            assertThat(store.claim(NS, "order-new", "token-" + "order-new", LEASE).isClaimed()).isTrue();
            assertThat(store.size()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void claimAllThatFillsTheStoreShouldReleaseWhatItClaimedBeforeFailing() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock, 5)) {
            List<String> ids = IntStream.range(0, 8).mapToObj(i -> "order-" + i).toList();

            assertThatThrownBy(() -> store.claimAll(NS, leases(ids), LEASE)).isInstanceOf(StoreUnavailableException.class);

            assertThat(store.size()).isZero();
            assertThat(store.claimAll(NS, leases(ids.subList(0, 5)), LEASE)).allMatch(ClaimResult::isClaimed);
        }
    }

    @Test
    void claimAllThatFillsTheStoreShouldKeepTheLeasesItRenewedForTheirHolders() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock, 2)) {
            // order-1's handler runs under token T; the store is full
            assertThat(store.claim(NS, "order-1", "T", LEASE).isClaimed()).isTrue();
            assertThat(store.claim(NS, "order-2", "U", LEASE).isClaimed()).isTrue();
            // order-1's renewal shares a batch with a new id, which finds no room
            assertThatThrownBy(() -> store.claimAll(NS, List.of(new Lease("order-1", "T"), new Lease("order-3", "V")),
                    LEASE)).isInstanceOf(StoreUnavailableException.class);

            assertThat(store.claim(NS, "order-1", "another copy", LEASE).status())
                    .as("order-1 is still held by the handler that runs it").isEqualTo(ClaimResult.Status.BUSY);
        }
    }

    @Test
    void claimAllRedrivenThatFillsTheStoreShouldLeaveTheDeadIdItTookDead() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock, 2)) {
            // order-1 was dead-lettered: dead, so that one re-driven copy may run it
            assertThat(store.claim(NS, "order-1", "T", LEASE).isClaimed()).isTrue();
            assertThat(store.markDead(NS, "order-1", "T", LONG)).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claim(NS, "order-2", "U", LEASE).isClaimed()).isTrue();
            // the copy's claim shares a batch with a new id, which finds no room
            assertThatThrownBy(() -> store.claimAllRedriven(NS, List.of(new Lease("order-1", "copy"),
                    new Lease("order-3", "V")), LEASE)).isInstanceOf(StoreUnavailableException.class);

            assertThat(store.claim(NS, "order-1", "a plain redelivery", LEASE).status())
                    .as("order-1 is dead again: a plain message finds it handled").isEqualTo(ClaimResult.Status.DUPLICATE);
            assertThat(store.claimRedriven(NS, "order-1", "the copy again", LEASE).isClaimed())
                    .as("and the re-driven copy, asked again, may still take it").isTrue();
        }
    }

    @Test
    void maxEntriesBelowOneShouldFail() {
        assertThatThrownBy(() -> new InMemoryIdempotencyStore(clock, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries must be >= 1");
    }

    private static void complete(IdempotencyStore store, String id, Duration retention) {
        String token = store.claim(NS, id, "token-" + id, LEASE).token();
        assertThat(store.complete(NS, id, token, retention)).isEqualTo(LeaseOutcome.APPLIED);
    }

    /** A clock that moves only when told. */
    private static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2030-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("a test clock stays in UTC");
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static List<Lease> leases(List<String> ids) {
        return ids.stream().map(id -> new Lease(id, "token-" + id)).toList();
    }
}
