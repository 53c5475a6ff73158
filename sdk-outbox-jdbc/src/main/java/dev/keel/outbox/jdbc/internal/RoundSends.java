package dev.keel.outbox.jdbc.internal;

import dev.keel.Publisher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishes of one round's rows. A key's rows (same topic and key) go out one at a time, in
 * sequence order: the next is published only once the broker confirmed the one before. Rows of
 * different keys, and keyless rows, are published pipelined. So when a row fails or is refused, the
 * later rows of its key have not been sent: they stay, unsent, and no row the broker confirmed ever
 * needs to be sent again to keep its key's order. All of it on the calling thread: the publishers'
 * callbacks only queue the index of the row whose publish completed.
 */
final class RoundSends {

    private static final Logger LOG = LoggerFactory.getLogger(RoundSends.class);

    /** A row the broker or the publisher refused for good, and why. */
    record Refusal(OutboxTable.Row row, String cause) {
    }

    /**
     * What the round's publishes came to: the confirmed rows' sequence numbers; the refused rows; how
     * many failed retriably or were not confirmed within the confirm timeout, and of those how many had no outcome
     * by the deadline ({@code unanswered}); how many were not sent (behind a failed or refused row of their key, or
     * not reached within the timeout); the keys whose later rows must not be published in this round (a row of
     * theirs failed, was refused or had no outcome); whether the publisher was found closed; and the first retriable
     * failure's description (null when none failed so, or the rows were only not confirmed in time).
     */
    record Outcome(List<Long> confirmed, List<Refusal> refused, int failed, int unanswered, int held,
                   Set<OutboxTable.KeyOnTopic> heldKeys, boolean publisherClosed, String firstFailure) {
    }

    private final Publisher publisher;
    private final List<OutboxTable.Row> rows;
    private final List<ArrayDeque<Integer>> chainOf;
    private final CompletableFuture<?>[] futures;
    private final BlockingQueue<Integer> completed = new LinkedBlockingQueue<>();
    private final List<Long> confirmed = new ArrayList<>();
    private final List<Refusal> refused = new ArrayList<>();
    private final long deadline;
    private int outstanding;
    private int failed;
    private boolean publisherClosed;
    /** Whether the thread was interrupted while waiting: no later row is started, the thread is interrupted again. */
    private boolean interrupted;
    private String firstFailure;

    private RoundSends(Publisher publisher, List<OutboxTable.Row> rows, long deadline) {
        this.publisher = publisher;
        this.rows = rows;
        this.futures = new CompletableFuture<?>[rows.size()];
        this.deadline = deadline;
        this.chainOf = new ArrayList<>(rows.size());
        Map<OutboxTable.KeyOnTopic, ArrayDeque<Integer>> chains = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            OutboxTable.Row row = rows.get(i);
            ArrayDeque<Integer> chain = row.key() == null ? new ArrayDeque<>()
                    : chains.computeIfAbsent(new OutboxTable.KeyOnTopic(row.topic(), row.key()), k -> new ArrayDeque<>());
            chain.addLast(i);
            chainOf.add(chain);
        }
    }

    /**
     * Publishes {@code rows} (in sequence order) as described above and waits, until {@code deadline} (a nano time:
     * the round's confirm timeout) at most, for their outcomes, and for those still outstanding then up to
     * {@link RelayRounds#LATE_OUTCOME_WAIT} more. An interrupt starts no later row but does not end the wait (given up
     * on, a publish confirmed later would leave its row to be sent again after the later rows of its key); the thread
     * is interrupted again when the wait ends.
     */
    static Outcome send(Publisher publisher, List<OutboxTable.Row> rows, long deadline) {
        return new RoundSends(publisher, rows, deadline).run();
    }

    private Outcome run() {
        for (int i = 0; i < rows.size(); i++) {
            if (chainOf.get(i).peekFirst() == i) {
                start(i);
            }
        }
        awaitOutcomes(deadline);
        int unanswered = outstanding;
        if (outstanding > 0) {
            // not confirmed within the confirm timeout: their outcome is awaited still (no later row of their
            // keys is started), with their lanes locked. Given up on now, a confirm that comes late would leave
            // the row to be sent again, after the later rows of its key: a second copy, out of order
            LOG.warn("outbox relay: {} publish(es) not confirmed within confirmTimeout; waiting up to {} more for"
                    + " their outcome, their lanes locked (a row given up on while its publish may still be "
                    + "confirmed would go out again after later rows of its key). Keep confirmTimeout above the "
                    + "publisher's timeout", outstanding, RelayRounds.LATE_OUTCOME_WAIT);
            awaitOutcomes(System.nanoTime() + RelayRounds.LATE_OUTCOME_WAIT.toNanos());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        failed += outstanding;
        int held = rows.size() - confirmed.size() - refused.size() - failed;
        return new Outcome(confirmed, refused, failed, unanswered, held, heldKeys(), publisherClosed, firstFailure);
    }

    /** The keys whose chain did not end: a row of theirs failed, was refused, had no outcome, or was not started. */
    private Set<OutboxTable.KeyOnTopic> heldKeys() {
        Set<OutboxTable.KeyOnTopic> held = new LinkedHashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            OutboxTable.Row row = rows.get(i);
            if (row.key() != null && !chainOf.get(i).isEmpty()) {
                held.add(new OutboxTable.KeyOnTopic(row.topic(), row.key()));
            }
        }
        return held;
    }

    /** Settles the publishes that complete until none is outstanding or {@code until} (a nano time) passed. */
    private void awaitOutcomes(long until) {
        while (outstanding > 0) {
            long wait = until - System.nanoTime();
            Integer done;
            try {
                done = wait > 0 ? completed.poll(wait, TimeUnit.NANOSECONDS) : completed.poll();
            } catch (InterruptedException e) {
                interrupted = true; // remembered, and set again once the wait ends
                continue;
            }
            if (done == null) {
                return; // they count as failed (see run)
            }
            outstanding--;
            settle(done);
        }
    }

    /** Publishes row {@code i}; an unreadable row is refused at once, unsent. */
    private void start(int i) {
        OutboxTable.Row row = rows.get(i);
        if (row.message() == null) {
            refused.add(new Refusal(row, row.unreadable()));
            return;
        }
        CompletableFuture<?> future;
        try {
            future = publisher.publishAsync(row.topic(), row.message()).toCompletableFuture();
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        futures[i] = future;
        outstanding++;
        future.whenComplete((receipt, error) -> completed.add(i));
    }

    /** Row {@code i}'s publish completed: records how, and publishes the next row of its key if confirmed. */
    private void settle(int i) {
        OutboxTable.Row row = rows.get(i);
        Throwable error = futures[i].handle((receipt, failure) -> failure).join();
        if (error == null) {
            confirmed.add(row.seq());
            ArrayDeque<Integer> chain = chainOf.get(i);
            chain.pollFirst();
            Integer next = chain.peekFirst();
            if (next != null && !publisherClosed && !interrupted && !Thread.currentThread().isInterrupted()
                    && deadline - System.nanoTime() > 0) {
                start(next);
            }
            return;
        }
        switch (Refusals.of(error)) {
            case REFUSED -> refused.add(new Refusal(row, Refusals.describe(error)));
            case CLOSED -> {
                publisherClosed = true;
                failed++;
            }
            default -> {
                failed++;
                if (firstFailure == null) {
                    firstFailure = Refusals.describe(error);
                }
                LOG.debug("outbox message {} to {} not confirmed: {}", row.id(), row.topic(), Refusals.describe(error));
            }
        }
    }
}
