/**
 * Idempotency: the {@link dev.keel.dedup.IdempotencyStore} SPI through which a consumer group claims a
 * message id before its handler runs and marks it done after, so that a redelivered message is
 * recognised as a duplicate. {@code dev.keel.core.InMemoryIdempotencyStore} (in sdk-core) serves tests and single
 * processes; the Redis store is in the {@code sdk-dedup-redis} module.
 */
package dev.keel.dedup;
