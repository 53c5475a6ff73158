/**
 * The entry point of Keel: {@link dev.keel.core.Keel} binds one broker adapter and one idempotency store
 * and gives the application a shared {@link dev.keel.Publisher} and the {@link dev.keel.Subscription}s it
 * starts. The engine behind it (publish window, retries, circuit breaker, idempotency, key-ordered
 * lanes, dead letters, backpressure) lives in {@code dev.keel.core.internal}.
 */
package dev.keel.core;
