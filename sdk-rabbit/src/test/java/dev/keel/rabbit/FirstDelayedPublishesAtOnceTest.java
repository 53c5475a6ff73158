package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Delayed publishes that several threads make at once to a delay queue nobody declared yet (non-blocking retries
 * of messages failing side by side on their lanes do this) are all confirmed. RabbitMQ 3.10 nacks some
 * publishes to a quorum queue that several channels declared at the same moment; the producer declares each delay
 * queue once, however many threads ask for it, so that no first retry copy is refused.
 */
@UsesBrokers(BrokerKind.RABBIT)
class FirstDelayedPublishesAtOnceTest {

    private static final int THREADS = 8;
    private static final int TOPICS = 6;

    private RabbitAdapter adapter;
    private ExecutorService threads;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
        threads = Executors.newFixedThreadPool(THREADS);
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        adapter.close();
    }

    @Test
    void delayedPublishesOfManyThreadsToANewDelayQueueShouldAllBeConfirmed() throws Exception {
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int t = 0; t < TOPICS; t++) {
            String topic = RabbitTestSupport.unique("first-delays");
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("billing").build());
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<CompletableFuture<?>>> calls = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                OutboundRecord record = Records.delayed(topic, "m" + i, "one-key", Duration.ofSeconds(2));
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return producer.send(record).toCompletableFuture();
                }, threads));
            }
            start.countDown();
            for (CompletableFuture<CompletableFuture<?>> call : calls) {
                sent.add(call.get(30, TimeUnit.SECONDS));
            }
        }

        List<String> refused = new ArrayList<>();
        for (CompletableFuture<?> publish : sent) {
            publish.handle((receipt, error) -> error == null ? null : refused.add(String.valueOf(error)))
                    .get(30, TimeUnit.SECONDS);
        }
        assertThat(refused).as("delayed publishes refused, of %s", sent.size()).isEmpty();
    }
}
