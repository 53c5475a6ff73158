package dev.keel.kafka;

import dev.keel.Message;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pipeline process for {@link KafkaTransactionalPipelineTest}, meant to be killed with kill -9 inside an
 * open transaction: it transforms {@code blockAfter} inputs (their outputs sent, the last batch's not
 * committed), then blocks in the transform.
 *
 * <p>Arguments: bootstrap servers, input topic, output topic, group, transactional id, blockAfter, maxBatch.
 */
public final class PipelineVictimMain {

    private PipelineVictimMain() {
    }

    public static void main(String[] args) throws Exception {
        String output = args[2];
        int blockAfter = Integer.parseInt(args[5]);
        AtomicInteger transformed = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(args[0]).linger(java.time.Duration.ZERO)
                .build());
        adapter.transactionalPipeline(PipelineConfig.builder(args[1], args[3], args[4])
                .maxBatch(Integer.parseInt(args[6])).build(), input -> {
                    if (transformed.get() == blockAfter) {
                        System.out.println("blocking on " + input.id());
                        never.await();
                    }
                    transformed.incrementAndGet();
                    return List.of(new PipelineOutput(output, Message.builder(input.payload()).build()));
                });
        never.await();
    }
}
