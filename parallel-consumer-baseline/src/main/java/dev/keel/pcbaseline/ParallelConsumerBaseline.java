package dev.keel.pcbaseline;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumes a topic from its earliest offset with Confluent Parallel Consumer, runs a handler that
 * takes a fixed time, and prints one JSON line
 * {@code {"messages":N,"distinct":D,"joinerRuns":J,"seconds":S,"rate":R,"orderViolations":V}} of a
 * second pass (the first, in group {@code GROUP-warmup}, warms the JVM up and is not reported): the handler runs, the
 * distinct messages (partition and offset) they handled, the time from the first handled message to
 * the last, the rate over that time (as keel bench measures Keel) and how many handler runs broke the
 * key order.
 *
 * <p>With {@code JOIN_AT} above 0 a second Parallel Consumer joins the group once the first has
 * handled that many messages; the runs above the distinct messages are then the handlers that ran
 * twice because of the rebalance, and {@code joinerRuns} the handler runs of the consumer that joined
 * (0 when it got no partition before the end: no rebalance happened).
 *
 * <p>Arguments: {@code BOOTSTRAP TOPIC GROUP EXPECTED_MESSAGES CONCURRENCY HANDLER_LATENCY_MS KEY
 * [TIMEOUT_SECONDS [JOIN_AT]]}. Exit codes: 0 all expected messages handled, 1 timeout or error, 2 bad
 * arguments.
 */
public final class ParallelConsumerBaseline {

    static final String USAGE = "usage: java -jar parallel-consumer-baseline.jar BOOTSTRAP TOPIC GROUP "
            + "EXPECTED_MESSAGES CONCURRENCY HANDLER_LATENCY_MS KEY [TIMEOUT_SECONDS [JOIN_AT]]";
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final long DEFAULT_TIMEOUT_SECONDS = 300;
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private ParallelConsumerBaseline() {
    }

    public static void main(String[] args) {
        // before the first logger: Parallel Consumer and the Kafka client log to stderr, warnings only
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one measurement; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Arguments a;
        try {
            a = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("parallel-consumer-baseline: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        try {
            // one unmeasured pass first, in a group of its own, so that the measured one does not pay for this
            // fresh JVM's JIT warm-up (keel bench warms Keel up the same way)
            Result warmup = consume(a.withGroup(a.group() + "-warmup"));
            if (warmup.distinct() < a.expected()) {
                err.println("parallel-consumer-baseline: timed out in the warm-up pass: only " + warmup.distinct()
                        + " of " + a.expected() + " messages handled within " + a.timeoutSeconds() + " s");
                return EXIT_FAILED;
            }
            Result result = consume(a);
            out.println(result.json());
            if (result.distinct() < a.expected()) {
                err.println("parallel-consumer-baseline: timed out: only " + result.distinct() + " of "
                        + a.expected() + " messages handled within " + a.timeoutSeconds() + " s");
                return EXIT_FAILED;
            }
            return EXIT_OK;
        } catch (RuntimeException e) {
            err.println("parallel-consumer-baseline: failed: " + e);
            return EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("parallel-consumer-baseline: interrupted");
            return EXIT_FAILED;
        }
    }

    private static Result consume(Arguments a) throws InterruptedException {
        KeyOrderTracker tracker = new KeyOrderTracker();
        Set<Long> distinct = ConcurrentHashMap.newKeySet();
        AtomicLong joinerRuns = new AtomicLong();
        long latencyNanos = TimeUnit.MILLISECONDS.toNanos(a.latencyMillis());
        List<ParallelStreamProcessor<byte[], byte[]>> processors = new ArrayList<>();
        try {
            processors.add(start(a, "1", tracker, distinct, new AtomicLong(), latencyNanos));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(a.timeoutSeconds());
            while (distinct.size() < a.expected() && System.nanoTime() < deadline) {
                if (a.joinAt() > 0 && processors.size() == 1 && distinct.size() >= a.joinAt()) {
                    processors.add(start(a, "2", tracker, distinct, joinerRuns, latencyNanos));
                }
                if (processors.stream().anyMatch(ParallelStreamProcessor::isClosedOrFailed)) {
                    throw new IllegalStateException("Parallel Consumer stopped before all messages were handled (its log on "
                            + "stderr says why)");
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            return new Result(tracker.count(), distinct.size(), joinerRuns.get(), tracker.seconds(),
                    tracker.perSecond(), tracker.violations());
        } finally {
            processors.forEach(p -> p.closeDontDrainFirst(CLOSE_TIMEOUT));
        }
    }

    /** Starts one Parallel Consumer in the group, handling into {@code tracker} and {@code distinct}. */
    private static ParallelStreamProcessor<byte[], byte[]> start(Arguments a, String member, KeyOrderTracker tracker,
                                                                 Set<Long> distinct, AtomicLong memberRuns,
                                                                 long latencyNanos) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, a.group());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "pc-baseline-" + a.group() + "-" + member);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        ParallelConsumerOptions<byte[], byte[]> options = ParallelConsumerOptions.<byte[], byte[]>builder()
                .ordering(a.ordering())
                .maxConcurrency(a.concurrency())
                .consumer(consumer)
                .build();
        ParallelStreamProcessor<byte[], byte[]> processor = ParallelStreamProcessor.createEosStreamProcessor(options);
        processor.subscribe(List.of(a.topic()));
        processor.poll(context -> {
            ConsumerRecord<byte[], byte[]> record = context.getSingleConsumerRecord();
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            tracker.started(key, record.offset());
            simulateWork(latencyNanos);
            tracker.finished(key);
            memberRuns.incrementAndGet();
            distinct.add(((long) record.partition() << 40) | record.offset());
        });
        return processor;
    }

