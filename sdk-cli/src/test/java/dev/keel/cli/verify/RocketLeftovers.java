package dev.keel.cli.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/** What a run left on a RocketMQ: topics and subscription groups whose name contains a run's topic. */
final class RocketLeftovers {

    private RocketLeftovers() {
    }

    /**
     * {@code TOPIC <name>} for each topic the name server or a master lists, {@code GROUP <name>} for each
     * subscription group of a master, whose name contains {@code text}.
     */
    static List<String> naming(String nameServer, String text) throws Exception {
        DefaultMQAdminExt tools = new DefaultMQAdminExt(10_000);
        tools.setNamesrvAddr(nameServer);
        tools.setInstanceName("keel-cli-leftovers-" + UUID.randomUUID().toString().substring(0, 8));
        tools.start();
        try {
            List<String> found = new ArrayList<>();
            tools.fetchAllTopicList().getTopicList().stream().filter(t -> t.contains(text))
                    .forEach(t -> found.add("TOPIC " + t));
            for (BrokerData broker : tools.examineBrokerClusterInfo().getBrokerAddrTable().values()) {
                String master = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
                tools.getAllSubscriptionGroup(master, 10_000).getSubscriptionGroupTable().keySet().stream()
                        .filter(g -> g.contains(text)).sorted().forEach(g -> found.add("GROUP " + g));
                tools.getAllTopicConfig(master, 10_000).getTopicConfigTable().keySet().stream()
                        .filter(t -> t.contains(text)).map(t -> "TOPIC " + t).filter(t -> !found.contains(t))
                        .sorted().forEach(found::add);
            }
            return found;
        } finally {
            tools.shutdown();
        }
    }
}
