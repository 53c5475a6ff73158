package dev.keel.sample;

import dev.keel.Delivery;
import dev.keel.spring.KeelListener;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Bills each placed order once: an invoice row in PostgreSQL. The listener runs under the
 * starter's default guarantee, EFFECTIVELY_ONCE, with the Redis store; the acknowledgement follows
 * the handler's return. {@code sample.billing-pause} (none by default) makes each run take that long
 * after its invoice is written, as a handler with more work after its effect would: a stop then
 * finds handlers with their effect applied and not yet returned.
 */
@Component
public class BillingListener {

    private final InvoiceRepository invoices;
    private final Duration pause;

    public BillingListener(InvoiceRepository invoices, @Value("${sample.billing-pause:0s}") Duration pause) {
        this.invoices = invoices;
        this.pause = pause;
    }

    @KeelListener(id = "billing", topic = "${sample.orders-topic}", group = "billing")
    public void bill(Delivery<OrderPlaced> delivery) {
        OrderPlaced order = delivery.payload();
        invoices.recordExecution(order.orderId(), delivery.attempt());
        invoices.insertInvoice(order.orderId(), order.customerId(), order.amountCents());
        if (!pause.isZero()) {
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
