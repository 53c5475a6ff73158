package dev.keel.pcbaseline;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumes a topic from its earliest offset with Confluent Parallel Consumer, runs a handler that
 * takes a fixed time, and prints one JSON line
 * {@code {"messages":N,"seconds":S,"rate":R,"orderViolations":V}} of a second pass (the first, in group
 * {@code GROUP-warmup}, warms the JVM up and is not reported): the messages handled, the time
 * from the first handled message to the last, the rate over that time (as keel bench measures Keel)
 * and how many handler runs broke the key order.
 *
 * <p>Arguments: {@code BOOTSTRAP TOPIC GROUP EXPECTED_MESSAGES CONCURRENCY HANDLER_LATENCY_MS KEY
 * [TIMEOUT_SECONDS]}. Exit codes: 0 all expected messages handled, 1 timeout or error, 2 bad arguments.
 */
public final class ParallelConsumerBaseline {

    static final String USAGE = "usage: java -jar parallel-consumer-baseline.jar BOOTSTRAP TOPIC GROUP "
            + "EXPECTED_MESSAGES CONCURRENCY HANDLER_LATENCY_MS KEY [TIMEOUT_SECONDS]";
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
            if (warmup.messages() < a.expected()) {
                err.println("parallel-consumer-baseline: timed out in the warm-up pass: only " + warmup.messages()
                        + " of " + a.expected() + " messages handled within " + a.timeoutSeconds() + " s");
                return EXIT_FAILED;
            }
            Result result = consume(a);
            out.println(result.json());
            if (result.messages() < a.expected()) {
                err.println("parallel-consumer-baseline: timed out: only " + result.messages() + " of "
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
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, a.group());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "pc-baseline-" + a.group());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        ParallelConsumerOptions<byte[], byte[]> options = ParallelConsumerOptions.<byte[], byte[]>builder()
                .ordering(a.ordering())
                .maxConcurrency(a.concurrency())
                .consumer(consumer)
                .build();
        KeyOrderTracker tracker = new KeyOrderTracker();
        long latencyNanos = TimeUnit.MILLISECONDS.toNanos(a.latencyMillis());
        ParallelStreamProcessor<byte[], byte[]> processor = ParallelStreamProcessor.createEosStreamProcessor(options);
        try {
            processor.subscribe(List.of(a.topic()));
            processor.poll(context -> {
                ConsumerRecord<byte[], byte[]> record = context.getSingleConsumerRecord();
                String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
                tracker.started(key, record.offset());
                simulateWork(latencyNanos);
                tracker.finished(key);
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(a.timeoutSeconds());
            while (tracker.count() < a.expected() && System.nanoTime() < deadline) {
                if (processor.isClosedOrFailed()) {
                    throw new IllegalStateException("Parallel Consumer stopped before all messages were handled (its log on "
                            + "stderr says why)");
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            return new Result(tracker.count(), tracker.seconds(), tracker.perSecond(), tracker.violations());
        } finally {
            processor.closeDontDrainFirst(CLOSE_TIMEOUT);
        }
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
                     long latencyMillis, ProcessingOrder ordering, long timeoutSeconds) {

        Arguments withGroup(String otherGroup) {
            return new Arguments(bootstrap, topic, otherGroup, expected, concurrency, latencyMillis, ordering,
                    timeoutSeconds);
        }

        static Arguments parse(String[] args) {
            if (args.length < 7 || args.length > 8) {
                throw new IllegalArgumentException("expected 7 or 8 arguments, got " + args.length + ": "
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
            long timeout = args.length == 8 ? number(args[7], "TIMEOUT_SECONDS", 1) : DEFAULT_TIMEOUT_SECONDS;
            return new Arguments(args[0], args[1], args[2], expected, (int) concurrency, latency,
                    ProcessingOrder.valueOf(args[6].toUpperCase(Locale.ROOT)), timeout);
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
    record Result(long messages, double seconds, double rate, long orderViolations) {

        String json() {
            return String.format(Locale.ROOT, "{\"messages\":%d,\"seconds\":%.3f,\"rate\":%.1f,\"orderViolations\":%d}",
                    messages, seconds, rate, orderViolations);
        }
    }
}
