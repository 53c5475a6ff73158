package dev.keel.benchmarks;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Keel's publisher with broker confirms, on the in-memory broker (which confirms at once, so what is
 * left is Keel's own work: id, headers, in-flight window, timeout, retry and circuit breaker, future
 * chaining). Scores are per message: {@link #publish} publishes one message per operation and waits
 * for its confirmation; {@link #publishAll} publishes {@value #BATCH} pipelined and is normalised per
 * message. {@link BrokerOnlyBenchmark#send} is the broker's own part of it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class PublishBenchmark {

    /** Messages per {@link #publishAll} call. */
    public static final int BATCH = 100;

    /** Bytes of each message's payload. */
    @Param({"200"})
    public int payloadBytes;

    private MemoryKeel env;
    private Publisher publisher;
    private String topic;
    private Message[] messages;
    private List<List<Message>> batches;
    private int next;

    /** A fresh broker, store and Keel per iteration: the broker keeps every record it was sent until closed. */
    @Setup(Level.Iteration)
    public void start() {
        env = MemoryKeel.start();
        topic = "bench-publish";
        env.declare(topic, Workload.PARTITIONS);
        publisher = env.keel().publisher();
        messages = Workload.messages(payloadBytes);
        batches = batches(messages);
    }

    @TearDown(Level.Iteration)
    public void stop() {
        env.close();
    }

    /** One message published and confirmed (blocking {@code publish}). */
    @Benchmark
    public PublishReceipt publish() {
        return publisher.publish(topic, messages[next++ & (Workload.KEYS - 1)]);
    }

    /** {@value #BATCH} messages published pipelined and all confirmed ({@code publishAll}); per message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<PublishReceipt> publishAll() {
        return publisher.publishAll(topic, batches.get(next++ & (Workload.KEYS - 1)));
    }

    /** {@value Workload#KEYS} consecutive runs of {@value #BATCH} messages, cycling through the keys. */
    private static List<List<Message>> batches(Message[] messages) {
        List<List<Message>> batches = new ArrayList<>(Workload.KEYS);
        for (int b = 0; b < Workload.KEYS; b++) {
            List<Message> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                batch.add(messages[(b * BATCH + i) & (Workload.KEYS - 1)]);
            }
            batches.add(List.copyOf(batch));
        }
        return List.copyOf(batches);
    }
}
