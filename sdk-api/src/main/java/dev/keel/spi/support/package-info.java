/**
 * Small helpers that several adapters share, so each broker behaves the same: the key-to-lane function
 * ({@link dev.keel.spi.support.KeyHash}), the per-partition acknowledgement state of offset brokers
 * ({@link dev.keel.spi.support.OffsetTracker}), the daemon thread factory of Keel's pools
 * ({@link dev.keel.spi.support.DaemonThreads}), and the forwarding bases of adapters and sinks that wrap
 * another ({@link dev.keel.spi.support.ForwardingBrokerAdapter}, {@link dev.keel.spi.support.ForwardingDeliverySink}), and the
 * test that tells a TLS certificate problem from a connection failure ({@link dev.keel.spi.support.TlsFailures}). Part of the SPI: stable for adapter authors, of no use to
 * applications.
 */
package dev.keel.spi.support;
