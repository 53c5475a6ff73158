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

    /**
     * Completes (normally) once no release is pending: those tracked so far, and those tracked while they were awaited
     * (a release that follows an answer, such as a busy id's claim answered after its wait ended).
     */
    CompletionStage<Void> settled() {
        pending.removeIf(CompletableFuture::isDone); // done, its removal not run yet
        CompletableFuture<?>[] now = pending.toArray(CompletableFuture[]::new);
        if (now.length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(now).handle((v, e) -> null).thenCompose(v -> settled());
    }
}
