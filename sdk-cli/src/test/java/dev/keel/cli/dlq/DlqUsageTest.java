package dev.keel.cli.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import org.junit.jupiter.api.Test;

/** {@code keel dlq}: its flags are checked before any broker is reached. */
class DlqUsageTest {

    @Test
    void aTimeThatIsNotAnInstantShouldSayWhatToWrite() {
        CliRun run = CliRun.of("dlq", "list", "--topic", "orders", "--group", "billing", "--from", "yesterday");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--from must be an ISO-8601 instant such as 2026-11-22T15:00:00Z, was 'yesterday'");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void aTopicAndGroupAreRequired() {
        CliRun run = CliRun.of("dlq", "redrive", "--yes");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--topic").contains("--group");
    }

    @Test
    void aTimeRangeThatEndsBeforeItStartsIsRefused() {
        CliRun run = CliRun.of("dlq", "redrive", "--topic", "orders", "--group", "billing", "--yes",
                "--from", "2026-11-22T15:00:00Z", "--until", "2026-11-22T14:00:00Z");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("the time range must end after it starts");
    }
}
