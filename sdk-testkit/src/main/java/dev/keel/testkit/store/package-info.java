/**
 * The idempotency store contract:
 * {@link dev.keel.testkit.store.IdempotencyStoreContractTest} holds the behaviour every
 * {@link dev.keel.dedup.IdempotencyStore} must show (owner tokens, lease and retention expiry, batches,
 * concurrent claimers); a store's test subclasses it.
 */
package dev.keel.testkit.store;
