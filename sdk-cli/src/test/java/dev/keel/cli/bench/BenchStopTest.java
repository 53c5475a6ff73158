package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.KeelCli;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code keel bench} stopped by SIGTERM in the middle of a section, on a real Kafka: it deletes its scratch topics
 * before the JVM exits, as it does at the end of a run (seventh adversarial review: a bench stopped so exited within a
 * second, printed nothing and left {@code keel-bench-<run>-publish} and its raw baseline's topic behind).
 */
@Tag("proof") // a forked JVM and a long publish: with the longer proofs (-Pproof), off the default suite
@UsesBrokers(BrokerKind.KAFKA)
class BenchStopTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();

    @Test
    void aBenchStoppedBySigtermShouldDeleteItsTopicsBeforeItExits() throws Exception {
        Set<String> before = topicsStartingWith("keel-bench-");
        String output;
        Set<String> created;
        try (ForkedJvm keel = ForkedJvm.builder(KeelCli.class).name("keel-bench-stop")
                .args("bench", "--broker", "kafka", "--bootstrap-servers", bootstrap, "--only", "publish",
                        "--messages", "300000", "--no-progress").start()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> !newTopics(before).isEmpty());
            created = newTopics(before);

            keel.terminate(Duration.ofSeconds(90));
            output = String.join("\n", keel.lines());
        }

        assertThat(output).contains("bench stopped by a signal before the end");
        // Kafka deletes a topic asynchronously: it may be listed for a moment after the deletion was accepted
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(topicsStartingWith("keel-bench-"))
                .as("the run's topics after it stopped").doesNotContainAnyElementsOf(created));
    }

    /** The bench's topics made since {@code before}: this run's. */
    private Set<String> newTopics(Set<String> before) throws Exception {
        Set<String> now = topicsStartingWith("keel-bench-");
        now.removeAll(before);
        return now;
    }

    private Set<String> topicsStartingWith(String prefix) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.listTopics().names().get().stream().filter(name -> name.startsWith(prefix))
                    .collect(Collectors.toSet());
        }
    }
}
