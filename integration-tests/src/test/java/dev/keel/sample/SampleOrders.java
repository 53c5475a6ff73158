package dev.keel.sample;

/** The orders the sample's tests place: order {@code i} of customer {@code i % 7}. */
final class SampleOrders {

    private SampleOrders() {
    }

    static OrderPlaced order(int i) {
        return new OrderPlaced("order-" + i, "customer-" + (i % 7), 1_000L + i);
    }
}
