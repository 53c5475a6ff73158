package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

class TopicPlacementTest {

    @Test
    void aTopicOnEveryMasterShouldMissNone() {
        TopicPlacement placement = TopicPlacement.of(route(queues("a", 4, 4), queues("b", 4, 4)), List.of("a", "b"));

        assertThat(placement.missing()).isEmpty();
        assertThat(placement.mismatched(4)).isEmpty();
    }

    @Test
    void aTopicOnOnlySomeMastersShouldNameTheOthers() {
        TopicPlacement placement = TopicPlacement.of(route(queues("b", 4, 4)), List.of("a", "b", "c"));

        assertThat(placement.exists()).isTrue();
        assertThat(placement.missing()).isEqualTo(Set.of("a", "c"));
    }

    @Test
    void aMasterWithAnotherQueueCountShouldBeNamedWithItsCount() {
        TopicPlacement placement = TopicPlacement.of(route(queues("a", 4, 4), queues("b", 8, 8)), List.of("a", "b"));

        assertThat(placement.mismatched(4)).isEqualTo(Map.of("b", 8));
    }

    @Test
    void aMasterWhoseReadAndWriteQueueCountsDifferShouldBeMismatched() {
        TopicPlacement placement = TopicPlacement.of(route(queues("a", 4, 2)), List.of("a"));

        assertThat(placement.mismatched(4)).isEqualTo(Map.of("a", -1));
    }

    @Test
    void noRouteShouldMissEveryMaster() {
        TopicPlacement placement = TopicPlacement.of(null, List.of("a", "b"));

        assertThat(placement.exists()).isFalse();
        assertThat(placement.missing()).isEqualTo(Set.of("a", "b"));
    }

    @Test
    void aBrokerInTheRouteThatIsNoMasterNowShouldNotCountAsMissing() {
        TopicPlacement placement = TopicPlacement.of(route(queues("a", 4, 4), queues("gone", 4, 4)), List.of("a"));

        assertThat(placement.missing()).isEmpty();
    }

    private static QueueData queues(String broker, int read, int write) {
        QueueData q = new QueueData();
        q.setBrokerName(broker);
        q.setReadQueueNums(read);
        q.setWriteQueueNums(write);
        q.setPerm(PermName.PERM_READ | PermName.PERM_WRITE);
        return q;
    }

    private static TopicRouteData route(QueueData... queues) {
        TopicRouteData route = new TopicRouteData();
        route.setQueueDatas(new ArrayList<>(List.of(queues)));
        route.setBrokerDatas(new ArrayList<>());
        return route;
    }
}
