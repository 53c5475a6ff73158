/**
 * The idempotency store in Redis: {@link dev.keel.dedup.redis.RedisIdempotencyStore} is an
 * {@link dev.keel.dedup.IdempotencyStore} on one standalone server or a Redis Cluster (Jedis 8), each
 * claim, complete and release one atomic script run, configured by the immutable
 * {@link dev.keel.dedup.redis.RedisStoreConfig}. {@link dev.keel.dedup.redis.ClaimBenchmark} measures any
 * store's claim rate for {@code keel bench}.
 */
package dev.keel.dedup.redis;
