package dev.keel.benchmarks;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import java.time.Duration;
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
 * The consumer engine with an empty handler, on the in-memory broker and store: per message, the
 * wall time and allocation from the broker's delivery to the handler and back to the ack (and,
 * under EFFECTIVELY_ONCE, the claim and the done mark). Each operation sends {@value #BATCH}
 * records straight to the broker's producer and waits until the handler has seen them all; the
 * score is normalised per message. The sending is part of each operation: {@link BrokerOnlyBenchmark#consume}
 * measures the same loop without Keel (the broker's consumer acking each record at once), so the
 * difference is the engine's cost.
 *
 * <p>The subscription has the defaults but the guarantee and the ordering: {@value SubscriptionConfig#DEFAULT_LANES}
 * lanes (workers when unordered), at most {@value SubscriptionConfig#DEFAULT_MAX_IN_FLIGHT} in flight, over
 * {@value Workload#PARTITIONS} partitions and {@value Workload#KEYS} keys.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ConsumeBenchmark {

    /** Records sent per operation. */
    public static final int BATCH = 1000;
    static final String GROUP = "bench";
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @Param({"AT_LEAST_ONCE", "EFFECTIVELY_ONCE"})
    public DeliveryGuarantee guarantee;

    @Param({"UNORDERED", "PER_KEY"})
    public Ordering ordering;

    /** Bytes of each message's payload. */
    @Param({"200"})
    public int payloadBytes;

    private MemoryKeel env;
    private Subscription subscription;
    private Feeder feeder;

    /** A fresh broker, store, Keel and subscription per iteration (the broker and store keep what they saw). */
    @Setup(Level.Iteration)
    public void start() {
        env = MemoryKeel.start();
        String topic = "bench-consume";
        env.declare(topic, Workload.PARTITIONS, GROUP);
        feeder = new Feeder(env.broker().producer(), Workload.records(topic, payloadBytes));
        Feeder f = feeder;
        subscription = env.keel().subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.bytes())
                .guarantee(guarantee).ordering(ordering).closeTimeout(CLOSE_TIMEOUT).build(), d -> f.handled());
    }

    @TearDown(Level.Iteration)
    public void stop() {
        try {
            subscription.close(CLOSE_TIMEOUT);
        } finally {
            env.close();
        }
    }

    /** {@value #BATCH} messages sent to the broker and handled; per message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long consume() throws TimeoutException {
        return feeder.feed(BATCH);
    }
}
