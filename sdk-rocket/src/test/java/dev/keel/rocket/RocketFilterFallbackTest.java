package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RoutingContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The routing contract on a RocketMQ broker that does not filter by message properties
 * ({@code enablePropertyFilter=false}): a subscription's header filter then runs in the client, as
 * on an adapter without {@code BROKER_FILTER}: every message is delivered, those that do not match
 * are acknowledged unhandled and counted as {@code FILTERED}, and nothing is left in the group. The
 * harness's broker runs with {@code enablePropertyFilter=true}; this test turns it off for each test
 * (a broker configuration update, read by the adapter when a subscription starts) and back on.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketFilterFallbackTest extends RoutingContract {

    private final DefaultMQAdminExt tools = new DefaultMQAdminExt(10_000);

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }

    /** The broker refuses SQL92 here: the filter runs in the client although the adapter declares BROKER_FILTER. */
    @Override
    protected boolean brokerFilters() {
        return false;
    }

    @BeforeEach
    void turnThePropertyFilterOff() throws Exception {
        tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        tools.setInstanceName(RocketTestSupport.unique("filter-tools"));
        tools.start();
        setPropertyFilter(false);
        for (String master : masters()) {
            assertThat(tools.getBrokerConfig(master).getProperty("enablePropertyFilter"))
                    .as("enablePropertyFilter of %s", master).isEqualTo("false");
        }
    }

    @AfterEach
    void turnThePropertyFilterBackOn() throws Exception {
        try {
            setPropertyFilter(true);
        } finally {
            tools.shutdown();
        }
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
