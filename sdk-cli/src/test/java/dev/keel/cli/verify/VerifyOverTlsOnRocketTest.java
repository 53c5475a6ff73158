package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.SecuredRocket;
import dev.keel.testbrokers.TestCertificates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code keel verify} over TLS on RocketMQ, as a user runs it: its own JVM (no {@code tls.*} or Netty property set by
 * the test), the harness's name server and broker that speak TLS only and require a client certificate
 * ({@link SecuredRocket#localOverTls()}, ACL 2.0 on), the secret key and the stores' password in environment variables,
 * and {@code --rocket-tls} with the stores of {@code --truststore}/{@code --keystore}, which the CLI hands to the
 * adapter and to the raw clients as PEM files. The run passes and prints no secret; without {@code --truststore} (the
 * JVM's trust store, which does not hold the run's CA) it is refused at once (exit 2), naming the trust store.
 * {@code keel bench} with the same flags measures Keel and the raw rocketmq-client baselines over TLS on the same servers.
 */
@Tag("secured")
class VerifyOverTlsOnRocketTest {

    private static final String STORE_PASSWORD_ENV = "KEEL_TEST_STORE_PASSWORD";
    private static final String SECRET_KEY_ENV = "KEEL_TEST_ROCKET_SECRET_KEY";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);

    private final SecuredRocket rocket = SecuredRocket.localOverTls();

    @Test
    void verifyOverTlsWithTheFlagsStoresShouldPassAndPrintNoSecret() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(List.of("--truststore", tls.trustStore().toString(),
                "--truststore-password-env", STORE_PASSWORD_ENV), "--messages", "60", "--keys", "6", "--crash-rate",
                "0", "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20261127", "--partitions", "2",
                "--timeout", "90s", "--no-progress");

        System.out.println(run.output()); // the report, for docs/cli.md
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.OK);
        assertThat(run.output()).contains("PASS: no violation")
                .contains("name server " + rocket.nameServer() + " over TLS with trust store " + tls.trustStore()
                        + ", key store " + tls.clientKeyStore())
                .doesNotContain(rocket.adminPassword()).doesNotContain(tls.password())
                .doesNotContain("PRIVATE KEY");
    }

    @Test
    void withoutATrustStoreTheJvmsTrustShouldBeRefusedAtOnceNamingTheTrustStore() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(List.of(), "--messages", "20", "--keys", "5", "--timeout", "30s",
                "--no-progress");

        System.out.println(run.output());
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.output()).contains("keel: AccessRefusedException: ")
                .contains("does not trust the server's certificate").contains("trust store")
                .doesNotContain(rocket.adminPassword()).doesNotContain(tls.password())
                .doesNotContain("Exception in thread");
    }

    @Test
    void benchOverTlsShouldMeasureKeelAndTheRawClientsAndPrintNoSecret() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel("bench", List.of("--truststore", tls.trustStore().toString(),
                "--truststore-password-env", STORE_PASSWORD_ENV), "--only", "publish,consume", "--messages", "400",
                "--keys", "8", "--partitions", "2", "--timeout", "90s", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.OK);
        assertThat(run.output()).doesNotContain(rocket.adminPassword()).doesNotContain(tls.password())
                .doesNotContain("PRIVATE KEY").doesNotContain("could not delete");
        String json = run.output().substring(run.output().indexOf('{'));
        JsonNode report = JsonMapper.builder().build().readTree(json);
        assertThat(report.get("publish").get("keel_msgs_per_sec").asDouble()).isPositive();
        assertThat(report.get("publish").get("rocket_async_send_msgs_per_sec").asDouble()).isPositive();
        assertThat(report.get("consume").get("at_least_once_msgs_per_sec").asDouble()).isPositive();
        assertThat(report.get("consume").get("rocket_lite_pull_msgs_per_sec").asDouble()).isPositive();
    }

    private KeelInItsOwnJvm.Result keel(List<String> trust, String... more) {
        return keel("verify", trust, more);
    }

    private KeelInItsOwnJvm.Result keel(String command, List<String> trust, String... more) {
        TestCertificates tls = TestCertificates.get();
        List<String> args = new ArrayList<>(List.of(command, "--broker", "rocket", "--namesrv", rocket.nameServer(),
                "--rocket-tls", "--rocket-access-key", rocket.adminUser(), "--rocket-secret-key-env", SECRET_KEY_ENV));
        args.addAll(trust);
        args.addAll(List.of("--keystore", tls.clientKeyStore().toString(), "--keystore-password-env",
                STORE_PASSWORD_ENV));
        args.addAll(List.of(more));
        return KeelInItsOwnJvm.run("keel-verify-rocket-tls", Map.of(STORE_PASSWORD_ENV, tls.password(),
                SECRET_KEY_ENV, rocket.adminPassword()), args, RUN_TIMEOUT);
    }
}
