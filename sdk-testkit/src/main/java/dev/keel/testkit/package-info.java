/**
 * Testing with Keel without a broker: {@link dev.keel.testkit.InMemoryBroker} is a broker in the test's
 * memory with every capability, fault injection ({@link dev.keel.testkit.Faults}) included, and
 * {@link dev.keel.testkit.FaultyIdempotencyStore} wraps any store with an outage switch and call
 * counters.
 */
package dev.keel.testkit;
