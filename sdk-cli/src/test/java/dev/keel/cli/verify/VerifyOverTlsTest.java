package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel verify} over TLS, as a user runs it: its own JVM, the harness's private RabbitMQ node on its TLS
 * listener (client certificates required) through an {@code amqps://} URI, the TLS-only Redis through a
 * {@code rediss://} URI as an ACL user, one {@code --truststore} and {@code --keystore} for both, and their password
 * in an environment variable named by {@code --truststore-password-env}/{@code --keystore-password-env}. The run
 * passes and prints no password; with a trust store that does not hold the CA the run is refused at once (exit 2),
 * saying which certificate and what to change. (A refused Redis certificate stops the run at its preflight in the same
 * way: {@code CertificateFailuresTest} in sdk-rabbit covers the store's side.)
 */
@Tag("secured")
@ExtendWith(RealBrokers.class)
class VerifyOverTlsTest {

    private static final String STORE_PASSWORD_ENV = "KEEL_TEST_STORE_PASSWORD";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

    private final String redisUser = "keel-cli-" + UUID.randomUUID().toString().substring(0, 8);
    private final String redisPassword = "pw-" + UUID.randomUUID();
    private SecuredRedis redis;

    @AfterEach
    void removeRedisUser() {
        if (redis != null) {
            redis.removeUser(redisUser);
        }
    }

    @Test
    void verifyOverTlsOnRabbitAndRedisShouldPassAndPrintNoPassword(RabbitEndpoint rabbit) {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(rabbit, tls.trustStore(), true, "--messages", "60", "--keys", "6", "--crash-rate", "0",
                "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20261126", "--partitions", "2",
                "--timeout", "60s", "--no-progress");

        System.out.println(run.output()); // the report, for docs/cli.md
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.OK);
        assertThat(run.output()).contains("PASS: no violation")
                .contains("amqps://" + rabbit.host() + ":" + rabbit.tlsPort())
                .contains("with trust store " + tls.trustStore() + ", key store " + tls.clientKeyStore())
                .contains("rediss://127.0.0.1:" + redis.port())
                .doesNotContain(tls.password()).doesNotContain(redisPassword)
                .doesNotContain(":" + rabbit.password() + "@");
    }

    @Test
    void aTrustStoreWithoutTheBrokersCaShouldBeRefusedAtOnceNamingTheCertificate(RabbitEndpoint rabbit) {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(rabbit, tls.untrustedTrustStore(), false, "--messages", "20", "--keys", "5", "--timeout",
                "30s", "--no-progress");

        System.out.println(run.output());
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.output()).contains("keel: AccessRefusedException: ")
                .contains("does not trust the server's certificate").contains("trust store")
                .contains("refused access (not an outage: it answered)").doesNotContain(tls.password())
                .doesNotContain(":" + rabbit.password() + "@").doesNotContain("Exception in thread");
    }

    /** keel verify on the RabbitMQ TLS listener; with the TLS Redis as its store when {@code withRedis}. */
    private KeelInItsOwnJvm.Result keel(RabbitEndpoint rabbit, Path trustStore, boolean withRedis, String... more) {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node (its TLS listener)");
        TestCertificates tls = TestCertificates.get();
        String amqps = rabbit.uri().replaceFirst("^amqp://", "amqps://")
                .replace("@" + rabbit.host() + ":" + rabbit.port() + "/", "@" + rabbit.host() + ":" + rabbit.tlsPort() + "/");
        List<String> args = new ArrayList<>(List.of("verify", "--broker", "rabbit", "--rabbit-uri", amqps,
                "--truststore", trustStore.toString(), "--truststore-password-env", STORE_PASSWORD_ENV,
                "--keystore", tls.clientKeyStore().toString(), "--keystore-password-env", STORE_PASSWORD_ENV));
        if (withRedis) {
            redis = SecuredRedis.local();
            redis.putUser(redisUser, redisPassword, "~keel:*", "-@all", "+get", "+set", "+del", "+eval", "+evalsha");
            args.addAll(List.of("--redis", "rediss://" + redisUser + ":" + redisPassword + "@" + redis.host() + ":"
                    + redis.port()));
        }
        args.addAll(List.of(more));
        return KeelInItsOwnJvm.run("keel-verify-tls", Map.of(STORE_PASSWORD_ENV, tls.password()), args, RUN_TIMEOUT);
    }
}
