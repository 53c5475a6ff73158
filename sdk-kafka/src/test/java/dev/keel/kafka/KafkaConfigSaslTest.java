package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Provider;
import java.security.Security;
import java.util.Map;
import javax.security.auth.callback.CallbackHandler;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslClientFactory;
import org.junit.jupiter.api.Test;

/**
 * SASL settings that cannot work, refused when the configuration is built. Review (F5): {@code sasl.mechanism=BOGUS-MECH}
 * (or a {@code PlainLoginModule} line under {@code SCRAM-SHA-512}) on a real {@code SASL_SSL} broker made the first
 * publish wait 30 s and fail with a retriable timeout, and topology and subscribe report the broker unavailable,
 * while kafka-clients logged "Failed to create SaslClient" dozens of times: waiting does not cure it.
 */
class KafkaConfigSaslTest {

    private static final String PASSWORD = "pw-S3CRET-9";
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final String OAUTH = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    private static final String KRB5 = "com.sun.security.auth.module.Krb5LoginModule";

    private static String jaas(String loginModule) {
        return loginModule + " required username=\"orders\" password=\"" + PASSWORD + "\";";
    }

    private static KafkaConfig.Builder sasl(String protocol, Map<String, String> properties) {
        return KafkaConfig.custom().bootstrapServers("h:1").property("security.protocol", protocol)
                .properties(properties);
    }

    @Test
    void aMechanismNeitherKafkaNorTheJvmOffersShouldBeRefusedNamingTheMechanismsAvailable() {
        for (String protocol : new String[] {"SASL_SSL", "SASL_PLAINTEXT", " sasl_ssl "}) {
            KafkaConfig.Builder b = sasl(protocol, Map.of("sasl.mechanism", "BOGUS-MECH",
                    "sasl.jaas.config", jaas(SCRAM)));
            assertThatThrownBy(b::build).as(protocol).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sasl.mechanism").hasMessageContaining("BOGUS-MECH")
                    .hasMessageContaining("GSSAPI").hasMessageContaining("PLAIN").hasMessageContaining("SCRAM-SHA-256")
                    .hasMessageContaining("SCRAM-SHA-512").hasMessageContaining("OAUTHBEARER")
                    .hasMessageNotContaining(PASSWORD).hasMessageNotContaining("orders");
        }
    }

