/**
 * Ordering: how a subscription orders handler calls ({@link dev.keel.ordering.Ordering}), from none at all
 * to one key at a time in publish order while different keys run in parallel lanes.
 */
package dev.keel.ordering;
