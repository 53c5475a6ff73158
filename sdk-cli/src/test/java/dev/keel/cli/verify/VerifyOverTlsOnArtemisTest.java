package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.SecuredArtemis;
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
 * {@code keel verify} over TLS on ActiveMQ Artemis, as a user runs it: its own JVM, the secured broker's TLS acceptor
 * (which asks every client for a certificate), TLS in the {@code --artemis-url} as Artemis's client reads it
 * ({@code sslEnabled}, {@code verifyHost}, the stores and their passwords), and the user's password in an environment
 * variable. The run passes and prints neither password (the URL's {@code *Password=} values are masked); with a trust
 * store that does not hold the CA it is refused at once (exit 2).
 */
@Tag("secured")
class VerifyOverTlsOnArtemisTest {

    private static final String USER_PASSWORD_ENV = "KEEL_TEST_ARTEMIS_PASSWORD";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);

    private final SecuredArtemis artemis = SecuredArtemis.local();
    private final String user = "keel-verify-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @BeforeEach
    void addUser() {
        artemis.putUser(user, password, SecuredArtemis.ADMIN);
    }

    @AfterEach
    void removeUser() {
        artemis.removeUser(user);
    }

    @Test
    void verifyOverTlsWithTheUrlsStoresShouldPassAndPrintNoSecret() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(tls.trustStore(), "--messages", "60", "--keys", "6", "--crash-rate", "0",
                "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20261127", "--partitions", "2",
                "--timeout", "90s", "--no-progress");

        System.out.println(run.output()); // the report, for docs/cli.md
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.OK);
        assertThat(run.output()).contains("PASS: no violation").contains("sslEnabled=true")
                .contains("trustStorePassword=***").doesNotContain(password).doesNotContain(tls.password());
    }

    @Test
    void aTrustStoreWithoutTheBrokersCaShouldBeRefusedAtOnce() {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(tls.untrustedTrustStore(), "--messages", "20", "--keys", "5", "--timeout", "30s",
                "--no-progress");

        System.out.println(run.output());
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.output()).contains("keel: AccessRefusedException: ").doesNotContain(password)
                .doesNotContain(tls.password()).doesNotContain("Exception in thread");
    }

    private KeelInItsOwnJvm.Result keel(Path trustStore, String... more) {
        TestCertificates tls = TestCertificates.get();
        List<String> args = new ArrayList<>(List.of("verify", "--broker", "artemis", "--artemis-url",
                artemis.tlsUrl(trustStore, tls.clientKeyStore()), "--artemis-user", user, "--artemis-password-env",
                USER_PASSWORD_ENV));
        args.addAll(List.of(more));
        return KeelInItsOwnJvm.run("keel-verify-artemis-tls", Map.of(USER_PASSWORD_ENV, password), args,
                RUN_TIMEOUT);
    }
}
