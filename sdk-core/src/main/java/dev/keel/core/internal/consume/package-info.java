/** A running subscription: records taken from the broker consumer, run in their key's lane, acknowledged, tracked for backpressure, rebalances and close. Not API. */
package dev.keel.core.internal.consume;
