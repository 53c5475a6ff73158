package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.TopicSpec;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel replay} and {@code keel dlq} on a topic that does not exist, on the harness's real brokers: refused at
 * once naming the topic, as a wrong name (exit code 2), never as a broker failure to try again; a topic without dead
 * letters yet lists none.
 */
@ExtendWith(RealBrokers.class)
class MissingTopicCommandTest {

    private final String topic = "keel-cli-missing-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void replayOfATopicThatDoesNotExistShouldSayItDoesNotExist(KafkaEndpoint kafka) {
        CliRun run = CliRun.of("replay", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", topic + "-g", "--from", "15m");

        assertMissing(run);
    }

    @Test
    void dlqOfATopicThatDoesNotExistShouldSayItDoesNotExist(RabbitEndpoint rabbit) {
        CliRun list = CliRun.of("dlq", "list", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--topic", topic,
                "--group", "billing");
        CliRun redrive = CliRun.of("dlq", "redrive", "--yes", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(),
                "--topic", topic, "--group", "billing");

        assertMissing(list);
        assertMissing(redrive);
    }

    @Test
    void dlqOfATopicWithoutDeadLettersShouldListNone(RabbitEndpoint rabbit) {
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitConfig.custom().uri(rabbit.uri()).build())) {
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("billing").build());
        }

        CliRun list = CliRun.of("dlq", "list", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--topic", topic,
                "--group", "billing");

        assertThat(list.exitCode()).as(list.err()).isEqualTo(ExitCodes.OK);
        assertThat(list.out()).contains("0 dead letter(s)");
    }

    private void assertMissing(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("TopicNotFoundException").contains("'" + topic + "'").contains("does not exist")
                .contains("check the topic's name").doesNotContain("try again").doesNotContain("failed during the run");
    }
}
