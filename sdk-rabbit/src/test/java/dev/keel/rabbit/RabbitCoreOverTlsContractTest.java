package dev.keel.rabbit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.ConcurrentBrokerContract;
import org.junit.jupiter.api.Tag;

/**
 * The contract's core half (per-key order, retries, crashes of consumers, group changes, re-drive) on the harness's
 * private RabbitMQ node's TLS listener (verify_peer, fail_if_no_peer_cert; host name verification on), as the
 * harness's user (the tests make exchanges and queues of their own; least privileges are
 * {@link RabbitTlsContractTest}'s). The faults the contract injects through a {@code FaultInjectable} adapter are
 * skipped, naming it, as on the plaintext listener.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class RabbitCoreOverTlsContractTest extends ConcurrentBrokerContract {

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();

    @Override
    protected BrokerAdapter createAdapter() {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node (its TLS listener)");
        return new RabbitAdapter(RabbitTestSupport.config().host(rabbit.host()).port(rabbit.tlsPort())
                .sslContext(TestCertificates.get().clientContext()).build());
    }
}
