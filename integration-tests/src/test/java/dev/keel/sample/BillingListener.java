package dev.keel.sample;

import dev.keel.Delivery;
import dev.keel.spring.KeelListener;
import org.springframework.stereotype.Component;

/**
 * Bills each placed order once: an invoice row in PostgreSQL. The listener runs under the
 * starter's default guarantee, EFFECTIVELY_ONCE, with the Redis store; the acknowledgement follows
 * the handler's return.
 */
@Component
public class BillingListener {

    private final InvoiceRepository invoices;

    public BillingListener(InvoiceRepository invoices) {
        this.invoices = invoices;
    }

    @KeelListener(id = "billing", topic = "${sample.orders-topic}", group = "billing")
    public void bill(Delivery<OrderPlaced> delivery) {
        OrderPlaced order = delivery.payload();
        invoices.recordExecution(order.orderId(), delivery.attempt());
        invoices.insertInvoice(order.orderId(), order.customerId(), order.amountCents());
    }
}
