package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import dev.keel.rocket.RocketConfig;
import dev.keel.testbrokers.TestCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --rocket-access-key} and {@code --rocket-secret-key-env}: the secret key from the environment only; and
 * {@code --rocket-tls}: the stores as PEM files only the owner may read, a key store without a key refused naming it.
 */
class RocketModeTest {

    private static BrokerOptions parse(String... args) {
        BrokerOptions options = new BrokerOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void theSecretKeyShouldComeFromTheNamedVariableAndNeverBeShown() {
        String secret = System.getenv("PATH"); // a variable every test run has
        RocketConfig config = RocketMode.config(parse("--broker", "rocket", "--rocket-access-key", "orders-service",
                "--rocket-secret-key-env", "PATH"));

        assertThat(config.accessKey()).contains("orders-service");
        assertThat(config.secretKey()).contains(secret);
        assertThat(config.toString()).doesNotContain(secret).contains("accessKey=orders-service")
                .contains("secretKey=****");
        assertThat(parse("--rocket-access-key", "a", "--rocket-secret-key-env", "PATH").loginArgs())
                .containsSubsequence("--rocket-access-key", "a", "--rocket-secret-key-env", "PATH");
    }

    @Test
    void anAccessKeyWithoutASecretVariableShouldBeRefusedNamingTheFlag() {
        assertThatThrownBy(() -> RocketMode.config(parse("--rocket-access-key", "orders-service")))
                .isInstanceOf(EnvironmentException.class).hasMessageContaining("--rocket-secret-key-env");
    }

    @Test
    void aSecretVariableThatIsNotSetShouldBeRefusedNamingIt() {
        assertThatThrownBy(() -> RocketMode.config(parse("--rocket-access-key", "orders-service",
                "--rocket-secret-key-env", "KEEL_NO_SUCH_VARIABLE_4711")))
                .isInstanceOf(EnvironmentException.class).hasMessageContaining("KEEL_NO_SUCH_VARIABLE_4711");
    }

    @Test
    void noCredentialsShouldSignNothing() {
        assertThat(RocketMode.config(parse("--broker", "rocket")).accessKey()).isEmpty();
        assertThat(RocketMode.signer(parse("--broker", "rocket"))).isNull();
    }

    private static BrokerOptions withStores(String... args) {
        BrokerOptions options = parse(args);
        return options.tls(TlsSettings.of(options.tlsOptions(), Map.of("STORE_PW", TestCertificates.get().password())::get));
    }

    @Test
    void rocketTlsShouldHandTheStoresOverAsPemFilesOnlyTheOwnerMayReadWithTheKeyEncrypted() throws Exception {
        TestCertificates certificates = TestCertificates.get();
        BrokerOptions options = withStores("--broker", "rocket", "--rocket-tls", "--truststore",
                certificates.trustStore().toString(), "--truststore-password-env", "STORE_PW", "--keystore",
                certificates.clientKeyStore().toString(), "--keystore-password-env", "STORE_PW");

        RocketConfig config = RocketMode.config(options);

        assertThat(config.tls()).isTrue();
        Path key = config.tlsClientKey().orElseThrow();
        assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        assertThat(Files.readString(config.tlsTrustedCertificates().orElseThrow()))
                .startsWith("-----BEGIN CERTIFICATE-----").containsOnlyOnce("BEGIN CERTIFICATE");
        for (Path file : new Path[] {key, config.tlsClientCertificate().orElseThrow(),
                config.tlsTrustedCertificates().orElseThrow()}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())))
                .isEqualTo("rwx------");
        assertThat(config.toString()).doesNotContain(certificates.password());
        assertThat(new RocketMode().endpoint(options)).isEqualTo("name server " + BrokerOptions.DEFAULT_NAMESRV
                + " over TLS with trust store " + certificates.trustStore() + ", key store "
                + certificates.clientKeyStore());
        assertThat(System.getProperty(RocketMode.NETTY_VERIFICATION_PROPERTY)).isEqualTo("NONE");
        assertThat(options.loginArgs()).contains("--rocket-tls");
    }

    @Test
    void aKeyStoreWithoutAPasswordShouldStillLeaveOnlyAnEncryptedKeyOnDisk(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.get();
        char[] password = certificates.password().toCharArray();
        KeyStore withPassword = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.clientKeyStore())) {
            withPassword.load(in, password);
        }
        KeyStore without = KeyStore.getInstance("PKCS12");
        without.load(null, null);
        for (String alias : Collections.list(withPassword.aliases())) {
            if (withPassword.isKeyEntry(alias)) {
                without.setKeyEntry(alias, withPassword.getKey(alias, password), new char[0],
                        withPassword.getCertificateChain(alias));
            }
        }
        Path store = dir.resolve("no-password.p12");
        try (OutputStream out = Files.newOutputStream(store)) {
            without.store(out, new char[0]);
        }
        BrokerOptions options = parse("--broker", "rocket", "--rocket-tls", "--truststore",
                certificates.trustStore().toString(), "--truststore-password-env", "STORE_PW", "--keystore",
                store.toString(), "--keystore-password-env", "EMPTY");
        options = options.tls(TlsSettings.of(options.tlsOptions(),
                Map.of("STORE_PW", certificates.password(), "EMPTY", "")::get));

        RocketConfig config = RocketMode.config(options);

        // a run killed with kill -9 leaves the file: it must not hold the key in clear
        assertThat(Files.readString(config.tlsClientKey().orElseThrow()))
                .startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----").doesNotContain("BEGIN PRIVATE KEY");
    }

    @Test
    void rocketTlsWithoutATrustStoreShouldTrustTheJvmsTrustStore() {
        TestCertificates certificates = TestCertificates.get();
        BrokerOptions options = withStores("--broker", "rocket", "--rocket-tls", "--keystore",
                certificates.clientKeyStore().toString(), "--keystore-password-env", "STORE_PW");

        assertThat(RocketMode.config(options).tlsTrustedCertificates()).isPresent();
        assertThat(new RocketMode().endpoint(options)).contains("over TLS with the JVM's trust store, key store ");
    }

    @Test
    void storesWithoutRocketTlsShouldLeaveRocketMqInPlainText() {
        TestCertificates certificates = TestCertificates.get();
        BrokerOptions options = withStores("--broker", "rocket", "--truststore", certificates.trustStore().toString(),
                "--truststore-password-env", "STORE_PW");

        assertThat(RocketMode.config(options).tls()).isFalse();
        assertThat(new RocketMode().endpoint(options)).isEqualTo("name server " + BrokerOptions.DEFAULT_NAMESRV);
    }

    @Test
    void aKeyStoreWithoutAKeyShouldBeRefusedNamingIt() {
        TestCertificates certificates = TestCertificates.get();
        BrokerOptions options = withStores("--broker", "rocket", "--rocket-tls", "--keystore",
                certificates.trustStore().toString(), "--keystore-password-env", "STORE_PW");

        assertThatThrownBy(() -> RocketMode.config(options)).isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--keystore " + certificates.trustStore() + " holds no private key")
                .hasMessageNotContaining(certificates.password());
    }
}
