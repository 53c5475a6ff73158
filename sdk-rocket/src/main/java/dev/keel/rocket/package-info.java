/**
 * Keel on Apache RocketMQ: {@link dev.keel.rocket.RocketAdapter} is the {@link dev.keel.spi.BrokerAdapter} for
 * RocketMQ (the remoting client: a producer confirmed by {@code SEND_OK} with one request in flight per queue,
 * lite pull consumers whose offsets are written only up to the highest contiguous acknowledged message),
 * configured by the immutable {@link dev.keel.rocket.RocketConfig}.
 */
package dev.keel.rocket;
