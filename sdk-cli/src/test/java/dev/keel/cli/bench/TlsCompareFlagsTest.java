package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel bench --tls-compare}'s flags: every combination that cannot measure the cost of TLS is refused before
 * anything connects, exit code 2, in one line saying what to change, and never printing a URI's password.
 */
class TlsCompareFlagsTest {

    @TempDir
    Path dir;

    @Test
    void tlsCompareOnRabbitWithoutATlsUriShouldSayWhichFlagToAdd() {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--tls-compare");

        assertRefused(run, "--tls-compare on RabbitMQ needs --rabbit-tls-uri, the amqps:// URI of the same broker's "
                + "TLS listener");
    }

    @Test
    void aTlsUriThatIsPlaintextShouldBeRefusedWithoutItsPassword() {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--tls-compare", "--rabbit-tls-uri",
                "amqp://app:s3cret@127.0.0.1:5671/%2F");

        assertRefused(run, "--rabbit-tls-uri must be an amqps:// URI (the TLS listener), was "
                + "amqp://127.0.0.1:5671/%2F");
        assertThat(run.out() + run.err()).doesNotContain("s3cret");
    }

    @Test
    void aPlaintextUriThatIsTlsShouldBeRefused() {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--tls-compare", "--rabbit-uri",
                "amqps://app:s3cret@127.0.0.1:5671/%2F", "--rabbit-tls-uri", "amqps://app:s3cret@127.0.0.1:5671/%2F");

        assertRefused(run, "--tls-compare compares with the plaintext listener: --rabbit-uri must be an amqp:// URI");
        assertThat(run.out() + run.err()).doesNotContain("s3cret");
    }

    /**
     * Review of this session: both URIs on one host and port went on to connect and failed saying "a transient
     * failure: check it is up and try again", which retrying never fixes; Kafka's identical addresses were refused.
     */
    @Test
    void theSameRabbitHostAndPortForBothUrisShouldBeRefused() {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--tls-compare", "--rabbit-uri",
                "amqp://app:s3cret@127.0.0.1:5672/%2F", "--rabbit-tls-uri", "amqps://app:s3cret@127.0.0.1:5672/%2F");

        assertRefused(run, "--rabbit-tls-uri reaches 127.0.0.1:5672, as --rabbit-uri does");
        assertThat(run.out() + run.err()).doesNotContain("s3cret");
    }

    @Test
    void tlsCompareOnAnotherBrokerShouldNameTheBrokersItRunsOn() {
        CliRun run = CliRun.of("bench", "--tls-compare");

        assertRefused(run, "--tls-compare runs on --broker rabbit, kafka, artemis or activemq, was --broker memory");
    }

    @Test
    void tlsCompareOnArtemisWithoutATlsUrlShouldSayWhichFlagToAdd() {
        CliRun run = CliRun.of("bench", "--broker", "artemis", "--tls-compare");

        assertRefused(run, "--tls-compare on Artemis needs --artemis-tls-url, the URL of the same broker's TLS "
                + "acceptor, e.g. tcp://127.0.0.1:61617?sslEnabled=true");
    }

    @Test
    void anArtemisTlsUrlWithoutSslEnabledShouldBeRefusedWithoutItsQueryValues() {
        CliRun run = CliRun.of("bench", "--broker", "artemis", "--tls-compare", "--artemis-tls-url",
                "tcp://127.0.0.1:61617?trustStorePath=/t.p12&trustStorePassword=s3cret");

        assertRefused(run, "--artemis-tls-url must reach the TLS acceptor (tcp://127.0.0.1:61617?sslEnabled=true");
        assertThat(run.out() + run.err()).doesNotContain("s3cret");
    }

    @Test
    void anArtemisPlaintextUrlThatSpeaksTlsShouldBeRefused() {
        CliRun run = CliRun.of("bench", "--broker", "artemis", "--tls-compare", "--artemis-url",
                "tcp://127.0.0.1:61617?sslEnabled=true&trustStorePassword=s3cret", "--artemis-tls-url",
                "tcp://127.0.0.1:61618?sslEnabled=true&trustStorePassword=s3cret");

        assertRefused(run, "--tls-compare compares with the plaintext acceptor: --artemis-url must not speak TLS");
        assertThat(run.out() + run.err()).doesNotContain("s3cret");
    }

    @Test
    void theSameActiveMQHostAndPortForBothUrlsShouldBeRefused() {
        CliRun run = CliRun.of("bench", "--broker", "activemq", "--tls-compare", "--activemq-url",
                "tcp://127.0.0.1:61616", "--activemq-tls-url", "ssl://127.0.0.1:61616");

        assertRefused(run, "--activemq-tls-url reaches 127.0.0.1:61616, as --activemq-url does");
    }

    @Test
    void anActiveMQTlsUrlInPlaintextShouldBeRefused() {
        CliRun run = CliRun.of("bench", "--broker", "activemq", "--tls-compare", "--activemq-tls-url",
                "tcp://127.0.0.1:61617");

        assertRefused(run, "--activemq-tls-url must reach the TLS acceptor (ssl://127.0.0.1:61617), was "
                + "tcp://127.0.0.1:61617");
    }

    @Test
    void anotherBrokersTlsEndpointShouldBeRefusedNamingTheOwnOne() {
        CliRun run = CliRun.of("bench", "--broker", "activemq", "--tls-compare", "--rabbit-tls-uri",
                "amqps://127.0.0.1:5671/%2F", "--activemq-tls-url", "ssl://127.0.0.1:61617");

        assertRefused(run, "--rabbit-tls-uri (--broker rabbit) names another broker's TLS endpoint; with --broker "
                + "activemq give --activemq-tls-url");
    }

    @Test
    void aTlsEndpointWithoutTlsCompareShouldNotBeIgnored() {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--rabbit-tls-uri", "amqps://127.0.0.1:5671/%2F");

        assertRefused(run, "--rabbit-tls-uri names the TLS endpoint of --tls-compare: add --tls-compare, or remove it");
    }

    @Test
    void sectionsOtherThanPublishAndConsumeShouldBeRefused() {
        CliRun run = CliRun.of("bench", "--broker", "rabbit", "--tls-compare", "--rabbit-tls-uri",
                "amqps://127.0.0.1:5671/%2F", "--only", "publish,latency");

        assertRefused(run, "--tls-compare measures publish and consume only");
    }

    @Test
    void tlsCompareOnKafkaWithoutATlsListenerShouldSayWhichFlagsToAdd() {
        CliRun run = CliRun.of("bench", "--broker", "kafka", "--tls-compare");

        assertRefused(run, "--tls-compare on Kafka needs --kafka-tls-bootstrap-servers")
                .contains("security.protocol=SSL or SASL_SSL");
    }

    @Test
    void aKafkaTlsListenerReachedInPlaintextShouldBeRefused() throws IOException {
        Path config = Files.writeString(dir.resolve("tls.properties"), "client.rack=a\n");

        CliRun run = CliRun.of("bench", "--broker", "kafka", "--tls-compare", "--kafka-tls-bootstrap-servers",
                "127.0.0.1:9093", "--kafka-tls-config", config.toString());

        assertRefused(run, "--kafka-tls-bootstrap-servers would be reached over PLAINTEXT: set "
                + "security.protocol=SSL or SASL_SSL in --kafka-tls-config FILE");
    }

    @Test
    void aKafkaPlaintextListenerReachedOverTlsShouldBeRefused() throws IOException {
        Path config = Files.writeString(dir.resolve("tls.properties"), "security.protocol=SSL\n");

        CliRun run = CliRun.of("bench", "--broker", "kafka", "--tls-compare", "--kafka-property",
                "security.protocol=SSL", "--kafka-tls-bootstrap-servers", "127.0.0.1:9093", "--kafka-tls-config",
                config.toString());

        assertRefused(run, "--tls-compare compares with a plaintext listener, and --bootstrap-servers is reached over SSL");
    }

    @Test
    void theSameKafkaAddressForBothEndpointsShouldBeRefused() throws IOException {
        Path config = Files.writeString(dir.resolve("tls.properties"), "security.protocol=SSL\n");

        CliRun run = CliRun.of("bench", "--broker", "kafka", "--tls-compare", "--bootstrap-servers", "127.0.0.1:9092",
                "--kafka-tls-bootstrap-servers", "127.0.0.1:9092", "--kafka-tls-config", config.toString());

        assertRefused(run, "--kafka-tls-bootstrap-servers is --bootstrap-servers");
    }

    @Test
    void anUnreadableKafkaTlsConfigShouldBeNamed() {
        CliRun run = CliRun.of("bench", "--broker", "kafka", "--tls-compare", "--kafka-tls-bootstrap-servers",
                "127.0.0.1:9093", "--kafka-tls-config", dir.resolve("missing.properties").toString());

        assertRefused(run, "--kafka-tls-config " + dir.resolve("missing.properties") + " cannot be read");
    }

    @Test
    void anUnreachableTlsEndpointShouldBeNamedAsTheTlsOne() throws IOException {
        try (ServerSocket plaintext = new ServerSocket(0)) {
            CliRun run = CliRun.of("bench", "--broker", "rabbit", "--tls-compare", "--rabbit-uri",
                    "amqp://app:s3cret@127.0.0.1:" + plaintext.getLocalPort() + "/%2F", "--rabbit-tls-uri",
                    "amqps://app:s3cret@127.0.0.1:" + closedPort() + "/%2F");

            assertRefused(run, "the TLS endpoint of --tls-compare (amqps://127.0.0.1:")
                    .contains("cannot reach RabbitMQ at 127.0.0.1:").contains("--rabbit-tls-uri");
            assertThat(run.out() + run.err()).doesNotContain("s3cret");
        }
    }

    private static org.assertj.core.api.AbstractStringAssert<?> assertRefused(CliRun run, String message) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception in thread");
        assertThat(run.out()).isEmpty();
        String first = run.err().lines().findFirst().orElse("");
        return assertThat(first).as(run.err()).contains(message);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
