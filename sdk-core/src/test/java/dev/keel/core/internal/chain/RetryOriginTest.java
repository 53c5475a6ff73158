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
    }

    /**
     * Review: a record in a shared retry topic that names no origin topic (written there by a plain client, or a
     * user's own topic named like a retry topic) ran in both subscriptions consuming it. Every retry copy Keel
     * writes names its origin topic, so one that does not is no retry of this subscription's: not run.
     */
    @Test
    void aRecordNamingNoOriginTopicShouldNotRunAsARetry() {
        assertThat(A_B_G.admits(Map.of(KeelHeaders.ID, "order-1"))).as("naming no origin at all").isFalse();
        assertThat(A_B_G.admits(Map.of(KeelHeaders.RETRY_ATTEMPT, "2"))).as("an attempt, no origin").isFalse();
        assertThat(A_B_G.admits(Map.of(KeelHeaders.RETRY_ORIGIN_GROUP, "g"))).as("a group, no topic").isFalse();
    }

    @Test
    void aSubscriptionOfTheOriginTopicShouldAdmitEveryMessage() {
        assertThat(RetryOrigin.ANY.admits(copy("a", "b.g"))).isTrue();
        assertThat(RetryOrigin.ANY.admits(Map.of())).isTrue();
    }
}
