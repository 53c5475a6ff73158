package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code keel bench --only inbox} on the embedded broker and the real PostgreSQL (127.0.0.1:5432,
 * database {@code test}, or {@code KEEL_JDBC_POSTGRESQL_URL}): every variant consumes the backlog
 * and is reported, with its ratios. No timing is asserted.
 */
class InboxBenchTest {

    private static String url() {
        String env = System.getenv("KEEL_JDBC_POSTGRESQL_URL");
        return env != null ? env : "jdbc:postgresql://127.0.0.1:5432/test";
    }

    @Test
    void inboxSectionShouldMeasureEveryStoreVariantOnTheSameBacklog() {
        CliRun run = CliRun.of("bench", "--only", "inbox", "--outbox", url(), "--messages", "300", "--keys", "10",
                "--consume-lanes", "4", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        JsonNode inbox = JsonMapper.builder().build().readTree(run.out()).get("inbox");
        assertThat(inbox.get("messages").asInt()).isEqualTo(300);
        assertThat(inbox.get("store").asString()).isEqualTo("in-memory store");
        for (String rate : new String[] {"store_msgs_per_sec", "jdbc_msgs_per_sec", "jdbc_tx_msgs_per_sec",
            "alo_msgs_per_sec", "jdbc_over_store", "jdbc_tx_over_store", "jdbc_tx_over_alo"}) {
            assertThat(inbox.get(rate).asDouble()).as(rate).isPositive();
        }
    }

    @Test
    void inboxSectionShouldPrintItsRowsAsATable() {
        CliRun run = CliRun.of("bench", "--only", "inbox", "--outbox", url(), "--messages", "100", "--keys", "10",
                "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("JDBC inbox vs in-memory store")
                .contains("effect + done in one transaction").contains("ratio JDBC inbox / in-memory store")
                .contains("ratio transactional inbox / AT_LEAST_ONCE").doesNotContain("publish, confirmed");
    }

    @Test
    void benchOnlyInboxWithoutADatabaseShouldBeABadFlag() {
        CliRun run = CliRun.of("bench", "--only", "inbox");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--only inbox needs --outbox JDBC_URL");
    }
}
