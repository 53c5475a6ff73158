package dev.keel.rocket.internal;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * Where a topic lies among the master brokers, from the name server's route: the masters that have
 * it, with their read and write queue counts, and those that lack it. A Keel topic has the same
 * queue count on every master; this is what {@code ensureTopology} checks, master by master.
 *
 * @param queues  each master with the topic, and its queue count (its write queues, or -1 when its
 *                read and write queue counts differ)
 * @param missing the masters without the topic
 */
record TopicPlacement(Map<String, Integer> queues, Set<String> missing) {

    TopicPlacement {
        queues = Map.copyOf(new TreeMap<>(queues));
        missing = Set.copyOf(missing);
    }

    /** The placement of the topic {@code route} describes among {@code masters} (broker names). */
    static TopicPlacement of(TopicRouteData route, Collection<String> masters) {
        Map<String, Integer> queues = new TreeMap<>();
        if (route != null && route.getQueueDatas() != null) {
            for (QueueData q : route.getQueueDatas()) {
                queues.put(q.getBrokerName(), q.getReadQueueNums() == q.getWriteQueueNums() ? q.getWriteQueueNums()
                        : -1);
            }
        }
        Set<String> missing = new TreeSet<>(masters);
        missing.removeAll(queues.keySet());
        return new TopicPlacement(queues, missing);
    }

    /** The masters whose queue count is not {@code expected} (read and write), sorted, with what they have. */
    Map<String, Integer> mismatched(int expected) {
        Map<String, Integer> wrong = new TreeMap<>();
        queues.forEach((broker, count) -> {
            if (count != expected) {
                wrong.put(broker, count);
            }
        });
        return wrong;
    }

    /** Whether any master has the topic. */
    boolean exists() {
        return !queues.isEmpty();
    }
}
