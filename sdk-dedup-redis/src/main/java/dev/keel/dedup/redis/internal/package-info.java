/**
 * The Redis store's implementation. Not API: may change without notice.
 */
package dev.keel.dedup.redis.internal;
