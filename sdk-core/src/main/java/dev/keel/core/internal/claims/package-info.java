/**
 * EFFECTIVELY_ONCE, whole: the idempotency claims of a subscription. Not API. Its rules:
 * <ol>
 *   <li>Every message is claimed (its id, with one token per delivery) before its handler runs; the
 *       claims of the messages that arrive together are requested in one batch as they arrive
 *       ({@link dev.keel.core.internal.claims.Claims#received}). A copy of an id already in flight
 *       here is claimed only when it runs, after the earlier copy.</li>
 *   <li>CLAIMED runs the handler; DUPLICATE (done, or dead without a re-drive) is acknowledged unrun;
 *       BUSY (another consumer's lease) waits off its lane, its key held back, and is claimed again
 *       with the other waiting messages in one batch at each tick
 *       ({@link dev.keel.core.internal.claims.BusyWaits}).</li>
 *   <li>A claim held is renewed with its own token for as long as its message waits, runs, retries or
 *       waits to be marked done ({@link dev.keel.core.internal.claims.LeaseKeeper}): the lease bounds
 *       how long a dead consumer's claims outlive it, never how long a handler may take. A renewal
 *       that finds the id held by another owner reports the lease lost, once. A release waits for a
 *       renewal under way, so no renewal brings a released claim back.</li>
 *   <li>After the handler returned, the id is marked done (batched) before the acknowledgement
 *       ({@link dev.keel.core.internal.claims.DedupStep}); a mark that finds the lease lost claims it
 *       again with the same token and marks it then, if no one took it meanwhile.</li>
 *   <li>After a final failure the claim stays held for the dead-lettering: a confirmed dead letter
 *       marks the id dead before the acknowledgement, a message given up for redelivery releases it
 *       ({@link dev.keel.core.internal.claims.DeadMarks}). A copy re-driven from the dead-letter topic
 *       may claim a dead id, once per dead letter ({@link dev.keel.core.internal.claims.RedriveClaims}).</li>
 *   <li>While the store cannot be reached nothing runs unclaimed: the call is retried every store
 *       retry interval and the consumer is paused meanwhile
 *       ({@link dev.keel.core.internal.claims.StorePauses}), fail closed.</li>
 * </ol>
 * The subscription sees {@link dev.keel.core.internal.claims.Claiming} ({@code Claiming.NONE}
 * without a store) and the dead-letter step {@code DeadLetterMarks}; nothing else of this package.
 */
package dev.keel.core.internal.claims;
