package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the CLI says of a Kafka client of its own (the raw baselines, the admin of {@code keel dlq}) that refuses its
 * settings: the client's reason without any part of a secret. The client refuses before it connects: no broker.
 */
class ClientConfigRefusalsTest {

    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule ";

    /** Review F2: the JAAS parser's message quotes a token of the line, here part of the password. */
    @ParameterizedTest
    @ValueSource(strings = {SCRAM + "required username=\"alice\" password=SEKRIT first;",
            SCRAM + "required username=\"u\" \"SEKRIT-jaaskey\";", SCRAM + "SEKRIT-j4 username=\"u\";"})
    void aJaasLineTheClientCannotParseShouldBeSaidWithoutItsTokens(String line) {
        Throwable failure = creating(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", line));

        assertThat(ClientConfigRefusals.of(failure)).hasValueSatisfying(said -> assertThat(said)
                .contains("the Kafka client refused its configuration").contains("sasl.jaas.config could not be parsed")
                .doesNotContain("SEKRIT").doesNotContain("first"));
    }

    /** Review F1: the client quotes the token endpoint's URL with its user info. */
    @ParameterizedTest
    @ValueSource(strings = {"https://cid:SEKRIT-oauth-url@127.0.0.1:1/token"})
    void aTokenEndpointUrlShouldBeSaidWithoutItsUserInfo(String url) {
        Throwable failure = creating(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "OAUTHBEARER",
                "sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
                "sasl.login.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
                "sasl.oauthbearer.token.endpoint.url", url));

        assertThat(ClientConfigRefusals.of(failure)).hasValueSatisfying(said -> assertThat(said)
                .contains("sasl.oauthbearer.token.endpoint.url").doesNotContain("SEKRIT").doesNotContain("cid:"));
    }

    private static Throwable creating(Map<String, String> settings) {
        Map<String, Object> properties = new HashMap<>(settings);
        properties.put("bootstrap.servers", "127.0.0.1:9");
        Throwable failure = catchThrowable(() -> Admin.create(properties).close());
        assertThat(failure).as("the client refuses its settings").isNotNull();
        return failure;
    }
}
