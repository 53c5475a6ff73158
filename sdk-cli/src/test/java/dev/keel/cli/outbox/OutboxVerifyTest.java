package dev.keel.cli.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RealBrokers;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel verify --outbox} on the real PostgreSQL (127.0.0.1:5432, database {@code test}, or
 * {@code KEEL_JDBC_POSTGRESQL_URL}) and the embedded broker: it passes with relay and consumer
 * crashes, and it catches the effect committed apart from the done mark; with {@code --kill-9} on
 * the harness's real Kafka, it passes with the consumer and producer processes killed with SIGKILL.
 */
@Tag("proof") // about a minute: with keel verify's other longer proofs (-Pproof), off the default suite's critical path
class OutboxVerifyTest {

    private static final String SEED = "20261122";

    private static String url() {
        String env = System.getenv("KEEL_JDBC_POSTGRESQL_URL");
        return env != null ? env : "jdbc:postgresql://127.0.0.1:5432/test";
    }

    @Test
    void everyCommittedRowShouldBeAppliedOnceDespiteRelayAndConsumerCrashes() {
        CliRun run = CliRun.of("verify", "--outbox", url(), "--messages", "400", "--keys", "20", "--lease", "1s",
                "--relay-crashes", "3", "--consumer-crashes", "6", "--seed", SEED);

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("PASS: no violation");
        assertThat(countOf(run.out(), "rolled back\\s+(\\d+)")).isPositive();
        // planned 3; a plan whose relay has no publishes left before the run ends does not happen
        assertThat(countOf(run.out(), "relay crashes\\s+(\\d+)")).as(run.out()).isBetween(1L, 3L);
        assertThat(countOf(run.out(), "(\\d+) after the inbox commit")).as(run.out()).isPositive();
        assertThat(countOf(run.out(), "committed\\s+(\\d+)")).isEqualTo(countOf(run.out(), "effects\\s+(\\d+)"));
        // rows refused for good (an invalid topic name, an undeclared topic) parked with their cause, the rest flowed
        assertThat(countOf(run.out(), "refused rows\\s+(\\d+)")).isEqualTo(4);
        assertThat(countOf(run.out(), "parked\\s+(\\d+)")).isEqualTo(4);
        assertThat(run.out()).contains("refused not parked 0 · parked without cause 0 · healthy row parked 0");
    }

    @Test
    void anEffectCommittedApartFromTheDoneMarkShouldBeCaughtAsADuplicateEffect() {
        CliRun run = CliRun.of("verify", "--outbox", url(), "--messages", "400", "--keys", "20", "--lease", "1s",
                "--consumer-crashes", "8", "--seed", SEED, "--unsafe-effect-outside-transaction");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(countOf(run.out(), "duplicate effect (\\d+)")).isPositive();
        assertThat(run.out()).contains("FAIL:");
    }

    @Test
    @ExtendWith(RealBrokers.class)
    void everyCommittedRowShouldBeAppliedOnceWhenConsumerAndProducerProcessesAreKilledNine(KafkaEndpoint kafka) {
        CliRun run = CliRun.of("verify", "--outbox", url(), "--kill-9", "--broker", "kafka", "--bootstrap-servers",
                kafka.bootstrapServers(), "--partitions", "2", "--messages", "300", "--keys", "10", "--lease", "2s",
                "--relay-crashes", "1", "--consumer-crashes", "3", "--timeout", "180s", "--seed", SEED);

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("PASS: no violation");
        assertThat(countOf(run.out(), "consumer kills\\s+(\\d+)")).as(run.out()).isGreaterThanOrEqualTo(1);
        assertThat(countOf(run.out(), "producer kills\\s+(\\d+)")).as(run.out()).isGreaterThanOrEqualTo(1);
        assertThat(countOf(run.out(), "duplicate effect (\\d+)")).isZero();
        assertThat(countOf(run.out(), "committed\\s+(\\d+)")).isEqualTo(countOf(run.out(), "effects\\s+(\\d+)"));
        assertThat(run.out()).doesNotContain("exited by itself");
    }

    @Test
    void kill9OnTheEmbeddedBrokerShouldBeABadFlag() {
        CliRun run = CliRun.of("verify", "--outbox", url(), "--kill-9");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--kill-9 needs a real broker");
    }

    @Test
    void aUrlOfAnotherDatabaseShouldBeABadFlag() {
        CliRun run = CliRun.of("verify", "--outbox", "jdbc:sqlite:orders.db");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("jdbc:postgresql:");
    }

    @Test
    void benchOnlyOutboxWithoutADatabaseShouldBeABadFlag() {
        CliRun run = CliRun.of("bench", "--only", "outbox");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--only outbox needs --outbox JDBC_URL");
    }

    private static long countOf(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in " + text).isTrue();
        return Long.parseLong(m.group(1));
    }
}
