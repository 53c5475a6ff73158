package dev.keel.core.internal.deadletters;

import dev.keel.core.internal.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.core.InMemoryIdempotencyStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a reprocess forgets in the store, and what it puts back when its rewind is refused. */
class ForgottenMarksTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final Duration RETENTION = Duration.ofHours(1);

    private final ManualClock clock = new ManualClock();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock);

    private void done(String id) {
        store.claim(NS, id, "t-" + id, LEASE);
        store.complete(NS, id, "t-" + id, RETENTION);
    }

    private void dead(String id) {
        store.claim(NS, id, "t-" + id, LEASE);
        store.markDead(NS, id, "t-" + id, RETENTION);
    }

    /** What the store says of {@code id} now, to a plain claim and to a re-driven one (each a moment's lease). */
    private String stateOf(String id) {
        ClaimResult.Status plain = store.claim(NS, id, "look-" + id, Duration.ofMillis(1)).status();
        clock.advance(Duration.ofMillis(2));
        ClaimResult.Status redriven = store.claimRedriven(NS, id, "look-again-" + id, Duration.ofMillis(1)).status();
        clock.advance(Duration.ofMillis(2));
        if (plain == ClaimResult.Status.BUSY) {
            return "held";
        }
        if (plain == ClaimResult.Status.CLAIMED) {
            return "absent";
        }
        return redriven == ClaimResult.Status.CLAIMED ? "dead" : "done";
    }

    @Test
    void aReprocessShouldForgetDoneAndDeadMarksAndLeaveHeldAndAbsentIdsAlone() {
        done("done-1");
        dead("dead-1");
        store.claim(NS, "held-1", "another-consumer", LEASE);
        ForgottenMarks marks = new ForgottenMarks(store, NS);

        marks.forget(List.of("done-1", "dead-1", "held-1", "absent-1", "done-1"));
        clock.advance(Duration.ofMillis(2));

        assertThat(marks.forgotten()).isEqualTo(2);
        assertThat(List.of(stateOf("done-1"), stateOf("dead-1"), stateOf("held-1"), stateOf("absent-1")))
                .containsExactly("absent", "absent", "held", "absent");
    }

    @Test
    void aRestoreShouldPutBackEachForgottenMarkAsItWasAndNothingElse() {
        done("done-1");
        dead("dead-1");
        store.claim(NS, "held-1", "another-consumer", LEASE);
        ForgottenMarks marks = new ForgottenMarks(store, NS);
        marks.forget(List.of("done-1", "dead-1", "held-1", "absent-1"));
        clock.advance(Duration.ofMillis(2));

        marks.restore();

        assertThat(marks.restored()).isEqualTo(2);
        assertThat(List.of(stateOf("done-1"), stateOf("dead-1"), stateOf("held-1"), stateOf("absent-1")))
                .containsExactly("done", "dead", "held", "absent");
    }

    @Test
    void aRestoredMarkShouldBeKeptForTheDefaultRetention() {
        done("done-1");
        ForgottenMarks marks = new ForgottenMarks(store, NS);
        marks.forget(List.of("done-1"));
        clock.advance(Duration.ofMillis(2));
        marks.restore();

        clock.advance(ForgottenMarks.RESTORED_RETENTION.minusSeconds(1));
        assertThat(stateOf("done-1")).isEqualTo("done");
        clock.advance(Duration.ofSeconds(2));
        assertThat(stateOf("done-1")).isEqualTo("absent");
    }
}
