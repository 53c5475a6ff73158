package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.spring.KeelListenerEndpoint;
import dev.keel.spring.ListenerConflictException;
import dev.keel.testkit.InMemoryBroker;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Two listeners on one topic in one group would be two members of the group in one application,
 * each getting some of the messages (and sharing one idempotency namespace): the startup fails,
 * naming both, whether their topic and group come from annotations, properties or endpoint beans,
 * and for broadcast listeners too. In a real Spring context, on the in-memory broker.
 */
class ListenerConflictTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withPropertyValues("keel.topics.orders.partitions=2");

    @Test
    void twoAnnotatedListenersOnOneTopicAndGroupShouldFailTheStartupNamingBoth() {
        runner.withBean("billing", TwoBillingMethods.class).run(context -> assertConflict(context,
                "'invoices' (@KeelListener method billing.invoice)", "'receipts' (@KeelListener method billing.receipt)"));
    }

    @Test
    void aGroupSetByPropertyThatMeetsAnotherListenersShouldFailTheStartup() {
        runner.withBean("billing", BillingAndAudit.class).withPropertyValues("keel.listeners.audit.group=billing")
                .run(context -> assertConflict(context, "'invoices' (@KeelListener method billing.invoice)",
                        "'audit' (@KeelListener method billing.audit)"));
    }

    @Test
    void anEndpointBeanOnTheTopicAndGroupOfAnAnnotatedListenerShouldFailTheStartup() {
        runner.withBean("billing", BillingAndAudit.class)
                .withBean("invoiceCopies", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("invoice-copies",
                        SubscriptionConfig.builder("orders", "billing", Codec.utf8()).build(), d -> { }))
                .run(context -> assertConflict(context, "'invoices' (@KeelListener method billing.invoice)",
                        "'invoice-copies' (KeelListenerEndpoint invoice-copies)"));
    }

    @Test
    void twoBroadcastEndpointsOnOneTopicAndGroupShouldFailTheStartup() {
        runner.withBean("first", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("cache-a",
                        SubscriptionConfig.builder("orders", "cache", Codec.utf8()).broadcast(true).build(), d -> { }))
                .withBean("second", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("cache-b",
                        SubscriptionConfig.builder("orders", "cache", Codec.utf8()).broadcast(true).build(), d -> { }))
                .run(context -> assertConflict(context, "'cache-a' (KeelListenerEndpoint cache-a)",
                        "'cache-b' (KeelListenerEndpoint cache-b)", "cache"));
    }

    @Test
    void listenersSharingOnlyTheGroupOrOnlyTheTopicShouldStart() {
        runner.withBean("billing", BillingAndAudit.class).withPropertyValues("keel.topics.payments.partitions=2")
                .withBean("payments", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("payments",
                        SubscriptionConfig.builder("payments", "billing", Codec.utf8()).build(), d -> { }))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(KeelListenerRegistry.class).subscriptions())
                            .containsOnlyKeys("invoices", "audit", "payments");
                });
    }

    private static void assertConflict(AssertableApplicationContext context, String first, String second) {
        assertConflict(context, first, second, "billing");
    }

    private static void assertConflict(AssertableApplicationContext context, String first, String second,
                                       String group) {
        assertThat(context).hasFailed();
        // the two are named in the order the registry met them, which for two methods of one class is the JVM's
        assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ListenerConflictException.class)
                .hasMessageStartingWith("Keel listeners ")
                .hasMessageContaining(first).hasMessageContaining(second)
                .hasMessageContaining(" both consume topic 'orders' as group '" + group + "': the members of a group "
                        + "share its messages, so each message would reach only one of the two. Give one of them "
                        + "another group (@KeelListener(group = \"...\"), keel.listeners.<id>.group, or the group of "
                        + "its SubscriptionConfig), or merge them into one listener");
    }

    static class TwoBillingMethods {
        @KeelListener(topic = "orders", group = "billing", id = "invoices")
        public void invoice(String payload) {
        }

        @KeelListener(topic = "orders", group = "billing", id = "receipts")
        public void receipt(String payload) {
        }
    }

    static class BillingAndAudit {
        @KeelListener(topic = "orders", group = "billing", id = "invoices")
        public void invoice(String payload) {
        }

        @KeelListener(topic = "orders", group = "audit", id = "audit")
        public void audit(String payload) {
        }
    }
}
