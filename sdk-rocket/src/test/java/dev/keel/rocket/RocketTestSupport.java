package dev.keel.rocket;

import dev.keel.testbrokers.Brokers;
import dev.keel.KeelHeaders;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.UniqueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * The adapter configuration of this module's tests: the harness's RocketMQ and quick commits, with
 * RocketMQ's own rebalance period (what applications get), so a consumer that needs a rebalance
 * before it receives shows in the tests. Tests about group changes ask for {@link #quickRebalances()}.
 */
final class RocketTestSupport {

    /** A rebalance period short enough that group changes show within the tests' patience, without sleeping. */
    static final Duration TEST_REBALANCE_INTERVAL = Duration.ofMillis(500);

    private RocketTestSupport() {
    }

    static RocketConfig.Builder config() {
        return RocketConfig.custom().nameServer(Brokers.rocket().nameServerAddress()).clientId("keel-test")
                .commitInterval(Duration.ofMillis(200));
    }

    /** {@link #config()} with consumers that also rebalance every {@link #TEST_REBALANCE_INTERVAL}. */
    static RocketConfig.Builder quickRebalances() {
        return config().rebalanceInterval(TEST_REBALANCE_INTERVAL);
    }

    /**
     * An adapter of {@link #config()} that waits up to 30 s for what the name server does not know yet: a broker it
     * dropped registers again within its 10 s heartbeat, which a loaded machine can stretch past the default 10 s.
     */
    static RocketAdapter adapter() {
        return new RocketAdapter(config().adminTimeout(Duration.ofSeconds(30)).build());
    }

    /** Whether the harness's name server has a master broker registered now (asked with a plain admin client). */
    static boolean nameServerKnowsAMaster() throws Exception {
        DefaultMQAdminExt tools = new DefaultMQAdminExt(5_000);
        tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        tools.setInstanceName(unique("masters"));
        tools.start();
        try {
            return tools.examineBrokerClusterInfo().getBrokerAddrTable().values().stream()
                    .anyMatch(broker -> broker.getBrokerAddrs().containsKey(MixAll.MASTER_ID));
        } finally {
            tools.shutdown();
        }
    }

    /** A topic (or group) name unique to this run, legal on RocketMQ. */
    static String unique(String prefix) {
        return UniqueNames.of(prefix).replace('.', '-');
    }

    /** A record as the engine would hand it over: Keel's id and key headers plus one application header. */
    static OutboundRecord record(String topic, String id, String key, String payload) {
        Map<String, String> headers = new HashMap<>();
        headers.put(KeelHeaders.ID, id);
        if (key != null) {
            headers.put(KeelHeaders.KEY, key);
        }
        headers.put("app", "ünïcode");
        return new OutboundRecord(topic, id, key, headers, payload.getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochMilli(1_700_000_000_000L));
    }

    static String text(InboundRecord record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}
