package dev.keel.kafka;

/** The Kafka the tests run against (temporary: the address from KEEL_KAFKA_BOOTSTRAP). */
final class KafkaBroker {

    private KafkaBroker() {
    }

    static String bootstrap() {
        String value = System.getenv("KEEL_KAFKA_BOOTSTRAP");
        if (value == null) {
            throw new IllegalStateException("set KEEL_KAFKA_BOOTSTRAP");
        }
        return value;
    }
}
