package dev.keel.cli.verify.features;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.core.Keel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A workload's publishes in flight, and then which were confirmed: only those are checked. */
final class Published {

    private final Map<String, CompletableFuture<PublishReceipt>> sent = new LinkedHashMap<>();

    /** Publishes {@code message} to {@code topic}, its confirmation awaited later by {@link #confirmed}. */
    void send(Keel keel, String topic, Message message) {
        sent.put(message.id(), keel.publisher().publishAsync(topic, message).toCompletableFuture());
    }

    /**
     * The ids whose publish the broker confirmed, waiting at most {@code within} for the rest; the
     * refused and unanswered ones are noted in {@code result}.
     */
    List<String> confirmed(Duration within, FeatureResult result) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> confirmed = new ArrayList<>();
        int failed = 0;
        String firstFailure = null;
        for (Map.Entry<String, CompletableFuture<PublishReceipt>> e : sent.entrySet()) {
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                confirmed.add(e.getKey());
            } catch (ExecutionException | TimeoutException ex) {
                failed++;
                if (firstFailure == null) {
                    Throwable cause = ex instanceof ExecutionException ? ex.getCause() : ex;
                    firstFailure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                }
            }
        }
        if (failed > 0) {
            result.note(failed + " publish(es) not confirmed, not checked (first: " + firstFailure + ")");
        }
        return confirmed;
    }
}
