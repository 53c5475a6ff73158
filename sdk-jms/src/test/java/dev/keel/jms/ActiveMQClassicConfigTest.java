package dev.keel.jms;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ActiveMQClassicConfigTest {

    @Test
    void toStringShouldNotShowThePassword() {
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom().url("ssl://host:61617")
                .credentials("app", "user-secret").build();

        assertThat(config.toString()).doesNotContain("user-secret").contains("ssl://host:61617", "username=app");
        assertThat(config.password()).contains("user-secret");
    }

    /**
     * Fifth adversarial review: a password in the URL reached the ActiveMQ client, which shows its URL in its own
     * ERROR logs (a failover: URL, at each attempt) and in its errors (a parameter it does not know, which Keel's
     * error then quoted). A URL holding a password is refused, saying where the password goes, without showing it.
     */
    @Test
    void aUrlHoldingAPasswordShouldBeRefusedWithoutShowingIt() {
        for (String url : new String[] {"tcp://h:61616?jms.password=url-secret",
                "ssl://h:61617?trustStorePassword=url-secret&x=1",
                "failover:(ssl://h:61617?socket.keyStorePassword=url-secret)?maxReconnectAttempts=0",
                "ssl://app:url-secret@h:61617"}) {
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not hold a password")
                    .hasMessageContaining("credentials(user, password)").hasMessageNotContaining("url-secret");
        }
        assertThat(ActiveMQClassicConfig.custom().url("tcp://h:61616?jms.userName=app&jms.prefetchPolicy.all=10")
                .build().url()).contains("jms.userName=app");
    }

    /**
     * Sixth review: ActiveMQ's client percent-decodes the query, then each parameter's name and value again
     * (URISupport.parseQuery), so an encoded name set the password while the check, on the URL as written, let it
     * through and toString showed it. Each of these logs in with S3CR3T; each is refused, naming the decoded parameter.
     */
    @Test
    void aPercentEncodedPasswordParameterShouldBeRefusedAsTheClientReadsIt() {
        for (String url : List.of("tcp://h:61616?jms.userName=admin&jms.passwor%64=S3CR3T",
                "tcp://h:61616?jms.%70assword=S3CR3T", "tcp://h:61616?jms.password%3DS3CR3T",
                "tcp://h:61616?jms.passwor%2564=S3CR3T", "tcp://h:61616?x=1%26jms.password%3DS3CR3T",
                "failover:(tcp://h:61616)?maxReconnectAttempts=0&jms.passwor%64=S3CR3T")) {
            assertThat(new ActiveMQConnectionFactory(url).getPassword()).as(url).isEqualTo("S3CR3T");
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must not hold a password (the parameter jms.password)")
                    .hasMessageNotContaining("S3CR3T");
        }
        for (String url : List.of("ssl://h:61617?socket.keyStore%50assword=S3CR3T",
                "failover:(ssl://h:61617?socket.trustStorePasswor%64=S3CR3T)?maxReconnectAttempts=0")) {
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not hold a password")
                    .hasMessageNotContaining("S3CR3T");
        }
        assertThat(ActiveMQClassicConfig.custom().url("tcp://h:61616?jms.clientID=orders%2D1").build().url())
                .endsWith("orders%2D1");
    }

    /** Sixth review: the refusal masked the value only up to a , or ), which the client reads as part of it. */
    @Test
    void theRefusalShouldShowNoPartOfThePassword() {
        assertThat(new ActiveMQConnectionFactory("tcp://h:61616?jms.password=PRE0,POSTLEAK").getPassword())
                .isEqualTo("PRE0,POSTLEAK");
        for (String url : List.of("tcp://h:61616?jms.password=PRE0,POSTLEAK", "tcp://h:61616?jms.password=PRE0)POSTLEAK",
                "failover:(tcp://h:61616)?maxReconnectAttempts=0&jms.password=PRE0,POSTLEAK",
                "tcp://h:61616?jms.password=PRE0 POSTLEAK")) {
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must not hold a password (the parameter jms.password)")
                    .hasMessageNotContaining("PRE0").hasMessageNotContaining("POSTLEAK");
        }
    }

    @Test
    void invalidValuesShouldBeRefusedAtOnceSayingWhatIsAllowed() {
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tcp://localhost:61616");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().sendLanes(0)).hasMessageContaining("[1, 64]");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().prefetch(0)).hasMessageContaining("[1, 32767]");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().maxMessageBytes(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().closeTimeout(Duration.ZERO))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().sendTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().credentials(" ", "x")).hasMessageContaining("blank");
    }

    @Test
    void aFailoverUrlShouldBeRefusedUnlessItLeavesReconnectingToKeel() {
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("failover:(tcp://a:61616,tcp://b:61616)"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxReconnectAttempts=0");
        assertThat(ActiveMQClassicConfig.custom()
                .url("failover:(tcp://a:61616,tcp://b:61616)?maxReconnectAttempts=0").build().url())
                .startsWith("failover:");
    }

    @Test
    void aConfigShouldEqualItsCopy() {
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom().url("tcp://h:1").sendLanes(2).prefetch(10)
                .prioritizedQueues(true).build();
        assertThat(ActiveMQClassicConfig.from(config).build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(ActiveMQClassicConfig.ofDefaults().url()).isEqualTo(ActiveMQClassicConfig.DEFAULT_URL);
    }

    @Test
    void storesShouldBeValidatedAtBuildSayingWhatToDo(@TempDir Path dir) throws Exception {
        Path store = pkcs12(dir.resolve("trust.p12"), "store-secret");
        Path missing = dir.resolve("missing.p12");

        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .trustStore(missing, "PKCS12", "store-secret").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustStore")
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist")
                .hasMessageNotContaining("store-secret");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .keyStore(missing, "PKCS12", "store-secret").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyStore")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .trustStore(store, "PKCS12", "wrong").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("could not be read")
                .hasMessageContaining("password").hasMessageNotContaining("wrong");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .trustStore(store, "NO-SUCH-TYPE", "store-secret").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NO-SUCH-TYPE");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .trustStore(dir, "PKCS12", "store-secret").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a file");
    }

    @Test
    void tlsMaterialWithAUrlWithoutTlsShouldBeRefusedAtBuild(@TempDir Path dir) throws Exception {
        Path store = pkcs12(dir.resolve("trust.p12"), "s");
        for (String url : List.of("tcp://h:61616", "failover:(ssl://a:61617,tcp://b:61616)?maxReconnectAttempts=0",
                "nio://h:61616")) {
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url).trustStore(store, "PKCS12", "s").build())
                    .as(url).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ssl://");
        }
        TrustManager[] managers = defaultTrustManagers();
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("tcp://h:61616").tlsManagers(null, managers)
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ssl://");
        for (String url : List.of("ssl://h:61617", "nio+ssl://h:61617",
                "failover:(ssl://a:61617,ssl://b:61617)?maxReconnectAttempts=0")) {
            assertThat(ActiveMQClassicConfig.custom().url(url).trustStore(store, "PKCS12", "s").build().trustStore())
                    .as(url).isPresent();
        }
    }

    @Test
    void storesAndManagersTogetherOrNeitherManagerShouldBeRefused(@TempDir Path dir) throws Exception {
        Path store = pkcs12(dir.resolve("trust.p12"), "s");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("ssl://h:61617").trustStore(store, "PKCS12", "s")
                .tlsManagers(null, defaultTrustManagers()).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("either");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().tlsManagers(null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().tlsManagers(new KeyManager[0], null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShouldMaskTheStoresPasswordsAndTheConfigShouldEqualItsCopy(@TempDir Path dir) throws Exception {
        Path trust = pkcs12(dir.resolve("trust.p12"), "trust-secret");
        Path key = pkcs12(dir.resolve("key.p12"), "key-secret");
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .trustStore(trust, "PKCS12", "trust-secret").keyStore(key, "pkcs12", "key-secret").build();

        assertThat(config.toString()).doesNotContain("trust-secret", "key-secret").contains(trust.toString(),
                key.toString(), "PKCS12", "****");
        assertThat(config.trustStore()).hasValueSatisfying(s -> {
            assertThat(s.path()).isEqualTo(trust);
            assertThat(s.password()).isEqualTo("trust-secret");
            assertThat(s.toString()).doesNotContain("trust-secret");
        });
        assertThat(config.keyStore()).hasValueSatisfying(s -> assertThat(s.type()).isEqualTo("pkcs12"));
        assertThat(ActiveMQClassicConfig.from(config).build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(config).isNotEqualTo(ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .trustStore(trust, "PKCS12", "trust-secret").build());

        TrustManager[] managers = defaultTrustManagers();
        ActiveMQClassicConfig byManagers = ActiveMQClassicConfig.custom().url("ssl://h:61617")
                .tlsManagers(null, managers).build();
        assertThat(byManagers.trustManagers()).isPresent();
        assertThat(byManagers.keyManagers()).isEmpty();
        assertThat(byManagers.toString()).contains("trustManagers=given", "keyManagers=none");
        assertThat(ActiveMQClassicConfig.from(byManagers).build()).isEqualTo(byManagers);
        assertThat(ActiveMQClassicConfig.ofDefaults().trustStore()).isEmpty();
        assertThat(ActiveMQClassicConfig.ofDefaults().toString()).contains("trustStore=none");
    }

    private static TrustManager[] defaultTrustManagers() throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return factory.getTrustManagers();
    }

    /** An empty PKCS12 store: enough for the config, which only reads it. */
    private static Path pkcs12(Path path, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (OutputStream out = Files.newOutputStream(path)) {
            store.store(out, password.toCharArray());
        }
        return path;
    }

    /**
     * Review (F7): user info whose password held a {@code ,} {@code /} {@code (} or {@code #} passed the check (the
     * pattern stopped at them) and toString showed it ({@code url=tcp://keel:S3,CRET@...}).
     */
    @Test
    void aUrlWithUserInfoShouldBeRefusedWhateverThePasswordHolds() {
        for (String url : new String[] {"tcp://keel:S3,CRET@127.0.0.1:61616", "tcp://keel:S3/CRET@127.0.0.1:61616",
            "failover:(tcp://keel:S3(CRET@127.0.0.1:61616)?maxReconnectAttempts=0", "tcp://keel:S3#CRET@127.0.0.1:61616"}) {
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user info")
                    .hasMessageNotContaining("CRET");
        }
    }
}
