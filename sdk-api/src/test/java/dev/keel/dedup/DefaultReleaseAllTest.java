package dev.keel.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default {@link IdempotencyStore#releaseAll}: one release per lease, none skipped because another failed. */
class DefaultReleaseAllTest {

    @Test
    void aFailedReleaseShouldNotStopTheOthersAndItsFailureShouldBeThrownAtTheEnd() {
        List<String> released = new ArrayList<>();
        IdempotencyStore store = new ReleasingStore(released);

        assertThatThrownBy(() -> store.releaseAll("ns", List.of(new Lease("a", "t"), new Lease("broken", "t"),
                new Lease("b", "t"), new Lease("broken", "u"))))
                .isInstanceOf(IllegalStateException.class).hasMessage("cannot release broken with t");
        assertThat(released).containsExactly("a", "b");
    }

    @Test
    void releaseAllShouldAnswerInOrder() {
        IdempotencyStore store = new ReleasingStore(new ArrayList<>());

        assertThat(store.releaseAll("ns", List.of(new Lease("a", "t"), new Lease("lost", "t"))))
                .containsExactly(LeaseOutcome.APPLIED, LeaseOutcome.LOST);
    }

    /** Releases every id but "broken" (which fails) and "lost" (held by no one). */
    private record ReleasingStore(List<String> released) implements IdempotencyStore {

        @Override
        public LeaseOutcome release(String namespace, String id, String token) {
            if (id.equals("broken")) {
                throw new IllegalStateException("cannot release " + id + " with " + token);
            }
            if (id.equals("lost")) {
                return LeaseOutcome.LOST;
            }
            released.add(id);
            return LeaseOutcome.APPLIED;
        }

        @Override
        public ClaimResult claim(String namespace, String id, String token, Duration lease) {
            throw new UnsupportedOperationException();
        }

        @Override
        public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }
}
