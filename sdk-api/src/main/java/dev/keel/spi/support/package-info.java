/**
 * Small helpers that several adapters share, so each broker behaves the same: the key-to-lane function
 * ({@link dev.keel.spi.support.KeyHash}), the per-partition acknowledgement state of offset brokers
 * ({@link dev.keel.spi.support.OffsetTracker}), the daemon thread factory of Keel's pools
 * ({@link dev.keel.spi.support.DaemonThreads}), and the forwarding bases of adapters, sinks and idempotency stores that
 * wrap another ({@link dev.keel.spi.support.ForwardingBrokerAdapter}, {@link dev.keel.spi.support.ForwardingDeliverySink},
 * {@link dev.keel.spi.support.ForwardingIdempotencyStore}), the
 * test that tells a TLS certificate problem from a connection failure ({@link dev.keel.spi.support.TlsFailures}), the
 * questions that tell a listener of the other kind (TLS or plaintext) from a broker that is away
 * ({@link dev.keel.spi.support.TlsMismatch}), and
 * the rule that finds and masks a broker URL's password parameters ({@link dev.keel.spi.support.UrlPasswords}, which
 * the Spring Boot starter and the CLI use too). Part of the SPI: stable for adapter authors; of use to applications
 * only for wrapping an idempotency store (metrics, tracing) with {@link dev.keel.spi.support.ForwardingIdempotencyStore}.
 */
package dev.keel.spi.support;