    @Test
    void aMechanismInTheWrongCaseShouldBeRefusedSayingNamesAreCaseSensitive() {
        assertThatThrownBy(sasl("SASL_SSL", Map.of("sasl.mechanism", "scram-sha-512", "sasl.jaas.config",
                jaas(SCRAM)))::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'scram-sha-512'").hasMessageContaining("SCRAM-SHA-512")
                .hasMessageContaining("case");
    }

    @Test
    void anUnknownMechanismWithoutAJaasConfigShouldStillBeRefused() {
        // a JAAS file given by java.security.auth.login.config: only the mechanism can be checked
        assertThatThrownBy(sasl("SASL_PLAINTEXT", Map.of("sasl.mechanism", "BOGUS-MECH"))::build)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BOGUS-MECH");
        assertThatCode(sasl("SASL_PLAINTEXT", Map.of("sasl.mechanism", "SCRAM-SHA-512"))::build)
                .doesNotThrowAnyException();
    }

    @Test
    void aMechanismOfaSaslClientFactoryRegisteredInTheJvmShouldBeAccepted() {
        // the JDK's own factories offer DIGEST-MD5 and CRAM-MD5
        assertThatCode(sasl("SASL_SSL", Map.of("sasl.mechanism", "DIGEST-MD5"))::build).doesNotThrowAnyException();
        Provider provider = new Provider("KeelTestSasl", "1", "a custom SASL mechanism") {
            private static final long serialVersionUID = 1L;
            {
                put("SaslClientFactory.KEEL-CUSTOM-MECH", CustomMechanismFactory.class.getName());
            }
        };
        assertThatThrownBy(sasl("SASL_SSL", Map.of("sasl.mechanism", "KEEL-CUSTOM-MECH"))::build)
                .isInstanceOf(IllegalArgumentException.class);
        Security.addProvider(provider);
        try {
            assertThatCode(sasl("SASL_SSL", Map.of("sasl.mechanism", "KEEL-CUSTOM-MECH", "sasl.jaas.config",
                    jaas(PLAIN)))::build).doesNotThrowAnyException();
        } finally {
            Security.removeProvider(provider.getName());
        }
    }

    @Test
    void aKafkaLoginModuleOfAnotherMechanismShouldBeRefusedNamingTheModuleTheMechanismNeeds() {
        String[][] cases = {
            {"SCRAM-SHA-512", PLAIN, SCRAM},
            {"SCRAM-SHA-256", OAUTH, SCRAM},
            {"PLAIN", SCRAM, PLAIN},
            {"OAUTHBEARER", PLAIN, OAUTH},
            {"GSSAPI", SCRAM, KRB5},
            {"PLAIN", KRB5, PLAIN}};
        for (String[] c : cases) {
            assertThatThrownBy(sasl("SASL_SSL", Map.of("sasl.mechanism", c[0], "sasl.jaas.config", jaas(c[1])))::build)
                    .as(c[0] + " with " + c[1]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sasl.jaas.config").hasMessageContaining("sasl.mechanism")
                    .hasMessageContaining(c[0]).hasMessageContaining(c[1]).hasMessageContaining(c[2])
                    .hasMessageNotContaining(PASSWORD).hasMessageNotContaining("orders")
                    .hasMessageNotContaining("required");
        }
    }

    @Test
    void aKafkaLoginModuleWithoutAMechanismShouldBeRefusedSinceTheDefaultIsGssapi() {
        assertThatThrownBy(sasl("SASL_SSL", Map.of("sasl.jaas.config", jaas(PLAIN)))::build)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sasl.mechanism")
                .hasMessageContaining("GSSAPI").hasMessageContaining("PLAIN").hasMessageNotContaining(PASSWORD);
    }

    @Test
    void eachKafkaMechanismWithItsOwnLoginModuleShouldBeAccepted() {
        String[][] cases = {
            {"SCRAM-SHA-512", SCRAM}, {"SCRAM-SHA-256", SCRAM}, {"PLAIN", PLAIN}, {"OAUTHBEARER", OAUTH},
            {"GSSAPI", KRB5}, {" PLAIN ", " " + PLAIN}, {"PLAIN", "com.example.VaultLoginModule"}};
        for (String[] c : cases) {
            assertThatCode(sasl("SASL_SSL", Map.of("sasl.mechanism", c[0], "sasl.jaas.config", jaas(c[1])))::build)
                    .as(c[0] + " with " + c[1]).doesNotThrowAnyException();
        }
    }

    @Test
    void saslSettingsShouldNotBeCheckedWhenTheProtocolIsNotSasl() {
        // kafka-clients ignores them there
        assertThatCode(KafkaConfig.custom().bootstrapServers("h:1").property("sasl.mechanism", "BOGUS-MECH")
                .property("sasl.jaas.config", jaas(PLAIN))::build).doesNotThrowAnyException();
        assertThatCode(sasl("SSL", Map.of("sasl.mechanism", "BOGUS-MECH"))::build).doesNotThrowAnyException();
    }

    @Test
    void theSettingsShouldBeCheckedTogetherWhateverTheirOrder() {
        KafkaConfig.Builder b = KafkaConfig.custom().bootstrapServers("h:1").property("sasl.jaas.config", jaas(PLAIN))
                .property("sasl.mechanism", "SCRAM-SHA-512");
        assertThatCode(b::build).doesNotThrowAnyException();
        assertThatThrownBy(b.property("security.protocol", "SASL_SSL")::build)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ScramLoginModule");
    }

    /** A SASL client factory for a mechanism of the user's own, registered through a security provider. */
    public static final class CustomMechanismFactory implements SaslClientFactory {
        @Override
        public SaslClient createSaslClient(String[] mechanisms, String authorizationId, String protocol,
                String serverName, Map<String, ?> props, CallbackHandler cbh) {
            return null;
        }

        @Override
        public String[] getMechanismNames(Map<String, ?> props) {
            return new String[] {"KEEL-CUSTOM-MECH"};
        }
    }
}
