package dev.keel;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** Waits for a publish stage and throws its typed failure itself, never a wrapper. */
final class Confirmations {

    private Confirmations() {
    }

    /**
     * The stage's result once it completed. A {@link RuntimeException} or {@link Error} it failed
     * with is thrown as it is; an interrupt sets the interrupt flag again and throws
     * {@link ClosedException}.
     */
    static <R> R await(CompletionStage<R> stage, String topic) {
        try {
            return stage.toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while waiting for the broker to confirm a publish to " + topic
                    + "; the interrupt flag is set again, and the message may still be confirmed, with the same id", e);
        } catch (CancellationException e) {
            throw new ClosedException("the publish to " + topic + " was cancelled before the broker confirmed it", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause(), topic);
        }
    }

    private static RuntimeException rethrow(Throwable failure, String topic) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new PublishException("publish to " + topic + " failed: " + cause, cause, false);
    }
}
