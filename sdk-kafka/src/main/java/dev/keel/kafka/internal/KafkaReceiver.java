package dev.keel.kafka.internal;

import dev.keel.KeelException;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * One subscription's Kafka consumer: a {@link PollLoop} on its own thread owns the KafkaConsumer;
 * pause, resume, close and abort reach it as {@link ConsumerSignals} plus a {@code wakeup()}.
 * {@link #abort()} is this module's own crash simulation for its tests, not part of the SPI.
 */
public final class KafkaReceiver implements AbortableConsumer {

    private final KafkaConfig config;
    private final ConsumerSettings settings;
    private final ConsumerSignals signals = new ConsumerSignals();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Consumer<byte[], byte[]> consumer;
    /** Written by the poll loop after each poll. */
    private final FetchProgress progress = new FetchProgress();

    public KafkaReceiver(KafkaConfig config, ConsumerSettings settings) {
        this.config = Objects.requireNonNull(config, "config");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public synchronized void start(DeliverySink sink) {
        Objects.requireNonNull(sink, "sink");
        if (consumer != null || signals.closing()) {
            throw new IllegalStateException("a Kafka consumer starts once, and not after close");
        }
        Consumer<byte[], byte[]> created;
        try {
            created = ClientSetup.create("the consumer for topic " + settings.topic() + " group " + settings.group(),
                    config.properties(), () -> new KafkaConsumer<>(ClientProperties.consumer(config, settings)));
        } catch (KafkaException e) {
            throw new KeelException("cannot create the Kafka consumer for topic " + settings.topic() + " group "
                    + settings.group() + ": " + e.getMessage(), e, false);
        }
        StartPositions startPositions = startPositions(created);
        consumer = created;
        Thread thread = new Thread(new PollLoop(consumer, sink, signals, config, settings, done, progress,
                startPositions),
                config.clientId() + "-poll-" + settings.topic() + "-" + settings.group());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A consumer that starts at the end of the partitions its group has no offset for (a broadcast
     * instance, or {@code autoOffsetReset=latest}) starts at their end as of now, before
     * {@link #start} returns; the others start at the committed offsets, else the earliest.
     */
    private StartPositions startPositions(Consumer<byte[], byte[]> created) {
        if (!ClientProperties.startsAtLatest(config, settings)) {
            return StartPositions.none();
        }
        try {
            return StartPositions.atEnd(created, settings.topic(), config.requestTimeout());
        } catch (KafkaException e) {
            created.close();
            throw new KeelException("cannot read where the Kafka consumer for topic " + settings.topic() + " group "
                    + settings.group() + " starts (the end of each partition without a committed offset): "
                    + e.getMessage(), e, e instanceof RetriableException);
        }
    }

    /** The lag of the owned partitions behind their fetch positions, plus records fetched and held back. */
    @Override
    public long backlog() {
        return progress.backlog();
    }

    /**
     * Whether the last poll round owned every partition of the topic, had handed over each one up to where it ended when
     * first fetched, and held nothing back.
     */
    @Override
    public boolean caughtUp() {
        return progress.caughtUp();
    }

    /** The topic's partitions the last poll round did not own. */
    @Override
    public Set<String> partitionsHeldByOthers() {
        return progress.heldByOthers();
    }

    @Override
    public void pause() {
        signals.pauseWanted(true);
    }

    @Override
    public void resume() {
        signals.pauseWanted(false);
        if (signals.idle()) {
            wakeup();
        }
    }

    @Override
    public synchronized CompletionStage<Void> close() {
        signals.close();
        if (consumer == null) {
            done.complete(null);
        } else {
            wakeup();
        }
        return done.copy();
    }

    /**
     * Leaves as a crash would: commits nothing more and ignores later acknowledgements; what was not
     * committed is redelivered to the group. For this module's tests; the SPI has no abort.
     */
    @Override
    public synchronized void abort() {
        signals.abort();
        if (consumer == null) {
            done.complete(null);
        } else {
            wakeup();
        }
    }

    private void wakeup() {
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }
}
