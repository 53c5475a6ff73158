package dev.keel.kafka;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.Tag;

/**
 * The whole contract again on a real Kafka, every subscription a share group (unordered): delivery, duplicates,
 * retries, dead letters and their re-drive, bad input, crashes and closes, store outages, filters, delayed delivery
 * and receive-on-subscribe. What share groups rule out skips, naming the capability: key order
 * ({@code KEY_ORDERING}), broadcast, non-blocking retry and replay. Tagged {@code share}: it runs with
 * {@code -Pshare-groups} (by hand: README, "Tests"), not in the default build.
 */
@Tag("share")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupContractTest extends KafkaAdapterContractTest {

    @Override
    protected boolean shareGroups() {
        return true;
    }
}
