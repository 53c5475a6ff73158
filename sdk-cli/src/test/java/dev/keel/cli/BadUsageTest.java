package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class BadUsageTest {

    @Test
    void anUnknownFlagShouldExitTwoWithAHintAndNoStackTrace() {
        CliRun run = CliRun.of("verify", "--mesages", "10");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("Unknown options: '--mesages'").contains("Possible solutions: --messages")
                .contains("keel verify --help");
        assertNoStackTrace(run);
    }

    @Test
    void anOutOfRangeValueShouldSayWhatIsAllowed() {
        CliRun run = CliRun.of("verify", "--crash-rate", "2");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--crash-rate must be a probability in [0, 0.5], was 2.0");
        assertNoStackTrace(run);
    }

    @Test
    void aValueOfTheWrongTypeShouldBeRefusedClearly() {
        CliRun run = CliRun.of("bench", "--handler-latency", "soon");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("'soon' is not a duration");
        assertNoStackTrace(run);
    }

    @Test
    void anUnknownBrokerShouldListTheChoices() {
        CliRun run = CliRun.of("verify", "--broker", "nats");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("unknown --broker 'nats'").contains("memory, kafka, rabbit, rocket");
        assertNoStackTrace(run);
    }

    @Test
    void anUnreachableRocketMqShouldSayWhatToDo() throws IOException {
        CliRun run = CliRun.of("bench", "--broker", "rocket", "--namesrv", "127.0.0.1:" + closedPort());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("cannot reach a RocketMQ name server at 127.0.0.1:").contains("--namesrv")
                .contains("--broker memory");
        assertNoStackTrace(run);
    }

    @Test
    void anUnreachableKafkaShouldSayWhatToDo() throws IOException {
        CliRun run = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", "127.0.0.1:" + closedPort());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("cannot reach Kafka at 127.0.0.1:").contains("--bootstrap-servers")
                .contains("--broker memory");
        assertNoStackTrace(run);
    }

    @Test
    void anUnreachableRabbitShouldSayWhatToDoWithoutPrintingThePassword() throws IOException {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--rabbit-uri",
                "amqp://user:s3cret@127.0.0.1:" + closedPort() + "/%2F");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("cannot reach RabbitMQ at 127.0.0.1:").contains("--rabbit-uri");
        assertThat(run.out() + run.err()).doesNotContain("s3cret");
        assertNoStackTrace(run);
    }

    @Test
    void anUnreachableRedisShouldSayWhatToDo() throws IOException {
        CliRun run = CliRun.of("verify", "--redis", "redis://127.0.0.1:" + closedPort());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("cannot reach Redis at redis://127.0.0.1:").contains("leave out --redis");
        assertNoStackTrace(run);
    }

    @Test
    void waitingForRedisReplicasWithoutRedisShouldSayWhatToDo() {
        CliRun run = CliRun.of("bench", "--redis-wait-replicas", "1");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--redis-wait-replicas needs --redis");
        assertNoStackTrace(run);
    }

    @Test
    void aFaultTheBrokerCannotInjectShouldBeRefusedNamingIt() {
        CliRun run = CliRun.of("verify", "--broker", "rabbit", "--rabbit-uri", "amqp://guest:guest@10.255.255.1:5672/%2F",
                "--faults", "crash,channel-close");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--faults channel-close is not supported on --broker rabbit")
                .contains("needs a RabbitMQ on 127.0.0.1")
                .contains("--faults all picks every kind this broker supports");
        assertNoStackTrace(run);
    }

    @Test
    void aShareGroupOnABrokerWithoutShareGroupsShouldBeRefusedNamingTheCapability() {
        CliRun run = CliRun.of("verify", "--share-group", "--messages", "10");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--share-group needs a broker with share groups")
                .contains("Capability.SHARED_CONSUMPTION").contains("--broker kafka");
        assertNoStackTrace(run);
    }

    @Test
    void noCommandShouldNameTheCommands() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("choose verify, bench, replay or dlq");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void assertNoStackTrace(CliRun run) {
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception in thread");
        assertThat(run.out()).doesNotContain("\tat ");
    }
}
