package dev.keel.sample;

import dev.keel.PublishReceipt;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.jackson.JsonCodec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Places orders: publishes an {@link OrderPlaced} event per order through a typed publisher, keyed
 * by customer (so one customer's orders are billed in order) and identified by the order id (so a
 * retried placement is the same message, which EFFECTIVELY_ONCE bills once).
 */
@Service
public class OrderService {

    private final TypedPublisher<OrderPlaced> orders;

    public OrderService(Keel keel, @Value("${sample.orders-topic}") String topic) {
        this.orders = keel.publisher(topic, JsonCodec.of(OrderPlaced.class));
    }

    /** Returns once the broker has confirmed the event. */
    public PublishReceipt place(OrderPlaced order) {
        return orders.message(order).id(order.orderId()).key(order.customerId()).publish();
    }
}
