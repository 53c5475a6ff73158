package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JmsUrlsTest {

    private static final Set<String> CLASSIC_TCP = Set.of("tcp", "ssl", "nio");

    @Test
    void passwordParametersOfBothLinesShouldBeMaskedAndNothingElse() {
        assertThat(JmsUrls.redact("tcp://h:61616?jms.userName=app&jms.password=s3cret&trustStorePassword=x,y"))
                .isEqualTo("tcp://h:61616?jms.userName=app&jms.password=***&trustStorePassword=***,y");
        assertThat(JmsUrls.redact("(tcp://a:1,tcp://b:2)?ha=true&password=p)")).isEqualTo(
                "(tcp://a:1,tcp://b:2)?ha=true&password=***)");
        assertThat(JmsUrls.redact("tcp://h:61616")).isEqualTo("tcp://h:61616");
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
}
