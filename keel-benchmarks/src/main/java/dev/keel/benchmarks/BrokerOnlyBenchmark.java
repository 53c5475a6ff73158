package dev.keel.benchmarks;

import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-memory broker alone, through its adapter SPI, without Keel: the part of
 * {@link PublishBenchmark} and {@link ConsumeBenchmark} that is the broker's (storing a record,
 * handing it out, taking its ack) and not the engine's. Per message, as there.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class BrokerOnlyBenchmark {

    /** The broker's producer alone, no consumer. */
    @State(Scope.Benchmark)
    public static class Sending {

        /** Bytes of each message's payload. */
        @Param({"200"})
        public int payloadBytes;

        InMemoryBroker broker;
        BrokerProducer producer;
        OutboundRecord[] records;
        int next;

        @Setup(Level.Iteration)
        public void start() {
            broker = InMemoryBroker.create();
            broker.ensureTopology(MemoryKeel.spec("bench-send", Workload.PARTITIONS));
            producer = broker.producer();
            records = Workload.records("bench-send", payloadBytes);
        }

        @TearDown(Level.Iteration)
        public void stop() {
            broker.close();
        }
    }

    /** The broker's producer and one consumer of the topic that acks each record as it arrives. */
    @State(Scope.Benchmark)
    public static class Consuming implements DeliverySink {

        /** Bytes of each message's payload. */
        @Param({"200"})
        public int payloadBytes;

        InMemoryBroker broker;
        BrokerConsumer consumer;
        Feeder feeder;

        @Setup(Level.Iteration)
        public void start() {
            broker = InMemoryBroker.create();
            broker.ensureTopology(MemoryKeel.spec("bench-consume", Workload.PARTITIONS, ConsumeBenchmark.GROUP));
            feeder = new Feeder(broker.producer(), Workload.records("bench-consume", payloadBytes));
            consumer = broker.consumer(new ConsumerSettings("bench-consume", ConsumeBenchmark.GROUP,
                    SubscriptionConfig.DEFAULT_MAX_IN_FLIGHT, Duration.ofSeconds(10)));
            consumer.start(this);
        }

        @Override
        public void accept(List<InboundRecord> records) {
            for (InboundRecord r : records) {
                r.ack();
                feeder.handled();
            }
        }

        @Override
        public CompletionStage<Void> revoke(Collection<String> partitions) {
            return CompletableFuture.completedFuture(null);
        }

        @TearDown(Level.Iteration)
        public void stop() {
            try {
                consumer.close().toCompletableFuture().join();
            } finally {
                broker.close();
            }
        }
    }

    /** One record sent and confirmed. */
    @Benchmark
    public PublishReceipt send(Sending s) {
        return s.producer.send(s.records[s.next++ & (Workload.KEYS - 1)]).toCompletableFuture().join();
    }

    /** {@value ConsumeBenchmark#BATCH} records sent and acked by a bare consumer; per message. */
    @Benchmark
    @OperationsPerInvocation(ConsumeBenchmark.BATCH)
    public long consume(Consuming s) throws TimeoutException {
        return s.feeder.feed(ConsumeBenchmark.BATCH);
    }
}
