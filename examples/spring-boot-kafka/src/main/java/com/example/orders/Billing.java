package com.example.orders;

import dev.keel.NonRetriableException;
import dev.keel.spring.KeelListener;
import dev.keel.spring.KeelListenerHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.stereotype.Component;

@Component
public class Billing {

    private static final Logger LOG = LoggerFactory.getLogger(Billing.class);

    /** Effectively once (the default): a redelivered or republished order is billed once. */
    @KeelListener(topic = "orders", group = "billing")
    public void bill(@Payload Order order, @Header(KeelListenerHeaders.KEY) String customer) {
        if (order.cents() < 0) {
            throw new NonRetriableException("order " + order.id() + " has a negative amount"); // dead-lettered at once
        }
        LOG.info("billed order {} of customer {}: {} cents", order.id(), customer, order.cents());
    }
}
