package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.core.Keel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A publisher's stream through a fault: messages {@code m-0}, {@code m-1}, ... (each its id as payload, keys
 * {@code k0..k6}) published asynchronously in batches, each publish's outcome recorded by id. It stops after its first
 * quarter until {@link #resume()}, so the fault hits mid-stream, then goes on until three quarters are confirmed (a
 * batch with failed publishes is followed by a short pause, so the stream does not spin while the broker is away).
 * For the fault tests of the adapters on real brokers (a broker killed and restarted, connections cut).
 */
public final class FaultedStream {

    private static final int BATCH = 20;
    /** A bound on what the stream publishes while it waits for confirms after the fault. */
    private static final int MAX_PUBLISHED = 20_000;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);

    private final Keel keel;
    private final String topic;
    private final int messages;
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final Map<String, Throwable> failed = new ConcurrentHashMap<>();
    private final CountDownLatch resumed = new CountDownLatch(1);
    private final CompletableFuture<Void> stream;

    private FaultedStream(Keel keel, String topic, int messages) {
        this.keel = keel;
        this.topic = topic;
        this.messages = messages;
        this.stream = CompletableFuture.runAsync(this::run);
    }

    /** Starts publishing {@code messages} (a multiple of 4 batches of 20) to {@code topic}. */
    public static FaultedStream start(Keel keel, String topic, int messages) {
        return new FaultedStream(keel, topic, messages);
    }

    /** The message of id {@code id}, as the stream publishes it: to send one again with the same id. */
    public static Message message(String id) {
        return Message.builder(id, Codec.utf8()).id(id).key("k" + (Integer.parseInt(id.substring(2)) % 7)).build();
    }

    /** Waits until the first quarter is confirmed, and checks that the stream stopped there (mid-stream). */
    public void awaitFirstQuarter(Duration patience) {
        await().atMost(patience).until(() -> confirmed.size() >= messages / 4);
        assertThat(confirmed).as("confirmed when the fault hits: the first quarter, mid-stream")
                .hasSize(messages / 4);
    }

    /** Lets the stream go on: call it once the fault has begun. */
    public void resume() {
        resumed.countDown();
    }

    /** Waits for the stream to end (three quarters confirmed, and all {@code messages} published at least). */
    public void finish(Duration patience) throws Exception {
        stream.get(patience.toSeconds(), TimeUnit.SECONDS);
    }

    /** The ids whose publish was confirmed. */
    public Set<String> confirmed() {
        return confirmed;
    }

    /** The ids whose publish failed, with the failure (the cause of a {@link CompletionException}). */
    public Map<String, Throwable> failed() {
        return failed;
    }

    private void run() {
        for (int from = 0; from < messages || confirmed.size() < messages * 3 / 4; from += BATCH) {
            if (from == messages / 4) {
                awaitResume();
            }
            if (from >= MAX_PUBLISHED) {
                throw new IllegalStateException("published " + from + ", confirmed " + confirmed.size());
            }
            int failedBefore = failed.size();
            List<CompletableFuture<Void>> batch = new ArrayList<>();
            for (int i = from; i < from + BATCH; i++) {
                String id = "m-" + i;
                batch.add(keel.publisher().publishAsync(topic, message(id)).toCompletableFuture()
                        .handle((receipt, error) -> {
                            if (error == null) {
                                confirmed.add(id);
                            } else {
                                failed.put(id, error instanceof CompletionException c ? c.getCause() : error);
                            }
                            return null;
                        }));
            }
            batch.forEach(CompletableFuture::join);
            if (failed.size() > failedBefore) {
                LockSupport.parkNanos(RETRY_PAUSE.toNanos());
            }
        }
    }

    private void awaitResume() {
        try {
            if (!resumed.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the fault did not begin within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the fault", e);
        }
    }
}
