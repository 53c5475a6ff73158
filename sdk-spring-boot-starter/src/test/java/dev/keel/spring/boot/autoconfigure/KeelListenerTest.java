package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.spring.KeelListenerEndpoint;
import dev.keel.testkit.InMemoryBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.autoproxy.BeanNameAutoProxyCreator;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@link KeelListener} methods and {@link KeelListenerEndpoint} beans, on the in-memory broker. */
class KeelListenerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withPropertyValues("keel.topics.orders.partitions=2");

    @Test
    void annotatedMethodsShouldReceiveTheDeliveryOrThePayload() {
        runner.withBean("listeners", Listeners.class).run(context -> {
            assertThat(context).hasNotFailed();
            publish(context.getBean(Publisher.class), "orders", "order-1");
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(PATIENCE).until(() -> listeners.deliveries().size() == 1 && listeners.payloads().size() == 1);
            assertThat(listeners.deliveries()).containsExactly("order-1:order-1");
            assertThat(listeners.payloads()).containsExactly("order-1");
        });
    }

    @Test
    void topicsShouldBeDeclaredWithTheGroupsOfTheirListenersBeforeTheySubscribe() {
        runner.withBean("listeners", Listeners.class).run(context -> {
            InMemoryBroker broker = (InMemoryBroker) context.getBean(BrokerAdapter.class);
            TopicSpec orders = broker.describeTopology("orders").orElseThrow();
            assertThat(orders.partitions()).isEqualTo(2);
            assertThat(orders.groups()).contains("billing", "audit");
        });
    }

    @Test
    void aJsonPayloadTypeShouldBeTakenFromTheMethodSignature() {
        runner.withUserConfiguration(JsonListener.class).run(context -> {
            assertThat(context).hasNotFailed();
            publish(context.getBean(Publisher.class), "orders", "{\"id\":\"o-7\",\"amount\":12}");
            JsonListener listener = context.getBean(JsonListener.class);
            await().atMost(PATIENCE).until(() -> listener.orders.size() == 1);
            assertThat(listener.orders).containsExactly(new Order("o-7", 12));
        });
    }

    @Test
    void listenersBehindAnAopProxyShouldBeFoundAndCalledThroughTheProxy() {
        runner.withBean("listeners", Listeners.class).withUserConfiguration(Proxying.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(AopUtils.isAopProxy(context.getBean("listeners"))).isTrue();
            publish(context.getBean(Publisher.class), "orders", "order-2");
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(PATIENCE).until(() -> listeners.payloads().size() == 1);
            assertThat(context.getBean(Proxying.class).advised.get()).as("calls that went through the advice")
                    .isGreaterThanOrEqualTo(2);
        });
    }

    @Test
    void listenersBehindAnInterfaceProxyShouldBeFoundOnTheTargetClassAndCalledThroughTheProxy() {
        runner.withBean("shipping", Shipping.class, ShippingService::new).withUserConfiguration(InterfaceProxying.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Shipping proxy = context.getBean(Shipping.class);
                    assertThat(AopUtils.isJdkDynamicProxy(proxy)).isTrue();
                    publish(context.getBean(Publisher.class), "orders", "order-4");
                    await().atMost(PATIENCE).until(() -> proxy.shipped().contains("order-4"));
                    assertThat(context.getBean(InterfaceProxying.class).advised.get()).isGreaterThanOrEqualTo(1);
                });
    }

    @Test
    void endpointBeansShouldBeSubscribedByTheSameRegistry() {
        List<String> seen = new CopyOnWriteArrayList<>();
        runner.withBean("auditEndpoint", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("audit-endpoint",
                SubscriptionConfig.builder("orders", "audit", Codec.utf8()).build(), d -> seen.add(d.payload())))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(KeelListenerRegistry.class).subscriptions()).containsOnlyKeys("audit-endpoint");
                    publish(context.getBean(Publisher.class), "orders", "order-3");
                    await().atMost(PATIENCE).until(() -> seen.contains("order-3"));
                });
    }

    @Test
    void anEndpointsTopicAndGroupShouldFollowItsListenerProperties() {
        List<String> seen = new CopyOnWriteArrayList<>();
        runner.withBean("auditEndpoint", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("audit-endpoint",
                SubscriptionConfig.builder("orders", "audit", Codec.utf8()).build(), d -> seen.add(d.payload())))
                .withPropertyValues("keel.topics.payments.partitions=1", "keel.listeners.audit-endpoint.topic=payments",
                        "keel.listeners.audit-endpoint.group=ledger")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    InMemoryBroker broker = (InMemoryBroker) context.getBean(BrokerAdapter.class);
                    assertThat(broker.describeTopology("payments").orElseThrow().groups()).contains("ledger");
                    publish(context.getBean(Publisher.class), "payments", "payment-1");
                    await().atMost(PATIENCE).until(() -> seen.contains("payment-1"));
                });
    }

    @Test
    void twoListenersWithOneIdShouldFailNamingIt() {
        runner.withBean("listeners", Listeners.class)
                .withBean("clash", KeelListenerEndpoint.class, () -> KeelListenerEndpoint.of("billing-orders",
                        SubscriptionConfig.builder("orders", "other", Codec.utf8()).build(), d -> { }))
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("two Keel listeners have the id 'billing-orders'"));
    }

    @Test
    void aDefaultTopicOrGroupShouldFailTheStartupInsteadOfBeingIgnored() {
        runner.withBean("listeners", Listeners.class).withPropertyValues("keel.listener.defaults.topic=payments")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("keel.listener.defaults.topic is not supported")
                            .hasMessageContaining("keel.listeners.<id>.topic");
                });
        runner.withBean("listeners", Listeners.class).withPropertyValues("keel.listener.defaults.group=payments")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("keel.listener.defaults.group is not supported")
                        .hasMessageContaining("@KeelListener(group = \"...\")"));
        runner.withBean("listeners", Listeners.class).withPropertyValues("keel.listeners.billing-orders.group=billing-v2")
                .run(context -> assertThat(context).as("per listener, a group is an override").hasNotFailed());
    }

    @Test
    void aListenerMethodWithTwoParametersShouldFail() {
        runner.withUserConfiguration(TwoParameters.class).run(context ->
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("it takes two payload parameters"));
    }

    @Test
    void anEffectivelyOnceListenerOnAKeelWithoutStoreShouldFailTheStartup() {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean(BrokerAdapter.class, RemoteBroker::new)
                .withPropertyValues("keel.idempotency.store=none", "keel.topics.orders.partitions=1")
                .withBean("listeners", Listeners.class)
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("EFFECTIVELY_ONCE"));
    }

    private static void publish(Publisher publisher, String topic, String text) {
        publisher.publish(topic, Message.builder(text.getBytes(StandardCharsets.UTF_8)).id(idOf(text)).key("k").build());
    }

    private static String idOf(String text) {
        return text.startsWith("{") ? "json" : text;
    }

    static class Listeners {
        private final List<String> deliveries = new CopyOnWriteArrayList<>();
        private final List<String> payloads = new CopyOnWriteArrayList<>();

        /** Read through the proxy, when there is one (a proxy's own fields are empty). */
        public List<String> deliveries() {
            return deliveries;
        }

        public List<String> payloads() {
            return payloads;
        }

        @KeelListener(topic = "orders", group = "billing")
        public void bill(Delivery<String> delivery) {
            deliveries.add(delivery.id() + ":" + delivery.payload());
        }

        @KeelListener(topic = "${audit.topic:orders}", group = "audit", guarantee = DeliveryGuarantee.AT_LEAST_ONCE)
        public void audit(String payload) {
            payloads.add(payload);
        }
    }

    record Order(String id, int amount) {
    }

    static class JsonListener {
        final List<Order> orders = new CopyOnWriteArrayList<>();

        @KeelListener(topic = "orders", group = "shipping")
        public void ship(Order order) {
            orders.add(order);
        }
    }

    public interface Shipping {
        void ship(String order);

        List<String> shipped();
    }

    /** The annotation is on the implementation only; the JDK proxy's class has none. */
    static class ShippingService implements Shipping {
        private final List<String> shipped = new CopyOnWriteArrayList<>();

        @Override
        @KeelListener(topic = "orders", group = "shipping")
        public void ship(String order) {
            shipped.add(order);
        }

        @Override
        public List<String> shipped() {
            return shipped;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InterfaceProxying {
        final AtomicInteger advised = new AtomicInteger();

        @Bean
        static BeanNameAutoProxyCreator interfaceProxyCreator() {
            BeanNameAutoProxyCreator creator = new BeanNameAutoProxyCreator();
            creator.setBeanNames("shipping");
            creator.setInterceptorNames("shippingInterceptor");
            return creator;
        }

        @Bean
        MethodInterceptor shippingInterceptor() {
            return invocation -> {
                if (invocation.getMethod().getName().equals("ship")) {
                    advised.incrementAndGet();
                }
                return invocation.proceed();
            };
        }
    }

    static class TwoParameters {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(String a, String b) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Proxying {
        final AtomicInteger advised = new AtomicInteger();

        @Bean
        static BeanNameAutoProxyCreator proxyCreator() {
            BeanNameAutoProxyCreator creator = new BeanNameAutoProxyCreator();
            creator.setBeanNames("listeners");
            creator.setProxyTargetClass(true);
            creator.setInterceptorNames("countingInterceptor");
            return creator;
        }

        @Bean
        MethodInterceptor countingInterceptor() {
            return invocation -> {
                advised.incrementAndGet();
                return invocation.proceed();
            };
        }
    }
}
