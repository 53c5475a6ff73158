package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code keel bench --only outbox} on the embedded broker and the real PostgreSQL (127.0.0.1:5432,
 * database {@code test}, or {@code KEEL_JDBC_POSTGRESQL_URL}), with small counts: the relay drains the
 * backlog, every latency variant (direct baseline, LISTEN/NOTIFY, polling) has all its samples and is
 * reported. No timing is asserted.
 */
class OutboxBenchTest {

    private static String url() {
        String env = System.getenv("KEEL_JDBC_POSTGRESQL_URL");
        return env != null ? env : "jdbc:postgresql://127.0.0.1:5432/test";
    }

    @Test
    void outboxSectionShouldReportRelayDirectAndEveryLatencyVariant() {
        CliRun run = CliRun.of("bench", "--only", "outbox", "--outbox", url(), "--messages", "300",
                "--latency-messages", "20", "--keys", "10", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        JsonNode outbox = JsonMapper.builder().build().readTree(run.out()).get("outbox");
        assertThat(outbox.get("messages").asInt()).isEqualTo(300);
        for (String rate : new String[] {"relay_msgs_per_sec", "direct_msgs_per_sec", "relay_over_direct"}) {
            assertThat(outbox.get(rate).asDouble()).as(rate).isPositive();
        }
        for (String millis : new String[] {"direct_p50_ms", "direct_p99_ms", "notify_p50_ms", "notify_p99_ms",
            "poll_p50_ms", "poll_p99_ms"}) {
            assertThat(outbox.get(millis)).as(millis).isNotNull();
            assertThat(outbox.get(millis).asDouble()).as(millis).isNotNegative();
        }
    }

    @Test
    void outboxSectionShouldPrintTheDirectLatencyBaselineAsARow() {
        CliRun run = CliRun.of("bench", "--only", "outbox", "--outbox", url(), "--messages", "100",
                "--latency-messages", "10", "--keys", "10", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("relay, backlog drained").contains("publish to confirm, Keel publisher directly")
                .contains("commit to publish, LISTEN/NOTIFY").contains("commit to publish, polling")
                .doesNotContain("JDBC inbox vs");
    }

    @Test
    void outboxAndInboxSectionsShouldRunInEveryRoundOfARepeat() {
        // each round's tables are named after the round: the name must stay a valid SQL table prefix
        CliRun run = CliRun.of("bench", "--only", "outbox,inbox", "--outbox", url(), "--messages", "100",
                "--latency-messages", "10", "--keys", "10", "--repeat", "2", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        JsonNode outbox = JsonMapper.builder().build().readTree(run.out()).get("outbox");
        assertThat(outbox.get("relay_msgs_per_sec").asDouble()).isPositive();
    }
}
