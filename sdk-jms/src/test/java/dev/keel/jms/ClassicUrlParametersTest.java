package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.jms.internal.JmsErrors;
import jakarta.jms.JMSException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review: a password under a misspelled or look-alike parameter name ({@code jms.pasword=}, {@code jms.pa%C5%BFsword=})
 * is no password parameter, so the URL passed Keel's check; then {@code toString()} showed it, and the Classic client's
 * own refusals ({@code Unknown parameters=[{pasword=...}]}, {@code Invalid connect parameters: {...}}) were passed on
 * with the value, the second as "the broker refused an operation".
 */
class ClassicUrlParametersTest {

    @Test
    void toStringShouldMaskTheValueOfEveryQueryParameter() {
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom()
                .url("tcp://127.0.0.1:61616?jms.clientID=Hunter2secret&wireFormat.maxInactivityDuration=30000")
                .build();

        assertThat(config.toString()).doesNotContain("Hunter2secret").doesNotContain("30000")
                .contains("tcp://127.0.0.1:61616?jms.clientID=****&wireFormat.maxInactivityDuration=****");
        assertThat(config.url()).contains("Hunter2secret"); // the client still gets it
    }

    @Test
    void aJmsParameterTheClientDoesNotAcceptShouldBeRefusedAtOnceNamingItWithoutItsValue() {
        for (List<String> urlNameSecret : List.of(
                List.of("tcp://127.0.0.1:61616?jms.userName=orders&jms.pasword=Hunter2secret", "jms.pasword",
                        "Hunter2secret"),
                List.of("tcp://127.0.0.1:61616?jms.pa%C5%BFsword=s3cr3tC4", "jms.pa", "s3cr3tC4"),
                List.of("failover:(tcp://127.0.0.1:61616)?maxReconnectAttempts=0&jms.pasword=s3cr3tF0",
                        "jms.pasword", "s3cr3tF0"))) {
            String url = urlNameSecret.get(0);
            assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(url).build()).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(urlNameSecret.get(1)).hasMessageContaining("does not accept")
                    .hasMessageNotContaining(urlNameSecret.get(2)).hasMessageNotContaining("Unknown parameters")
                    .satisfies(e -> assertThat(e.getCause()).isNull());
        }
        assertThat(ActiveMQClassicConfig.custom().url("tcp://h:61616?jms.userName=app&jms.prefetchPolicy.all=10")
                .build().url()).contains("jms.prefetchPolicy.all=10");
    }

    @Test
    void theClientsRefusalOfTheUrlsParametersShouldNameThemWithoutValuesAndNotBlameTheBroker() {
        JMSException refused = new JMSException("Could not create Transport. Reason: java.lang."
                + "IllegalArgumentException: Invalid connect parameters: {jms.pa\u017fsword=s3cr3tC4, socket.x=y2}");
        refused.initCause(new IllegalArgumentException("Invalid connect parameters: {jms.pa\u017fsword=s3cr3tC4, "
                + "socket.x=y2}"));
        JmsErrors errors = new JmsErrors(null, null);

        for (KeelException e : List.of(errors.ofTopology("orders", refused), errors.ofConsume("orders", refused),
                errors.ofSend("orders", refused))) {
            assertThat(e).isInstanceOf(TopologyException.class);
            assertThat(e.isRetriable()).isFalse();
            assertThat(e.getMessage()).contains("jms.pa\u017fsword").contains("socket.x").contains("client")
                    .contains("url").doesNotContain("s3cr3tC4").doesNotContain("y2")
                    .doesNotContain("the broker refused");
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain("s3cr3tC4");
            }
        }
    }

    /**
     * A parameter of the transport's that is none ({@code pasword=}) is left to the transport, which refuses it at the
     * connection, before it reaches a broker (none listens here): Keel's error names it without its value and says the
     * client, not the broker, refused the url; not retriable.
     */
    @Test
    void aTransportParameterTheClientRefusesAtConnectionShouldBeNamedWithoutItsValue() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom()
                .url("tcp://127.0.0.1:" + port + "?pasword=s3cr3tT2").build();
        try (ActiveMQClassicAdapter adapter = new ActiveMQClassicAdapter(config)) {
            assertThatThrownBy(() -> adapter.ensureTopology(TopicSpec.builder("orders").partitions(1).group("g")
                    .build()))
                    .isInstanceOfSatisfying(TopologyException.class, e -> {
                        assertThat(e.isRetriable()).isFalse();
                        assertThat(e.getMessage()).contains("pasword").contains("not the broker")
                                .doesNotContain("s3cr3tT2");
                        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                            assertThat(String.valueOf(t.getMessage())).doesNotContain("s3cr3tT2");
                        }
                    });
        }
        assertThat(config.toString()).doesNotContain("s3cr3tT2");
    }
}
