package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VerifyCommandTest {

    private static final String SEED = "20251120";

    @Test
    void verifyOnTheEmbeddedDefaultShouldPassWithEveryMessageProcessed() {
        CliRun run = CliRun.of("verify", "--messages", "600", "--keys", "20", "--crash-rate", "0",
                "--duplicate-rate", "0.05", "--poison-rate", "0.02", "--seed", SEED, "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("broker memory").contains("EFFECTIVELY_ONCE").contains("PASS: no violation");
        long poison = countOf(run.out(), "dead-lettered\\s+(\\d+) of \\d+");
        long poisonPlanned = countOf(run.out(), "dead-lettered\\s+\\d+ of (\\d+)");
        assertThat(poison).isPositive().isEqualTo(poisonPlanned);
        assertThat(countOf(run.out(), "processed\\s+(\\d+)")).isEqualTo(600 - poison);
        assertThat(countOf(run.out(), "duplicate publishes\\s+(\\d+)")).isPositive();
        assertThat(countOf(run.out(), "duplicates skipped\\s+(\\d+)")).isPositive();
        for (ViolationKind kind : ViolationKind.values()) {
            assertThat(countOf(run.out(), Pattern.quote(kind.label()) + "\\s+(\\d+)\\s")).as(kind.label()).isZero();
        }
    }

    @Test
    void verifyWithConsumerCrashesShouldPass() {
        CliRun run = CliRun.of("verify", "--messages", "1500", "--keys", "20", "--crash-rate", "0.01",
                "--max-crashes", "4", "--duplicate-rate", "0.05", "--lease", "1s", "--seed", SEED, "--no-progress");

        assertThat(countOf(run.out(), "crashes\\s+(\\d+)")).as(run.out()).isPositive();
        assertThat(run.exitCode()).as(run.out()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("PASS: no violation");
        assertThat(countOf(run.out(), "redeliveries\\s+(\\d+)")).isPositive();
    }

    @Test
    void verifyShouldCatchTheBrokenModeWithoutDedup() {
        CliRun run = CliRun.of("verify", "--messages", "600", "--keys", "20", "--duplicate-rate", "0.05",
                "--crash-rate", "0", "--seed", SEED, "--unsafe-no-dedup", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(run.out()).contains("AT_LEAST_ONCE").contains("--unsafe-no-dedup").contains("FAIL:");
        assertThat(countOf(run.out(), "duplicate effect\\s+(\\d+)\\s")).isPositive();
        assertThat(run.out()).containsPattern("applied 2 times");
        assertThat(countOf(run.out(), "lost\\s+(\\d+)\\s")).isZero();
    }

    @Test
    void aRandomisedRunWithEveryFaultShouldPassRoundAfterRoundAndPrintItsSeed() {
        // keel verify's own default lease (2 s, renewed every third of it by the heartbeat), no --lease
        CliRun run = CliRun.of("verify", "--faults", "all", "--seed", "42", "--duration", "20s", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        String[] lines = run.out().split("\\R");
        assertThat(lines[1]).isEqualTo("seed 42: rerun with --seed 42");
        assertThat(lines[lines.length - 1]).isEqualTo("seed 42: rerun with --seed 42");
        assertThat(run.out()).containsPattern("(?m)^round 1 \\(\\d+\\.\\d s\\): 500 messages, .*; faults: .*; PASS$")
                .containsPattern("(?m)^round 2 ").contains("PASS: no violation in ");
        assertThat(countOf(run.out(), "rounds\\s+(\\d+)")).isGreaterThanOrEqualTo(2);
        assertThat(run.out()).containsPattern("(?m)^  fault\\s+planned\\s+injected\\s+what it did$");
        for (ViolationKind kind : ViolationKind.values()) {
            assertThat(countOf(run.out(), Pattern.quote(kind.label()) + "\\s+(\\d+)\\s")).as(kind.label()).isZero();
        }
    }

    @Test
    void theBrokenModeShouldFailUnderFaultsToo() {
        CliRun run = CliRun.of("verify", "--faults", "crash,channel-close,lost-claim-reply", "--messages", "600",
                "--keys", "20", "--duplicate-rate", "0.05", "--crash-rate", "0.005", "--seed", SEED,
                "--unsafe-no-dedup", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(countOf(run.out(), "duplicate effect\\s+(\\d+)\\s")).isPositive();
        assertThat(run.out()).contains("seed " + SEED + ": rerun with --seed " + SEED);
    }

    private static long countOf(String report, String regex) {
        Matcher m = Pattern.compile(regex).matcher(report);
        assertThat(m.find()).as("'" + regex + "' in:\n" + report).isTrue();
        return Long.parseLong(m.group(1));
    }
}
