package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How {@link ClientSetupFailures} says why a broker client refused its settings: the client's reason, never a secret
 * of the settings. The failures are built as kafka-clients raises them (its messages and, for the JAAS parser, the
 * class that throws), so no Kafka is needed.
 */
class ClientSetupFailuresTest {

    /** The client's package, as {@code "org.apache.kafka."} is kafka-clients': its exceptions are {@link ClientException}s. */
    private static final String KAFKA = ClientSetupFailuresTest.class.getName() + "$";

    @Test
    void aUrlsUserInfoInTheClientsReasonShouldBeMasked() {
        Throwable failure = creation(new IllegalStateException("The class DefaultJwtRetriever defined in the "
                + "sasl.oauthbearer.jwt.retriever.class configuration encountered an error on configure(): Invalid value "
                + "https://cid:SEKRIT-oauth-url@127.0.0.1:1/token for configuration sasl.oauthbearer.token.endpoint.url: "
                + "The URL cannot be accessed due to restrictions."));

        String reason = ClientSetupFailures.reason(failure, KAFKA);

        assertThat(reason).doesNotContain("SEKRIT").doesNotContain("cid:")
                .contains("for configuration sasl.oauthbearer.token.endpoint.url")
                .contains("The URL cannot be accessed due to restrictions");
        assertThat(ClientSetupFailures.mask("see http://user:SEKRIT@h:1/x and ftp://SEKRIT@h")).isEqualTo(
                "see http://" + UrlPasswords.MASK + "@h:1/x and ftp://" + UrlPasswords.MASK + "@h");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.jwks.endpoint.url",
            "ssl.key.password", "sasl.oauthbearer.client.credentials.client.secret", "basic.auth.user.info",
            "ssl.keystore.key", "sasl.jaas.config", "schema.registry.uri"})
    void theValueOfASecretOrUrlSettingShouldNotBeQuoted(String setting) {
        String reason = ClientSetupFailures.mask("Invalid value SEKRIT-v for configuration " + setting + ": no good");

        assertThat(reason).doesNotContain("SEKRIT").contains("for configuration " + setting + ": no good");
    }

    @Test
    void theValueOfAnOrdinarySettingShouldStayQuoted() {
        assertThat(ClientSetupFailures.mask("Invalid value bogus for configuration compression.type: String must be "
                + "one of: none, gzip")).isEqualTo("Invalid value bogus for configuration compression.type: String must "
                + "be one of: none, gzip");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Value not specified for key 'first' in JAAS config",
            "Value not specified for key 'SEKRIT-jaaskey' in JAAS config",
            "Invalid login module control flag 'SEKRIT-j4' in JAAS config"})
    void theJaasParsersTokensShouldNeverBeQuoted(String parserMessage) {
        Throwable failure = creation(jaasParser(parserMessage));

        String reason = ClientSetupFailures.reason(failure, KAFKA);

        assertThat(reason).contains("sasl.jaas.config could not be parsed").contains("LoginModule class")
                .contains("required").contains("double quotes").contains(";")
                .doesNotContain("SEKRIT").doesNotContain("first").doesNotContain("'");
    }

    @Test
    void aJaasParserMessageWithoutATokenShouldBeSaid() {
        Throwable failure = creation(jaasParser("JAAS config entry not terminated by semi-colon"));

        assertThat(ClientSetupFailures.reason(failure, KAFKA)).contains("sasl.jaas.config could not be parsed")
                .contains("not terminated by semi-colon");
    }

    @Test
    void theSanitizedCauseShouldHoldNoTokenInAnyMessageYetNameEachClass() {
        Throwable failure = creation(jaasParser("Value not specified for key 'SEKRIT-first' in JAAS config"));

        Throwable sanitized = ClientSetupFailures.sanitized(failure, KAFKA);

        String printed = printed(sanitized);
        assertThat(printed).doesNotContain("SEKRIT").contains(ClientException.class.getName())
                .contains("java.lang.IllegalArgumentException").contains("sasl.jaas.config could not be parsed")
                .contains("JaasConfig.parseAppConfigurationEntry");
        Throwable url = ClientSetupFailures.sanitized(creation(new IllegalStateException(
                "Invalid value https://cid:SEKRIT@h/t for configuration sasl.oauthbearer.token.endpoint.url")), KAFKA);
        assertThat(printed(url)).doesNotContain("SEKRIT");
    }

    @Test
    void aStoreFileThatDoesNotExistShouldBeSaidWithItsSetting() {
        Throwable failure = creation(store("Failed to load SSL keystore /nonexistent/t.p12 of type JKS",
                new NoSuchFileException("/nonexistent/t.p12")));

        String reason = ClientSetupFailures.reason(failure, KAFKA,
                Map.of("ssl.truststore.location", "/nonexistent/t.p12", "ssl.truststore.password", "SEKRIT"));

        assertThat(reason).contains("ssl.truststore.location").contains("/nonexistent/t.p12")
                .contains("does not exist").doesNotContain("keystore").doesNotContain("SEKRIT");
        assertThat(ClientSetupFailures.reason(failure, KAFKA)).contains("/nonexistent/t.p12").contains("does not exist");
    }

    @Test
    void aStoreFileThatIsNoStoreOfItsTypeShouldBeSaid() {
        Throwable eof = creation(store("Failed to load SSL keystore /tmp/g.p12 of type PKCS12", new EOFException()));
        Throwable jks = creation(store("Failed to load SSL keystore /tmp/g.p12 of type JKS",
                new IOException("Invalid keystore format")));

        assertThat(ClientSetupFailures.reason(eof, KAFKA, Map.of("ssl.keystore.location", "/tmp/g.p12")))
                .contains("ssl.keystore.location").contains("/tmp/g.p12").contains("not a PKCS12 key store")
                .contains("damaged");
        assertThat(ClientSetupFailures.reason(jks, KAFKA, Map.of("ssl.truststore.location", "/tmp/g.p12")))
                .contains("ssl.truststore.location").contains("not a JKS key store").contains("Invalid keystore format");
    }

    /** The client's creation failing on {@code reason}, as kafka-clients wraps it. */
    private static Throwable creation(Throwable reason) {
        return new ClientException("Failed to create new KafkaAdminClient",
                new ClientException("Failed to create new NetworkClient", reason));
    }

    /** What kafka-clients' JAAS parser throws: an IllegalArgumentException from its JaasConfig. */
    private static IllegalArgumentException jaasParser(String message) {
        IllegalArgumentException e = new IllegalArgumentException(message);
        e.setStackTrace(new StackTraceElement[] {new StackTraceElement("org.apache.kafka.common.security.JaasConfig",
                "parseAppConfigurationEntry", "JaasConfig.java", 116)});
        return e;
    }

    private static Throwable store(String message, IOException cause) {
        return new ClientException(message, cause);
    }

    /** Stands for kafka-clients' KafkaException. */
    static final class ClientException extends RuntimeException {
        ClientException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out + " " + t;
    }
}
