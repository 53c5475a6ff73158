package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RocketMQ's naming rules and the RocketMQ group of a Keel group on a topic. */
class NamesTest {

    @Test
    void rocketGroupShouldJoinGroupTopicAndAHashOfBoth() {
        assertThat(Names.rocketGroup("billing", "orders")).matches("billing_orders_[0-9a-f]{8}")
                .isEqualTo(Names.rocketGroup("billing", "orders"));
        assertThat(Names.groupProblem(Names.rocketGroup("billing", "orders"))).isNull();
    }

    @Test
    void rocketGroupShouldNotCollideWhenGroupAndTopicContainUnderscores() {
        assertThat(Names.rocketGroup("a", "b_c")).isNotEqualTo(Names.rocketGroup("a_b", "c"));
    }

    @Test
    void tooLongRocketGroupShouldBeCutStablyAndStayUnique() {
        String topic = "t".repeat(100);
        String a = Names.rocketGroup("group-a-" + "x".repeat(40), topic);
        String b = Names.rocketGroup("group-b-" + "x".repeat(40), topic);

        assertThat(a).hasSize(Names.MAX_GROUP_LENGTH).isEqualTo(Names.rocketGroup("group-a-" + "x".repeat(40), topic));
        assertThat(a).isNotEqualTo(b);
        assertThat(Names.groupProblem(a)).isNull();
    }

    @Test
    void onlyGroupsKeelMadeShouldCountAsKeelGroupsOfATopic() {
        assertThat(Names.isKeelGroupOf(Names.rocketGroup("billing", "orders"), "orders", List.of())).isTrue();
        assertThat(Names.isKeelGroupOf(Names.rocketGroup("a_b", "c"), "c", List.of())).isTrue();
        assertThat(Names.isKeelGroupOf("legacy_orders", "orders", List.of())).isFalse();
        assertThat(Names.isKeelGroupOf("legacy_orders_0badcafe", "orders", List.of())).isFalse();
        assertThat(Names.isKeelGroupOf(Names.rocketGroup("billing", "orders"), "old_orders", List.of())).isFalse();
        String longGroup = "g".repeat(100);
        String longTopic = "t".repeat(60);
        String cut = Names.rocketGroup(longGroup, longTopic);
        assertThat(Names.isKeelGroupOf(cut, longTopic, List.of())).as("a cut name proves nothing alone").isFalse();
        assertThat(Names.isKeelGroupOf(cut, longTopic, List.of("other", longGroup))).isTrue();
    }

    @Test
    void illegalTopicNamesShouldSayWhy() {
        assertThat(Names.topicProblem("orders")).isNull();
        assertThat(Names.topicProblem("orders.v1")).contains("no dots");
        assertThat(Names.topicProblem("t".repeat(128))).contains("at most 127");
        assertThat(Names.topicProblem("%RETRY%billing")).contains("system topic");
        assertThat(Names.topicProblem("TBW102")).contains("system topic");
        assertThat(Names.groupProblem("billing%1")).contains("allows only");
    }

    @Test
    void defaultDeadLetterTopicShouldBeALegalName() {
        assertThat(Names.deadLetterTopic("orders")).isEqualTo("orders_DLT");
        assertThat(Names.topicProblem(Names.deadLetterTopic("orders"))).isNull();
    }

    @Test
    void deadLetterTopicOfALongTopicShouldStayLegalAndUnique() {
        String a = Names.deadLetterTopic("a".repeat(125) + "-1");
        String b = Names.deadLetterTopic("a".repeat(125) + "-2");

        assertThat(a).hasSize(Names.MAX_TOPIC_LENGTH).endsWith(Names.DEAD_LETTER_SUFFIX).isNotEqualTo(b);
        assertThat(Names.topicProblem(a)).isNull();
    }

    @Test
    void everySystemTopicOfRocketMqShouldBeRefused() {
        assertThat(Names.topicProblem("SCHEDULE_TOPIC_XXXX")).contains("system topic");
        assertThat(Names.topicProblem("RMQ_SYS_TRANS_HALF_TOPIC")).contains("system topic");
        assertThat(Names.topicProblem("OFFSET_MOVED_EVENT")).contains("system topic");
    }

    @Test
    void retryTopicShouldBeLegalForADottedGroupAndStayUniqueWhenLong() {
        assertThat(Names.retryTopic("orders", "billing.eu")).isEqualTo("orders_billing_eu_RETRY");
        assertThat(Names.topicProblem(Names.retryTopic("orders", "billing.eu"))).isNull();
        String a = Names.retryTopic("a".repeat(100), "g".repeat(40) + "1");
        String b = Names.retryTopic("a".repeat(100), "g".repeat(40) + "2");
        assertThat(a).hasSizeLessThanOrEqualTo(Names.MAX_TOPIC_LENGTH).isNotEqualTo(b).endsWith("_RETRY");
        assertThat(Names.topicProblem(a)).isNull();
    }

    @Test
    void keelGroupOfShouldRecoverTheGroupOnlyForExactlyThisTopic() {
        assertThat(Names.keelGroupOf(Names.rocketGroup("g_x", "orders"), "orders", List.of())).contains("g_x");
        // topics whose name starts or ends with "orders": their groups spell another group of "orders", whose hash
        // differs
        assertThat(Names.keelGroupOf(Names.rocketGroup("g", "orders_orders"), "orders", List.of())).isEmpty();
        assertThat(Names.keelGroupOf(Names.rocketGroup("g", "x_orders"), "orders", List.of())).isEmpty();
        assertThat(Names.keelGroupOf(Names.rocketGroup("g", "orders_x"), "orders", List.of())).isEmpty();
    }

    @Test
    void retryGroupOfShouldSpellTheGroupOfAnUncutRetryTopicOnly() {
        assertThat(Names.retryGroupOf(Names.retryTopic("orders", "nb"), "orders")).contains("nb");
        assertThat(Names.retryGroupOf(Names.retryTopic("orders_b", "g"), "orders")).as("ambiguous by name alone")
                .contains("b_g");
        assertThat(Names.retryGroupOf("orders_RETRY", "orders")).isEmpty();
        assertThat(Names.retryGroupOf("orders_nb_DLT", "orders")).isEmpty();
        assertThat(Names.retryGroupOf("other_nb_RETRY", "orders")).isEmpty();
    }

    /**
     * Subscriptions sharing a retry topic name (topic {@code orders} with group {@code b_g} and topic
     * {@code orders_b} with group {@code g}) consume it in RocketMQ groups of their own, so neither takes the other's
     * share of the copies: each gets every copy and acknowledges the other's unrun. One topic's groups cannot share
     * one, as no RocketMQ group name may contain the dot that {@code retryTopic} turns into {@code _}.
     */
    @Test
    void subscriptionsSharingARetryTopicNameShouldConsumeItInRocketGroupsOfTheirOwn() {
        String shared = Names.retryTopic("orders", "b_g");
        assertThat(Names.retryTopic("orders_b", "g")).isEqualTo(shared);
        assertThat(Names.rocketGroup("b_g", shared)).isNotEqualTo(Names.rocketGroup("g", shared));
        String longTopic = "t".repeat(100);
        String cut = Names.retryTopic(longTopic, "b_" + "g".repeat(40));
        assertThat(Names.rocketGroup("b_" + "g".repeat(40), cut)).isNotEqualTo(Names.rocketGroup("g".repeat(40), cut));
        assertThat(Names.groupProblem("b.g")).as("the dotted twin of b_g").contains("allows only");
    }
}
