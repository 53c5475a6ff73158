package dev.keel.cli.outbox;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.outbox.jdbc.OutboxRelay;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The relays of a {@code verify --outbox} run, several at once on one table, and their crashes. A
 * relay is crashed the way a process killed between the broker's confirmation and the row's delete
 * would be: from some publish on, its publisher reports the confirmations of messages the broker
 * already stored as lost, and sends nothing more. Its round therefore ends without deleting those
 * rows, and the relay is replaced by a new one, which publishes them again with the same ids.
 */
final class CrashingRelays implements AutoCloseable {

    private final DataSource dataSource;
    private final Publisher publisher;
    private final OutboxConfig config;
    private final List<Slot> slots = new ArrayList<>();
    private final AtomicInteger crashes = new AtomicInteger();
    private final Map<String, Integer> sends = new ConcurrentHashMap<>();
    private final ExecutorService replacer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keel-verify-relay-replacer");
        t.setDaemon(true);
        return t;
    });

    CrashingRelays(DataSource dataSource, Publisher publisher, OutboxConfig config, int relays) throws SQLException {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.config = config;
        for (int i = 0; i < relays; i++) {
            Slot slot = new Slot();
            slots.add(slot);
            slot.startNew();
        }
    }

    /**
     * Crashes relay {@code index} after {@code publishes} more of its publishes. A crash planned while that
     * relay already waits for one, or is being replaced, waits for the next relay of that position: a plan
     * never overwrites or loses another.
     */
    void crashAfter(int index, int publishes) {
        synchronized (slots) {
            slots.get(index % slots.size()).plan(publishes);
        }
    }

    /** Messages the relays sent to the broker more than once (each time with the same id). */
    long republished() {
        return sends.values().stream().filter(n -> n > 1).count();
    }

    /** Relays crashed so far (each was replaced). */
    int crashes() {
        return crashes.get();
    }

    @Override
    public void close() {
        replacer.shutdown();
        try {
            replacer.awaitTermination(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (slots) {
            slots.forEach(s -> s.relay.close());
        }
    }

    /** One relay position: its current relay and the publisher that can crash it. */
    private final class Slot {
        private volatile CrashablePublisher current;
        private OutboxRelay relay;
        /** Crashes planned for the relays this position starts next (under {@code slots}'s lock). */
        private final Deque<Integer> planned = new ArrayDeque<>();

        void startNew() throws SQLException {
            current = new CrashablePublisher(publisher, this::crashed, sends);
            Integer next = planned.poll();
            if (next != null) {
                current.crashAfter(next);
            }
            relay = OutboxRelay.create(dataSource, current, config);
            relay.start();
        }

        /** Arms the current relay, or keeps the plan for the next one when this one is armed or dead. */
        void plan(int publishes) {
            if (current.armedOrDead()) {
                planned.add(publishes);
            } else {
                current.crashAfter(publishes);
            }
        }

        private void crashed() {
            crashes.incrementAndGet();
            replacer.execute(() -> {
                synchronized (slots) {
                    relay.close();   // its round ends at once: every publish now fails
                    try {
                        startNew();
                    } catch (SQLException e) {
                        throw new IllegalStateException("the replacement relay cannot reach the database", e);
                    }
                }
            });
        }
    }

    /** Forwards to Keel's publisher until it crashes; then confirms nothing, sent or not. */
    private static final class CrashablePublisher implements Publisher {
        private final Publisher delegate;
        private final Runnable onCrash;
        private final AtomicInteger untilCrash = new AtomicInteger(-1);
        private final AtomicBoolean dead = new AtomicBoolean();
        private final Map<String, Integer> sends;

        CrashablePublisher(Publisher delegate, Runnable onCrash, Map<String, Integer> sends) {
            this.delegate = delegate;
            this.onCrash = onCrash;
            this.sends = sends;
        }

        void crashAfter(int publishes) {
            untilCrash.set(Math.max(1, publishes));
        }

        boolean armedOrDead() {
            return dead.get() || untilCrash.get() > 0;
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            if (dead.get()) {
                return CompletableFuture.failedFuture(new IllegalStateException("relay crashed"));
            }
            CompletionStage<PublishReceipt> sent = delegate.publishAsync(topic, message);
            sends.merge(message.id(), 1, Integer::sum);
            if (untilCrash.get() > 0 && untilCrash.decrementAndGet() == 0 && dead.compareAndSet(false, true)) {
                onCrash.run();
            }
            // confirmations that arrive after the crash are lost with the process
            return sent.thenCompose(receipt -> dead.get()
                    ? CompletableFuture.<PublishReceipt>failedFuture(new IllegalStateException("relay crashed"))
                    : CompletableFuture.completedFuture(receipt));
        }

        @Override
        public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
            List<CompletableFuture<PublishReceipt>> each = messages.stream()
                    .map(m -> publishAsync(topic, m).toCompletableFuture()).toList();
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return CompletableFuture.completedFuture(null);   // Keel's shared publisher stays open
        }

        @Override
        public void close() {
        }
    }
}
