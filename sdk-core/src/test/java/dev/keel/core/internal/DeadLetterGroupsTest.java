package dev.keel.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** A subscription reading a dead-letter topic in the group that keeps its letters is warned about once. */
class DeadLetterGroupsTest {

    private final RecordingLogger log = new RecordingLogger();
    private final DeadLetterGroups groups = new DeadLetterGroups(log);

    @Test
    void aReaderSubscribedAfterTheDeadLetteringSubscriptionShouldBeWarnedOnceNamingTopicGroupAndFix() {
        groups.subscribed("orders", "billing", "orders.DLT", false);
        groups.subscribed("orders.DLT", "billing", null, false);
        groups.subscribed("orders.DLT", "billing", null, false);

        assertThat(log.lines(Level.WARN)).hasSize(1).first().asString().contains("orders.DLT", "group billing",
                "keel.deadLetters(\"orders\", \"billing\")", "group of its own", "billing-dlt-alerts", "RabbitMQ");
    }

    @Test
    void aReaderSubscribedBeforeTheDeadLetteringSubscriptionShouldBeWarnedToo() {
        groups.subscribed("orders.DLT", "billing", null, false);
        groups.subscribed("orders", "billing", "orders.DLT", false);

        assertThat(log.lines(Level.WARN)).hasSize(1).first().asString().contains("orders.DLT", "group billing");
    }

    @Test
    void aReaderInAnotherGroupOrAGroupOfItsOwnShouldNotBeWarned() {
        groups.subscribed("orders", "billing", "orders.DLT", false);
        groups.subscribed("orders.DLT", "billing-dlt-alerts", null, false);
        groups.subscribed("orders.DLT", "billing", null, true); // broadcast or share group: not the group's view
        groups.subscribed("payments", "billing", null, false);

        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aListingOfTheLettersOfAGroupWhoseDeadLetterTopicThisKeelReadsInThatGroupShouldBeWarned() {
        groups.subscribed("orders.DLT", "billing", null, false);
        groups.listing("orders.DLT", "billing");
        groups.listing("orders.DLT", "billing");
        groups.listing("orders.DLT", "repair");

        assertThat(log.lines(Level.WARN)).hasSize(1).first().asString().contains("keel.deadLetters on orders.DLT "
                + "for group billing", "group of its own");
    }
}
