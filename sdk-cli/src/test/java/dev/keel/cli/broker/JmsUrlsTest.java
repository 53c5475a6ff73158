package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class JmsUrlsTest {

    private static final Set<String> CLASSIC_TCP = Set.of("tcp", "ssl", "nio");

    @Test
    void passwordParametersOfBothLinesShouldBeMaskedAndNothingElse() {
        assertThat(JmsUrls.redact("tcp://h:61616?jms.userName=app&jms.password=s3cret&trustStorePassword=x,y"))
                .isEqualTo("tcp://h:61616?jms.userName=app&jms.password=***&trustStorePassword=***");
        assertThat(JmsUrls.redact("(tcp://a:1,tcp://b:2)?ha=true&password=p)")).isEqualTo(
                "(tcp://a:1,tcp://b:2)?ha=true&password=***");
        assertThat(JmsUrls.redact("tcp://h:61616")).isEqualTo("tcp://h:61616");
    }

    /**
     * Sixth review: the header masked a value only up to a , or ) (the clients read both as part of it) and showed a
     * password parameter whose name was percent-encoded (the clients decode names, Classic's twice).
     */
    @Test
    void aPasswordParameterShouldBeMaskedToTheNextAmpersandHoweverItsNameIsEncoded() {
        for (String url : List.of("tcp://h:61616?jms.password=PRE0,S3CR3T", "tcp://h:61616?jms.password=PRE0)S3CR3T",
                "tcp://h:61616?jms.userName=admin&jms.passwor%64=S3CR3T", "tcp://h:61616?jms.%70assword=S3CR3T",
                "tcp://h:61616?jms.password%3DS3CR3T", "tcp://h:61616?jms.passwor%2564=S3CR3T",
                "failover:(ssl://h:61617?socket.trustStorePasswor%64=S3CR3T)?maxReconnectAttempts=0")) {
            assertThat(JmsUrls.redact(url)).as(url).doesNotContain("S3CR3T").doesNotContain("PRE0");
        }
        assertThat(JmsUrls.redact("tcp://h:61616?jms.userName=admin&jms.passwor%64=S3CR3T&x=1%26jms.password%3DS3&y=1"))
                .isEqualTo("tcp://h:61616?jms.userName=admin&***&x=***&y=1");
        assertThat(new ActiveMQClassicMode().endpoint(parse("--broker", "activemq", "--activemq-url",
                "tcp://h:61616?jms.passwor%64=S3CR3T"))).isEqualTo("tcp://h:61616?***");
    }

    /**
     * Review: a password under a look-alike name ({@code jms.pasword=}) is no password parameter, and the run header
     * showed it. An ActiveMQ Classic URL is shown with every query value masked.
     */
    @Test
    void aClassicUrlShouldBeShownWithEveryQueryValueMasked() {
        assertThat(new ActiveMQClassicMode().endpoint(parse("--broker", "activemq", "--activemq-url",
                "tcp://127.0.0.1:61616?jms.userName=orders&jms.pasword=Hunter2secret")))
                .isEqualTo("tcp://127.0.0.1:61616?jms.userName=***&jms.pasword=***");
        assertThat(new ActiveMQClassicMode().endpoint(parse("--broker", "activemq", "--activemq-url",
                "tcp://127.0.0.1:61616?jms.pa%C5%BFsword=s3cr3tC4"))).doesNotContain("s3cr3tC4");
    }

    @Test
    void connectorsShouldBeReadFromOneAnArtemisListAndAClassicFailoverUrl() {
        assertThat(JmsUrls.connectors("tcp://h:1234?x=y", Set.of("tcp")))
                .containsExactly(InetSocketAddress.createUnresolved("h", 1234));
        assertThat(JmsUrls.connectors("(tcp://a:1,tcp://[::1]:2,udp://231.7.7.7:9876)?ha=true", Set.of("tcp")))
                .containsExactly(InetSocketAddress.createUnresolved("a", 1),
                        InetSocketAddress.createUnresolved("::1", 2));
        assertThat(JmsUrls.connectors("failover:(tcp://a:1?soTimeout=5,ssl://b)?maxReconnectAttempts=0", CLASSIC_TCP))
                .containsExactly(InetSocketAddress.createUnresolved("a", 1),
                        InetSocketAddress.createUnresolved("b", JmsUrls.DEFAULT_PORT));
        assertThat(JmsUrls.connectors("vm://localhost?broker.persistent=false", CLASSIC_TCP)).isEmpty();
    }

    @Test
    void onlyOnePlainTcpConnectorOnALoopbackAddressShouldBeProxyable() {
        assertThat(JmsUrls.loopbackTcp("tcp://127.0.0.1:29616?wireFormat.maxInactivityDuration=0", List.of()))
                .hasValueSatisfying(a -> assertThat(a.getPort()).isEqualTo(29616));
        assertThat(JmsUrls.loopbackTcp("tcp://127.0.0.1:29616?ha=true", List.of("ha=true"))).isEmpty();
        assertThat(JmsUrls.loopbackTcp("failover:(tcp://127.0.0.1:29616)?maxReconnectAttempts=0", List.of()))
                .isEmpty();
        assertThat(JmsUrls.loopbackTcp("ssl://127.0.0.1:29616", List.of())).isEmpty();
        assertThat(JmsUrls.loopbackTcp("tcp://192.0.2.1:61616", List.of())).isEmpty();
    }

    @Test
    void aUrlThroughAProxyShouldKeepItsParameters() {
        assertThat(JmsUrls.through("tcp://127.0.0.1:29616?jms.prefetchPolicy.all=10", "127.0.0.1", 40000))
                .isEqualTo("tcp://127.0.0.1:40000?jms.prefetchPolicy.all=10");
        assertThat(JmsUrls.through("tcp://localhost:29616", "127.0.0.1", 40000)).isEqualTo("tcp://127.0.0.1:40000");
    }

    private static BrokerOptions parse(String... args) {
        BrokerOptions options = new BrokerOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }
}
