/**
 * The broker SPI, for adapter authors: a {@link dev.keel.spi.BrokerAdapter} translates between Keel's engine
 * and one broker, through a {@link dev.keel.spi.BrokerProducer} that completes only on broker confirmation
 * and {@link dev.keel.spi.BrokerConsumer}s that hand {@link dev.keel.spi.InboundRecord}s to a
 * {@link dev.keel.spi.DeliverySink}. The engine owns ids, headers, retries, idempotency, ordering lanes,
 * dead letters and backpressure; an adapter declares what else it can do as
 * {@link dev.keel.spi.Capability}s. Applications do not need this package.
 */
package dev.keel.spi;
