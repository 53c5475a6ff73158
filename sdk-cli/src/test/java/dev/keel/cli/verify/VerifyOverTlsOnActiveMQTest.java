package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code keel verify} over TLS on ActiveMQ Classic, as a user runs it: its own JVM (no {@code javax.net.ssl.*}
 * properties), the secured broker's TLS connector (which asks every client for a certificate), a user whose password
 * is in an environment variable, and the stores from {@code --truststore}/{@code --keystore}, which the Classic
 * adapter and Classic's own client (the raw baselines) take as their own. The run passes and prints no password; with
 * a trust store that does not hold the CA it is refused at once (exit 2), naming the trust store.
 */
@Tag("secured")
class VerifyOverTlsOnActiveMQTest {

    private static final String STORE_PASSWORD_ENV = "KEEL_TEST_STORE_PASSWORD";
    private static final String USER_PASSWORD_ENV = "KEEL_TEST_ACTIVEMQ_PASSWORD";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);

    private final SecuredActiveMQ activemq = SecuredActiveMQ.local();
    private final String user = "keel-verify-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @BeforeEach
    void addUser() {
        activemq.putUser(user, password, SecuredActiveMQ.ADMIN);
    }

    @AfterEach
    void removeUser() {
        activemq.removeUser(user);
    }

    @Test
    void verifyOverTlsWithTheFlagsStoresShouldPassAndPrintNoSecret() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(tls.trustStore(), "--messages", "60", "--keys", "6", "--crash-rate", "0",
                "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20261127", "--partitions", "2",
                "--timeout", "90s", "--no-progress");

        System.out.println(run.output()); // the report, for docs/cli.md
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.OK);
        assertThat(run.output()).contains("PASS: no violation")
                .contains(activemq.tlsUrl() + " with trust store " + tls.trustStore() + ", key store "
                        + tls.clientKeyStore())
                .doesNotContain(password).doesNotContain(tls.password());
    }

    @Test
    void aTrustStoreWithoutTheBrokersCaShouldBeRefusedAtOnceNamingTheTrustStore() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(tls.untrustedTrustStore(), "--messages", "20", "--keys", "5", "--timeout", "30s",
                "--no-progress");

        System.out.println(run.output());
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.output()).contains("keel: AccessRefusedException: ").contains("trust store")
                .doesNotContain(password).doesNotContain(tls.password()).doesNotContain("Exception in thread");
    }

    private KeelInItsOwnJvm.Result keel(Path trustStore, String... more) {
        TestCertificates tls = TestCertificates.get();
        List<String> args = new ArrayList<>(List.of("verify", "--broker", "activemq", "--activemq-url",
                activemq.tlsUrl(), "--activemq-user", user, "--activemq-password-env", USER_PASSWORD_ENV,
                "--truststore", trustStore.toString(), "--truststore-password-env", STORE_PASSWORD_ENV,
                "--keystore", tls.clientKeyStore().toString(), "--keystore-password-env", STORE_PASSWORD_ENV));
        args.addAll(List.of(more));
        return KeelInItsOwnJvm.run("keel-verify-activemq-tls", Map.of(STORE_PASSWORD_ENV, tls.password(),
                USER_PASSWORD_ENV, password), args, RUN_TIMEOUT);
    }
}
