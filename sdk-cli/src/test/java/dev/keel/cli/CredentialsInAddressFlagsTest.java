package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * Credentials given to a flag that takes only {@code host:port} addresses are refused as a bad flag (exit 2), never
 * echoed, and the message says where they go.
 */
class CredentialsInAddressFlagsTest {

    @Test
    void aRabbitAddressWithAUriAndCredentialsIsRefusedWithoutEchoingThem() throws IOException {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--rabbit-addresses",
                "amqp://guest:s3cr3tH1@127.0.0.1:" + closedPort());

        assertRefused(run, "s3cr3tH1", "--rabbit-addresses", "--rabbit-uri");
    }

    @Test
    void aRabbitAddressWithUserInfoIsRefusedWithoutEchoingIt() throws IOException {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--rabbit-addresses",
                "guest:s3cr3tF5@127.0.0.1:" + closedPort());

        assertRefused(run, "s3cr3tF5", "--rabbit-addresses", "--rabbit-uri");
    }

    @Test
    void kafkaBootstrapServersWithUserInfoAreRefusedWithoutEchoingIt() throws IOException {
        CliRun run = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers",
                "u:s3cr3tK7@127.0.0.1:" + closedPort());

        assertRefused(run, "s3cr3tK7", "--bootstrap-servers", "--kafka-config");
    }

    @Test
    void aRocketNameServerWithUserInfoIsRefusedWithoutEchoingIt() throws IOException {
        CliRun run = CliRun.of("bench", "--broker", "rocket", "--namesrv", "u:s3cr3tR9@127.0.0.1:" + closedPort());

        assertRefused(run, "s3cr3tR9", "--namesrv", "--rocket-secret-key-env");
        assertThat(run.err()).contains("--rocket-access-key");
    }

    /**
     * Review (F6): a {@code --redis} URI with a mistyped or missing scheme, or its password as a parameter, was quoted
     * whole ({@code keel: --redis must be a URI like ..., was 'redis//u:<pw>@...'}).
     */
    @Test
    void aRedisUriThatDoesNotParseIsRefusedWithoutItsPassword() throws IOException {
        for (String uri : new String[] {"redis//u:s3cr3tD2@127.0.0.1:" + closedPort(),
            "u:s3cr3tD2@127.0.0.1:" + closedPort(), "redis://127.0.0.1:" + closedPort() + "?password=s3cr3tD2",
            "http://u:s3cr3tD2@127.0.0.1:" + closedPort(), "redis://u:s3cr3tD2%zz@127.0.0.1:" + closedPort()}) {
            CliRun run = CliRun.of("verify", "--broker", "memory", "--redis", uri);

            assertThat(run.exitCode()).as(uri + ": " + run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).as(uri).contains("--redis").doesNotContain("cannot reach");
            assertThat(run.out() + run.err()).as(uri).doesNotContain("s3cr3tD2").doesNotContain("\tat ");
        }
    }

    /** Review (F6): an address flag whose value held a password parameter quoted it in its "bad port" message. */
    @Test
    void anAddressWithAPasswordParameterIsRefusedWithoutIt() throws IOException {
        CliRun rabbit = CliRun.of("verify", "--broker", "rabbit", "--rabbit-addresses",
                "amqp://127.0.0.1:" + closedPort() + "?password=s3cr3tQ3");
        CliRun kafka = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers",
                "127.0.0.1:" + closedPort() + "?password=s3cr3tQ3");

        for (CliRun run : new CliRun[] {rabbit, kafka}) {
            assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.out() + run.err()).doesNotContain("s3cr3tQ3").doesNotContain("\tat ");
        }
    }

    /**
     * Review (F7): an Artemis URL with user info got through and was read as the host ({@code cannot reach ActiveMQ
     * Artemis at keel:61616 (UnknownHostException: keel)}), pointing the wrong way; so did a Classic URL whose
     * password held a {@code ,} {@code /} or {@code (}.
     */
    @Test
    void aJmsUrlWithUserInfoIsRefusedSayingWhereCredentialsGo() throws IOException {
        for (String[] brokerFlagUrl : new String[][] {
            {"artemis", "--artemis-url", "tcp://keel:s3cr3tA1@127.0.0.1:" + closedPort()},
            {"artemis", "--artemis-url", "tcp://keel:s3,cr3tA1@127.0.0.1:" + closedPort()},
            {"activemq", "--activemq-url", "tcp://keel:s3,cr3tA1@127.0.0.1:" + closedPort()},
            {"activemq", "--activemq-url", "tcp://keel:s3/cr3tA1@127.0.0.1:" + closedPort()},
            {"activemq", "--activemq-url", "failover:(tcp://keel:s3(cr3tA1@127.0.0.1:" + closedPort()
                    + ")?maxReconnectAttempts=0"}}) {
            CliRun run = CliRun.of("verify", "--broker", brokerFlagUrl[0], brokerFlagUrl[1], brokerFlagUrl[2]);

            assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).as(brokerFlagUrl[2]).contains(brokerFlagUrl[1]).contains("user info")
                    .contains("credentials").doesNotContain("cannot reach");
            assertThat(run.out() + run.err()).doesNotContain("cr3tA1").doesNotContain("\tat ");
        }
    }

    private static void assertRefused(CliRun run, String secret, String flag, String whereCredentialsGo) {
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains(flag).contains("credentials").contains(whereCredentialsGo)
                .doesNotContain("cannot reach");
        assertThat(run.out() + run.err()).doesNotContain(secret).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
