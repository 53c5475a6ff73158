/**
 * Keel on Apache Kafka: {@link dev.keel.kafka.KafkaAdapter} is the {@link dev.keel.spi.BrokerAdapter} for
 * Kafka (an idempotent {@code acks=all} producer, consumer groups whose offsets are committed only up to
 * the highest contiguous acknowledged record), configured by the immutable
 * {@link dev.keel.kafka.KafkaConfig}.
 */
package dev.keel.kafka;
