package dev.keel.pcbaseline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyOrderTrackerTest {

    @Test
    void inOrderRunsOfEachKeyAreNoViolation() {
        KeyOrderTracker t = new KeyOrderTracker();
        t.started("a", 0);
        t.started("b", 1);
        t.finished("a");
        t.started("a", 2);
        t.finished("b");
        t.finished("a");
        assertThat(t.count()).isEqualTo(3);
        assertThat(t.violations()).isZero();
    }

    @Test
    void anEarlierOffsetAfterALaterOneOfTheSameKeyIsAViolation() {
        KeyOrderTracker t = new KeyOrderTracker();
        t.started("a", 5);
        t.finished("a");
        t.started("a", 3);
        t.finished("a");
        assertThat(t.violations()).isEqualTo(1);
    }

    @Test
    void twoRunsOfOneKeyAtOnceAreAViolation() {
        KeyOrderTracker t = new KeyOrderTracker();
        t.started("a", 1);
        t.started("a", 2);
        assertThat(t.violations()).isEqualTo(1);
    }

    @Test
    void badArgumentsExitTwoWithTheUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = ParallelConsumerBaseline.run(new String[] {"127.0.0.1:1", "t", "g", "10", "4", "2", "UNORDERED"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(ParallelConsumerBaseline.EXIT_USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("ordering must be KEY").contains("usage:");
    }
}
