package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.HeaderFilter;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.spi.ConsumerSettings;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subscription with a header filter on a broker that does not filter by properties fails at once
 * with a {@link TopologyException} saying how to enable it, instead of delivering unfiltered. The
 * harness's broker runs with {@code enablePropertyFilter=true}; this test turns it off for a moment
 * (a broker configuration update) and back on.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketFilterRefusedTest {

    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final DefaultMQAdminExt tools = new DefaultMQAdminExt(10_000);

    @BeforeEach
    void startTools() throws Exception {
        tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        tools.setInstanceName(RocketTestSupport.unique("filter-tools"));
        tools.start();
    }

    @AfterEach
    void close() throws Exception {
        try {
            setPropertyFilter(true);
        } finally {
            tools.shutdown();
            adapter.close();
        }
    }

    @Test
    void filteredSubscriptionShouldFailWhenTheBrokerDoesNotFilterByProperties() throws Exception {
        String topic = RocketTestSupport.unique("filter-off");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
        setPropertyFilter(false);
        ConsumerSettings settings = new ConsumerSettings(topic, "g", 16, Duration.ofSeconds(5), Optional.empty(),
                Optional.of(HeaderFilter.equalTo("region", "eu")), Optional.empty());

        assertThatThrownBy(() -> adapter.consumer(settings)).isInstanceOf(TopologyException.class)
                .hasMessageContaining("enablePropertyFilter=true").hasMessageContaining("broker.conf");
    }

    private void setPropertyFilter(boolean enabled) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("enablePropertyFilter", Boolean.toString(enabled));
        for (String master : masters()) {
            tools.updateBrokerConfig(master, properties);
        }
    }

    private List<String> masters() throws Exception {
        List<String> masters = new ArrayList<>();
        for (BrokerData broker : tools.examineBrokerClusterInfo().getBrokerAddrTable().values()) {
            masters.add(broker.getBrokerAddrs().get(MixAll.MASTER_ID));
        }
        return masters;
    }
}
