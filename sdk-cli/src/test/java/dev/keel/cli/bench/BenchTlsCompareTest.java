package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.cli.ExitCodes;
import dev.keel.cli.KeelCli;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code keel bench --tls-compare} as a user runs it (its own JVM, the store passwords in an environment variable) on
 * one broker reached through its plaintext and its TLS listener: the harness's private RabbitMQ node ({@code amqp://}
 * and {@code amqps://}, client certificates required) and the secured Kafka ({@code SASL_PLAINTEXT} and
 * {@code SASL_SSL}). Tiny counts, two rounds: the JSON report has both endpoints' rates and the ratio TLS / plaintext
 * for Keel and for the raw client, with their range; how large any figure is, is not asserted.
 */
@Tag("secured")
@ExtendWith(RealBrokers.class)
class BenchTlsCompareTest {

    private static final String STORE_PASSWORD_ENV = "KEEL_TEST_STORE_PASSWORD";
    private static final String USER_PASSWORD_ENV = "KEEL_TEST_JMS_PASSWORD";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> TINY = List.of("--messages", "200", "--keys", "10", "--partitions", "2",
            "--repeat", "2", "--timeout", "60s", "--json", "--no-progress");

    @TempDir
    Path dir;

    @Test
    void tlsCompareOnRabbitShouldReportBothEndpointsAndTheRatioForKeelAndTheRawClient(RabbitEndpoint rabbit) {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node (its TLS listener)");
        String amqps = rabbit.uri().replaceFirst("^amqp://", "amqps://")
                .replace("@" + rabbit.host() + ":" + rabbit.port() + "/", "@" + rabbit.host() + ":" + rabbit.tlsPort() + "/");
        List<String> args = new ArrayList<>(List.of("bench", "--broker", "rabbit", "--tls-compare",
                "--rabbit-uri", rabbit.uri(), "--rabbit-tls-uri", amqps));

        JsonNode json = bench(args, rabbit.password());

        assertThat(json.get("endpoint").asString()).startsWith("amqp://" + rabbit.host() + ":" + rabbit.port());
        assertThat(json.get("tls_endpoint").asString()).startsWith("amqps://" + rabbit.host() + ":" + rabbit.tlsPort());
        assertBothEndpoints(json.get("tls_publish"), "keel", "rabbit_async_confirms");
        assertBothEndpoints(json.get("tls_consume"), "at_least_once");
        assertThat(json.get("tls_consume").get("raw_tls_over_plaintext_na").asString())
                .contains("no raw consume baseline");
    }

    @Test
    void tlsCompareOnKafkaShouldReportBothListenersAndTheRatioForKeelAndTheRawClient() throws IOException {
        SecuredKafka kafka = SecuredKafka.local();
        String user = "keel-bench-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        kafka.putUser(user, password);
        try {
            kafka.allow(user, ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL);
            kafka.allow(user, ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL);
            kafka.allow(user, ResourceType.TRANSACTIONAL_ID, "*", PatternType.LITERAL, AclOperation.ALL);
            Path plain = Files.writeString(dir.resolve("client.properties"), String.join("\n",
                    "security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-512",
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                            + user + "\" password=\"" + password + "\";", ""));
            Path tls = Files.writeString(dir.resolve("tls.properties"), "security.protocol=SASL_SSL\n");
            List<String> args = new ArrayList<>(List.of("bench", "--broker", "kafka", "--tls-compare",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-config", plain.toString(),
                    "--kafka-tls-bootstrap-servers", kafka.saslSslBootstrapServers(),
                    "--kafka-tls-config", tls.toString()));

            JsonNode json = bench(args, password);

            assertThat(json.get("endpoint").asString()).isEqualTo(kafka.bootstrapServers() + " over SASL_PLAINTEXT");
            assertThat(json.get("tls_endpoint").asString()).startsWith(kafka.saslSslBootstrapServers()
                    + " over SASL_SSL with trust store ");
            assertBothEndpoints(json.get("tls_publish"), "keel", "kafka_async_send");
            assertBothEndpoints(json.get("tls_consume"), "at_least_once", "kafka_poll_loop");
        } finally {
            kafka.revokeAll(user);
        }
    }

