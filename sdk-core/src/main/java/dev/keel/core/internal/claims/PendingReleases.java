package dev.keel.core.internal.claims;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The releases of a subscription's claims that have not finished yet, including those still waiting for their claim's
 * answer: what a graceful close waits for before it reports closed, so that the application may close the store
 * right after it. Before, the releases of the messages a close gave back were still queued on the store's threads
 * when the close returned, and closing the store then made them fail: each of those ids stayed held until its lease
 * expired, and a successor waited that long for it and for its key's later messages.
 */
final class PendingReleases {

    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

    /** Tracks {@code release} until it completes, however it completes; answers it. */
    <T> CompletableFuture<T> track(CompletableFuture<T> release) {
        pending.add(release);
        release.whenComplete((v, e) -> pending.remove(release));
        return release;
    }

    /** Completes (normally) once every release tracked so far has completed. */
    CompletionStage<Void> settled() {
        CompletableFuture<?>[] now = pending.toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(now).handle((v, e) -> null);
    }
}
