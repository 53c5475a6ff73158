package dev.keel.testkit.store;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The store contract on the in-memory store, whose time is a test clock moved by {@link #elapse}. */
class InMemoryIdempotencyStoreContractTest extends IdempotencyStoreContractTest {

    private final MutableClock clock = new MutableClock();

    @Override
    protected IdempotencyStore createStore() {
        return new InMemoryIdempotencyStore(clock);
    }

    @Override
    protected void elapse(Duration duration) {
        clock.advance(duration.plusMillis(1));
    }

    @Override
    protected Duration expiryTimeout() {
        return Duration.ofSeconds(2);
    }

    /** A clock that moves only when told. */
    private static final class MutableClock extends Clock {
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
}
