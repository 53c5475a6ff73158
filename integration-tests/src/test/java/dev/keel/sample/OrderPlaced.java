package dev.keel.sample;

/** The event the orders service publishes when an order is placed; JSON on the wire. */
public record OrderPlaced(String orderId, String customerId, long amountCents) {
}
