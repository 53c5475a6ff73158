package dev.keel.rocket.internal;

import dev.keel.HeaderFilter;
import java.util.Optional;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.MessageQueueListener;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.exception.MQClientException;

/**
 * Subscribes a consumer to its topic, with the subscription's header filter as a broker-side SQL92
 * property filter when it has one ({@code MessageSelector.bySql}; the broker needs
 * {@code enablePropertyFilter=true}, checked by {@link RocketAdmin#propertyFilterRefusal}: where a
 * broker refuses, the adapter passes no filter here and the engine filters in the client).
 */
final class BrokerFilters {

    private BrokerFilters() {
    }

    static void subscribe(DefaultLitePullConsumer consumer, String topic, Optional<HeaderFilter> filter,
                          MessageQueueListener listener) throws MQClientException {
        if (filter.isEmpty()) {
            consumer.subscribe(topic, "*", listener);
            return;
        }
        consumer.subscribe(topic, MessageSelector.bySql(filter.get().toSql92()));
        // the selector variant has no listener argument: chain ours after the client's own, as the
        // listener variant does (the client's one starts pulling the queues it was given)
        MessageQueueListener own = consumer.getMessageQueueListener();
        consumer.setMessageQueueListener((changed, all, divided) -> {
            own.messageQueueChanged(changed, all, divided);
            listener.messageQueueChanged(changed, all, divided);
        });
    }
}
