package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testkit.contract.ConcurrentBrokerContract;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Tag;

/**
 * The contract's core half (per-key order, retries, crashes of consumers, group changes, re-drive) on the secured
 * Kafka's SASL_SSL listener: SCRAM-SHA-512 over TLS with client certificates and host name verification, as a user
 * allowed everything on topics and groups (the tests make topics and groups of their own; least privileges are
 * {@link KafkaTlsContractTest}'s and {@link KafkaAccessRefusedTest}'s). The faults the contract injects through a
 * {@code FaultInjectable} adapter are skipped, naming it, as on the plaintext listener.
 */
@Tag("secured")
class KafkaCoreOverTlsContractTest extends ConcurrentBrokerContract {

    private static final String USER = "keel-core-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static boolean userCreated;

    private final SecuredKafka kafka = SecuredKafka.local();

    @Override
    protected BrokerAdapter createAdapter() {
        synchronized (KafkaCoreOverTlsContractTest.class) {
            if (!userCreated) {
                kafka.putUser(USER, PASSWORD);
                kafka.allow(USER, ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL);
                kafka.allow(USER, ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL);
                userCreated = true;
            }
        }
        TestCertificates tls = TestCertificates.get();
        return new KafkaAdapter(KafkaTestSupport.config(kafka.saslSslBootstrapServers())
                .properties(kafka.tlsClientProperties(USER, PASSWORD, tls.trustStore(), tls.clientKeyStore())).build());
    }
}
