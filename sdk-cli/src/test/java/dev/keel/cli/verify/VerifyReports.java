package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.spi.TopologyAdmin;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the real-broker verify tests read in a {@code keel verify} report, and the topics it must leave behind. */
final class VerifyReports {

    private VerifyReports() {
    }

    /** Exit 0, no violation, every poison message in the dead letters, the scratch topics deleted. */
    static void assertPassed(CliRun result, String broker) {
        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.OK);
        assertThat(result.out()).contains(broker).contains("store redis").contains("PASS: no violation")
                .doesNotContain("could not delete");
        Matcher deadLettered = Pattern.compile("dead-lettered\\s+(\\d+) of (\\d+)").matcher(result.out());
        assertThat(deadLettered.find()).as(result.out()).isTrue();
        assertThat(Long.parseLong(deadLettered.group(1))).isPositive()
                .isEqualTo(Long.parseLong(deadLettered.group(2)));
    }

    /** Each kind has a row in the fault table (a single round plans every kind), every oversized one refused. */
    static void assertFaultsInjected(CliRun result, String... kinds) {
        for (String kind : kinds) {
            assertThat(result.out()).as(kind).containsPattern("(?m)^  " + kind + "\\s+[1-9]");
        }
        assertThat(result.out()).contains("store redis").contains("through a proxy on 127.0.0.1")
                .containsPattern("oversized\\s+\\d+\\s+\\d+\\s+(\\d+) of \\1 refused");
    }

    /** Neither the topic nor its dead-letter topics are left on the broker. */
    static void assertNothingLeft(TopologyAdmin admin, String topic) {
        for (String name : List.of(topic, topic + ".DLT", topic + ".DLT.DLT")) {
            assertThat(admin.describeTopology(name)).as(name).isEmpty();
        }
    }

    /** The run's scratch topic. */
    static String topicOf(CliRun result) {
        Matcher m = Pattern.compile("topic (keel-verify-\\S+)").matcher(result.out());
        assertThat(m.find()).as(result.out()).isTrue();
        return m.group(1);
    }
}