    /** Waits at least {@code nanos}: the simulated work of the handler. */
    static void simulateWork(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** The parsed command line. */
    record Arguments(String bootstrap, String topic, String group, long expected, int concurrency,
                     long latencyMillis, ProcessingOrder ordering, long timeoutSeconds, long joinAt) {

        Arguments withGroup(String otherGroup) {
            return new Arguments(bootstrap, topic, otherGroup, expected, concurrency, latencyMillis, ordering,
                    timeoutSeconds, joinAt);
        }

        static Arguments parse(String[] args) {
            if (args.length < 7 || args.length > 9) {
                throw new IllegalArgumentException("expected 7 to 9 arguments, got " + args.length + ": "
                        + Arrays.toString(args));
            }
            for (int i = 0; i < 3; i++) {
                if (args[i].isBlank()) {
                    throw new IllegalArgumentException("argument " + (i + 1) + " (BOOTSTRAP, TOPIC, GROUP) is blank");
                }
            }
            long expected = number(args[3], "EXPECTED_MESSAGES", 1);
            long concurrency = number(args[4], "CONCURRENCY", 1);
            if (concurrency > 100_000) {
                throw new IllegalArgumentException("CONCURRENCY must be at most 100000, was " + concurrency);
            }
            long latency = number(args[5], "HANDLER_LATENCY_MS", 0);
            if (!args[6].equalsIgnoreCase("KEY")) {
                throw new IllegalArgumentException("ordering must be KEY (the ordering keel bench compares), was "
                        + args[6]);
            }
            long timeout = args.length >= 8 ? number(args[7], "TIMEOUT_SECONDS", 1) : DEFAULT_TIMEOUT_SECONDS;
            long joinAt = args.length == 9 ? number(args[8], "JOIN_AT", 0) : 0;
            if (joinAt >= expected) {
                throw new IllegalArgumentException("JOIN_AT must be below EXPECTED_MESSAGES (" + expected + "), was "
                        + joinAt);
            }
            return new Arguments(args[0], args[1], args[2], expected, (int) concurrency, latency,
                    ProcessingOrder.valueOf(args[6].toUpperCase(Locale.ROOT)), timeout, joinAt);
        }

        private static long number(String value, String name, long min) {
            long n;
            try {
                n = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
            }
            if (n < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", was " + n);
            }
            return n;
        }
    }

    /** What one run printed. */
    record Result(long messages, long distinct, long joinerRuns, double seconds, double rate, long orderViolations) {

        String json() {
            return String.format(Locale.ROOT, "{\"messages\":%d,\"distinct\":%d,\"joinerRuns\":%d,\"seconds\":%.3f,"
                    + "\"rate\":%.1f,\"orderViolations\":%d}", messages, distinct, joinerRuns, seconds, rate,
                    orderViolations);
        }
    }
}
