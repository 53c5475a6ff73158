package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.keel.cli.KeelCli;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel verify} stopped by SIGTERM in the middle of a {@code --duration} run, in its own JVM on a real RabbitMQ:
 * it deletes the run's queues and exchanges before the JVM exits and says so, as at the end of a run (eighth
 * adversarial review: a verify stopped so exited within a second, printed nothing, and left 30 queues and 7 exchanges
 * of {@code keel-verify-<run>}, one holding 54 messages).
 */
@Tag("proof") // a forked JVM and a run of several rounds: with the longer proofs (-Pproof), off the default suite
@ExtendWith(RealBrokers.class)
class VerifyStopTest {

    private static final Pattern TOPIC = Pattern.compile("topic (keel-verify-\\S+)");
    private static final int PARTITIONS = 2;

    @Test
    void aVerifyStoppedBySigtermShouldDeleteItsTopicsAndSaySo(RabbitEndpoint rabbit, RedisEndpoint redis)
            throws Exception {
        String output;
        String topic;
        int exit;
        try (ForkedJvm keel = ForkedJvm.builder(KeelCli.class).name("keel-verify-stop")
                .args("verify", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--redis", redis.uri(),
                        "--partitions", "" + PARTITIONS, "--duration", "5m", "--messages", "2000", "--no-progress")
                .start()) {
            // the first round's line: the topic, its groups' queues and the dead-letter topics exist by then
            keel.awaitLine(line -> line.startsWith("round 1"), Duration.ofSeconds(180));
            topic = topicOf(String.join("\n", keel.lines()));
            assertThat(leftOf(rabbit, topic)).as("the run's queues and exchanges while it runs").isNotEmpty();

            exit = keel.terminate(Duration.ofSeconds(90));
            output = String.join("\n", keel.lines());
        }

        assertThat(exit).as(output).isEqualTo(143);
        assertThat(output).contains("keel: verify stopped by a signal before the end; its topics were deleted");
        assertThat(leftOf(rabbit, topic)).as("left behind by the stopped run").isEmpty();
    }

    private static String topicOf(String output) {
        Matcher m = TOPIC.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return m.group(1);
    }

    /**
     * The run's topics (and their dead-letter topics) that the adapter still describes, and the partition queues of
     * the run's group and of its dead-letter reader still declared (rabbitmqctl's listing took over a minute on the
     * loaded CI machine).
     */
    private static List<String> leftOf(RabbitEndpoint rabbit, String topic) throws Exception {
        List<String> left = new ArrayList<>();
        try (RabbitAdapter admin = new RabbitAdapter(RabbitConfig.custom().uri(rabbit.uri()).build())) {
            for (String name : List.of(topic, topic + ".DLT", topic + ".DLT.DLT")) {
                admin.describeTopology(name).ifPresent(spec -> left.add(name));
            }
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbit.uri());
        try (Connection connection = factory.newConnection("keel-verify-stop-test")) {
            for (String queue : partitionQueues(topic)) {
                try (Channel channel = connection.createChannel()) {
                    channel.queueDeclarePassive(queue);
                    left.add(queue);
                } catch (IOException notFound) {
                    // 404: the queue is gone (the broker closed the channel)
                }
            }
        }
        return left;
    }

    private static List<String> partitionQueues(String topic) {
        List<String> queues = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            queues.add(topic + "." + VerifyRun.GROUP + "." + p);
            queues.add(topic + ".DLT." + VerifyRun.DLT_GROUP + "." + p);
        }
        return queues;
    }
}
