package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RocketMQ's naming rules and the RocketMQ group of a Keel group on a topic. */
class NamesTest {

    @Test
    void rocketGroupShouldJoinGroupAndTopic() {
        assertThat(Names.rocketGroup("billing", "orders")).isEqualTo("billing_orders");
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
}
