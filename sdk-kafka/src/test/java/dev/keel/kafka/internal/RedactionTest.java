package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.kafka.KafkaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which client property values {@link Redaction} masks in {@code KafkaConfig.toString()} and logs. */
class RedactionTest {

    private static final String SECRET = "s3cr3t-v4lue";

    @ParameterizedTest
    @ValueSource(strings = {
            "basic.auth.user.info",                                 // Schema Registry user:password
            "schema.registry.basic.auth.user.info",
            "sasl.jaas.config",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.truststore.password",
            "ssl.keystore.key",                                     // PEM private key
            "sasl.oauthbearer.client.credentials.client.secret",
            "sasl.oauthbearer.client.credentials.client.id",
            "sasl.oauthbearer.assertion.private.key.passphrase",
            "bearer.auth.token",
            "bearer.auth.credentials.source",
            "aws.secret.access.key",
            "my.api.key",
            "my.apikey",                                            // no client setting: its value is not known
            "schema.registry.url",
            "ssl.keystore.pasword",
            "SSL.Key.Password",
            "Basic.Auth.User.Info",
    })
    void propertiesHoldingSecretsShouldBeMaskedInToString(String name) {
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("h:1").property(name, SECRET).build();

        assertThat(Redaction.isSensitive(name)).as(name).isTrue();
        assertThat(config.toString()).contains(name + "=" + Redaction.MASK).doesNotContain(SECRET);
    }

    /**
     * Review: a client setting whose name holds no secret word but whose value is a URL with user info
     * ({@code sasl.oauthbearer.jwks.endpoint.url}) was shown whole; its user info is masked, the rest stays readable.
     */
    @Test
    void aUrlWithUserInfoInAnOrdinarySettingShouldShowNoUserInfo() {
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("h:1")
                .property("sasl.oauthbearer.jwks.endpoint.url", "https://client:" + SECRET + "@idp.example/jwks")
                .build();

        assertThat(config.toString()).contains("sasl.oauthbearer.jwks.endpoint.url=https://****@idp.example/jwks")
                .doesNotContain(SECRET).doesNotContain("client:");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "security.protocol",
            "sasl.mechanism",
            "ssl.keystore.location",
            "ssl.keystore.type",
            "ssl.truststore.location",
            "ssl.keymanager.algorithm",
            "ssl.endpoint.identification.algorithm",
            "partitioner.ignore.keys",
            "compression.type",
            "sasl.kerberos.service.name",
    })
    void ordinaryPropertiesShouldStayReadable(String name) {
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("h:1").property(name, "plain-value").build();

        assertThat(Redaction.isSensitive(name)).as(name).isFalse();
        assertThat(config.toString()).contains(name + "=plain-value");
    }
}
