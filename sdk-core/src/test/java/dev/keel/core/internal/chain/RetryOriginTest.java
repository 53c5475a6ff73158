package dev.keel.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.KeelHeaders;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which retry copies a subscription consuming a retry topic runs, when another subscription's share its name. */
class RetryOriginTest {

    /** Topic a.b, group g: retry topic a.b.g.retry, which topic a's group b.g shares. */
    private static final RetryOrigin A_B_G = RetryOrigin.of("a.b", "g");

    private static Map<String, String> copy(String topic, String group) {
        return Map.of(KeelHeaders.RETRY_ORIGIN_TOPIC, topic, KeelHeaders.RETRY_ORIGIN_GROUP, group);
    }

    @Test
    void aRetryCopyShouldRunOnlyInTheSubscriptionOfItsOriginTopicAndGroup() {
        assertThat(A_B_G.admits(copy("a.b", "g"))).isTrue();
        assertThat(A_B_G.admits(copy("a", "b.g"))).as("the other topic's").isFalse();
        assertThat(A_B_G.admits(copy("a.b", "h"))).as("another group's of the same topic").isFalse();
    }

    @Test
    void aRetryCopyOfAnEarlierKeelShouldBeToldApartByItsOriginTopicOnly() {
        assertThat(A_B_G.admits(Map.of(KeelHeaders.RETRY_ORIGIN_TOPIC, "a.b"))).isTrue();
        assertThat(A_B_G.admits(Map.of(KeelHeaders.RETRY_ORIGIN_TOPIC, "a"))).isFalse();
        assertThat(A_B_G.admits(Map.of(KeelHeaders.ID, "order-1"))).as("naming no origin at all").isTrue();
    }

    @Test
    void aSubscriptionOfTheOriginTopicShouldAdmitEveryMessage() {
        assertThat(RetryOrigin.ANY.admits(copy("a", "b.g"))).isTrue();
        assertThat(RetryOrigin.ANY.admits(Map.of())).isTrue();
    }
}
