package dev.keel.rocket;

import static dev.keel.rocket.RocketTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Messages that RocketMQ refuses, and what that does to the messages queued with them. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketPublishFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final RocketAdapter adapter = RocketTestSupport.adapter();

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aRefusedMessageShouldNotFailTheMessagesQueuedBehindIt() {
        String topic = RocketTestSupport.unique("refused");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        BrokerProducer producer = adapter.producer();
        byte[] tooBig = new byte[RocketConfig.DEFAULT_MAX_MESSAGE_BYTES];
        new Random(7).nextBytes(tooBig);
        OutboundRecord template = record(topic, "too-big", "big", "");
        OutboundRecord illegal = new OutboundRecord(topic, "too-big", "big", template.headers(), tooBig,
                template.timestamp());

        CompletableFuture<PublishReceipt> refused = producer.send(illegal).toCompletableFuture();
        List<CompletableFuture<PublishReceipt>> behind = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            behind.add(producer.send(record(topic, "ok-" + i, "other-" + i, "fine")).toCompletableFuture());
        }

        assertThatThrownBy(refused::join).as("the 4 MiB body plus its properties is over the broker's limit")
                .hasCauseInstanceOf(PublishException.class)
                .satisfies(e -> assertThat(((KeelException) e.getCause()).isRetriable()).isFalse());
        for (int i = 0; i < behind.size(); i++) {
            assertThat(behind.get(i).orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join().messageId())
                    .as("message %d of another key queued behind the refused one", i).isEqualTo("ok-" + i);
        }
    }

    @Test
    void messagesWithLargeHeadersFromSixteenThreadsOnOneQueueShouldAllBeConfirmed() throws Exception {
        String topic = RocketTestSupport.unique("big-headers");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        BrokerProducer producer = adapter.producer();
        String bigHeader = "h".repeat(30_000);
        String payload = "p".repeat(6_000);
        int threads = 16;
        int perThread = 30;
        ConcurrentLinkedQueue<CompletableFuture<PublishReceipt>> sent = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                pool.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        OutboundRecord base = record(topic, "big-" + thread + "-" + i, "k" + thread, payload);
                        Map<String, String> headers = new HashMap<>(base.headers());
                        headers.put("trace-baggage", bigHeader);
                        sent.add(producer.send(new OutboundRecord(topic, base.id(), base.key(), headers,
                                base.payload(), base.timestamp())).toCompletableFuture());
                    }
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }

        List<PublishReceipt> receipts = new ArrayList<>();
        for (CompletableFuture<PublishReceipt> f : sent) {
            receipts.add(f.orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join());
        }
        assertThat(receipts).hasSize(threads * perThread);
        assertThat(receipts.stream().map(PublishReceipt::offset).distinct()).hasSize(threads * perThread);
    }
}