    @Test
    void tlsCompareOnArtemisShouldReportBothAcceptorsAndTheRatioForKeelAndTheRawClient() {
        SecuredArtemis artemis = SecuredArtemis.local();
        String user = "keel-bench-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        artemis.putUser(user, password, SecuredArtemis.ADMIN);
        try {
            TestCertificates tls = TestCertificates.get();
            List<String> args = new ArrayList<>(List.of("bench", "--broker", "artemis", "--tls-compare",
                    "--artemis-url", artemis.url(), "--artemis-tls-url",
                    artemis.tlsUrl(tls.trustStore(), tls.clientKeyStore()), "--artemis-user", user,
                    "--artemis-password-env", USER_PASSWORD_ENV));

            JsonNode json = bench(args, password, Map.of(USER_PASSWORD_ENV, password));

            assertThat(json.get("endpoint").asString()).startsWith(artemis.url());
            assertThat(json.get("tls_endpoint").asString()).contains("sslEnabled=true");
            assertBothEndpoints(json.get("tls_publish"), "keel", "artemis_pipelined_send");
            assertBothEndpoints(json.get("tls_consume"), "at_least_once", "artemis_individual_ack");
        } finally {
            artemis.removeUser(user);
        }
    }

    @Test
    void tlsCompareOnActiveMQShouldReportBothConnectorsAndTheRatioForKeelAndTheRawClient() {
        SecuredActiveMQ activemq = SecuredActiveMQ.local();
        String user = "keel-bench-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        activemq.putUser(user, password, SecuredActiveMQ.ADMIN);
        try {
            List<String> args = new ArrayList<>(List.of("bench", "--broker", "activemq", "--tls-compare",
                    "--activemq-url", activemq.url(), "--activemq-tls-url", activemq.tlsUrl(), "--activemq-user", user,
                    "--activemq-password-env", USER_PASSWORD_ENV));

            JsonNode json = bench(args, password, Map.of(USER_PASSWORD_ENV, password));

            assertThat(json.get("endpoint").asString()).startsWith(activemq.url());
            assertThat(json.get("tls_endpoint").asString()).startsWith(activemq.tlsUrl() + " with trust store ");
            assertBothEndpoints(json.get("tls_publish"), "keel", "activemq_sync_send");
            assertBothEndpoints(json.get("tls_consume"), "at_least_once", "activemq_individual_ack");
        } finally {
            activemq.removeUser(user);
        }
    }

    private static JsonNode bench(List<String> args, String brokerPassword) {
        return bench(args, brokerPassword, Map.of());
    }

    /**
     * Runs {@code args} with the harness's stores, the tiny counts and {@code environment} besides the stores'
     * password; the JSON report, once the run passed.
     */
    private static JsonNode bench(List<String> args, String brokerPassword, Map<String, String> environment) {
        TestCertificates tls = TestCertificates.get();
        args.addAll(List.of("--truststore", tls.trustStore().toString(), "--truststore-password-env",
                STORE_PASSWORD_ENV, "--keystore", tls.clientKeyStore().toString(), "--keystore-password-env",
                STORE_PASSWORD_ENV));
        args.addAll(TINY);
        ForkedJvm.Builder builder = ForkedJvm.builder(KeelCli.class).name("keel-bench-tls-compare")
                .args(args.toArray(String[]::new)).environment(STORE_PASSWORD_ENV, tls.password());
        environment.forEach(builder::environment);
        try (ForkedJvm keel = builder.start()) {
            int code = keel.awaitExit(RUN_TIMEOUT);
            String output = String.join("\n", keel.lines());
            System.out.println(output);
            assertThat(code).as(output).isEqualTo(ExitCodes.OK);
            assertThat(output).doesNotContain(tls.password()).doesNotContain(":" + brokerPassword + "@")
                    .doesNotContain("password=\"" + brokerPassword);
            environment.values().forEach(secret -> assertThat(output).doesNotContain(secret));
            return JsonMapper.builder().build().readTree(output.substring(output.indexOf('{')));
        }
    }

    /** Each client's rate on both endpoints and the ratio TLS / plaintext, the median of two rounds with its range. */
    private static void assertBothEndpoints(JsonNode section, String... clients) {
        assertThat(section).as("the section").isNotNull();
        for (String client : clients) {
            assertThat(section.get(client + "_plaintext_msgs_per_sec").asDouble()).as(client).isPositive();
            assertThat(section.get(client + "_tls_msgs_per_sec").asDouble()).as(client).isPositive();
            JsonNode ratio = section.get(client + "_tls_over_plaintext");
            assertThat(ratio.isNumber()).as(client + " ratio").isTrue();
            assertThat(ratio.asDouble()).as(client + " ratio").isPositive();
            assertThat(section.get(client + "_tls_over_plaintext_runs")).as(client + " runs").hasSize(2);
            assertThat(section.get(client + "_tls_over_plaintext_min").asDouble())
                    .isLessThanOrEqualTo(section.get(client + "_tls_over_plaintext_max").asDouble());
        }
    }
}
