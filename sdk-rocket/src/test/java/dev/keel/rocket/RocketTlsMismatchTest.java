package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.faults.DroppingListener;
import dev.keel.testbrokers.SecuredRocket;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A plaintext adapter pointed at name servers that speak TLS only ({@link SecuredRocket#localOverTls()},
 * {@code tls.server.mode=enforcing}): rocketmq-client reports only a request it could not send, as it does when the
 * name server is away; Keel then asks the name server and reports a non-retriable {@link AccessRefusedException}
 * naming it and what to check, for topology, a publish and a subscribe alike. A listener that accepts and drops the
 * connection without answering (a name server going away) stays a retriable outage.
 */
@Tag("secured")
class RocketTlsMismatchTest {

    private final String topic = "keel-mismatch-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void plaintextAtATlsOnlyNameServerShouldBeRefusedNamingIt() {
        SecuredRocket overTls = SecuredRocket.localOverTls();
        String what = "the RocketMQ name server at " + overTls.nameServer() + " is a TLS listener";
        try (RocketAdapter adapter = new RocketAdapter(RocketAccessRefusedTest.config(overTls)
                .credentials(overTls.adminUser(), overTls.adminPassword()).sendTimeout(Duration.ofSeconds(5))
                .adminTimeout(Duration.ofSeconds(8)).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build()))
                    .isInstanceOfSatisfying(AccessRefusedException.class, e -> assertThat(e.isRetriable()).isFalse())
                    .hasMessageContaining(what).hasMessageContaining("RocketConfig tls(...)")
                    .hasMessageContaining("retrying cannot help").hasMessageNotContaining(overTls.adminPassword());
            assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                    .isInstanceOf(AccessRefusedException.class).hasMessageContaining(what);
            Throwable subscribe = catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic, "g",
                    Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { }));
            assertThat(subscribe).isInstanceOf(AccessRefusedException.class).hasMessageContaining(what);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    /** A listener that takes the connection and closes it at once, answering nothing: a name server going away. */
    @Test
    void aNameServerThatDropsTheConnectionShouldStayARetriableOutage() throws IOException {
        try (DroppingListener dropping = DroppingListener.start()) {
            try (RocketAdapter adapter = new RocketAdapter(RocketConfig.custom()
                    .nameServer("127.0.0.1:" + dropping.port()).clientId("keel-mismatch")
                    .sendTimeout(Duration.ofSeconds(5)).adminTimeout(Duration.ofSeconds(5)).build());
                 Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
                assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                        .isInstanceOfSatisfying(KeelException.class, e -> assertThat(e.isRetriable()).isTrue())
                        .isNotInstanceOf(AccessRefusedException.class).hasMessageNotContaining("listener");
            }
        }
    }
}
