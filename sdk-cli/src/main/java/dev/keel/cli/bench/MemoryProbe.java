package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerAdapter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * The child JVM of bench's memory section: consumes a backlog under the heap limit the parent gave
 * it, and reports on stdout ({@code progress <n>} lines, then one {@code result <json>} line) the heap
 * after each collection. Its arguments come on stdin, one a line, so that credentials in a broker or
 * Redis URI never show in the process list. Not a user command.
 */
@Command(name = "memory-probe")
public final class MemoryProbe implements Callable<Integer> {

    static final String PROGRESS = "progress ";
    static final String RESULT = "result ";
    static final long PROGRESS_EVERY = 10_000;
    /** Publishes in flight while the embedded broker's backlog is written in this JVM. */
    static final int PRELOAD_IN_FLIGHT = 1000;

    @Mixin
    private BrokerOptions broker = new BrokerOptions();

    @Option(names = "--topic", required = true)
    private String topic;

    @Option(names = "--group", required = true)
    private String group;

    @Option(names = "--messages", required = true)
    private int messages;

    @Option(names = "--keys", defaultValue = "100")
    private int keys;

    @Option(names = "--payload-bytes", defaultValue = "200")
    private int payloadBytes;

    @Option(names = "--lanes", defaultValue = "8")
    private int lanes;

    @Option(names = "--timeout", defaultValue = "300")
    private long timeoutSeconds;

    private final PrintStream out = System.out;

    public static void main(String[] ignored) throws Exception {
        List<String> args = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                args.add(line);
            }
        }
        int code = new CommandLine(new MemoryProbe()).execute(args.toArray(String[]::new));
        System.exit(code);
    }

    @Override
    public Integer call() throws Exception {
        boolean embedded = BrokerModes.lookup(broker.broker()).name().equals(BrokerOptions.DEFAULT_BROKER);
        StoreChoice store = StoreChoice.from(broker);
        DeliveryGuarantee guarantee = store.isRedis() ? DeliveryGuarantee.EFFECTIVELY_ONCE
                : DeliveryGuarantee.AT_LEAST_ONCE;
        Map<String, Object> result = new LinkedHashMap<>();
        HeapWatch watch = new HeapWatch();
        watch.start();
        try (BrokerAdapter adapter = BrokerModes.lookup(broker.broker()).createAdapter(broker);
             IdempotencyStore idempotencyStore = store.create();
             Keel keel = Keel.builder(adapter).idempotencyStore(idempotencyStore).build()) {
            if (embedded) {
                // the embedded broker lives in this JVM: its backlog is written here, and counted apart
                keel.ensureTopology(TopicSpec.builder(topic).partitions(broker.partitions()).group(group).build());
                preload(keel);
            }
            // one collection before consuming: the heap the run starts from (clients, and the embedded backlog)
            System.gc();
            List<HeapWatch.Sample> before = watch.samples();
            if (!before.isEmpty()) {
                result.put(embedded ? "backlog_heap_bytes" : "start_heap_bytes",
                        before.get(before.size() - 1).usedAfter());
            }
            Throughput t = new Throughput();
            SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, group, Codec.bytes())
                    .guarantee(guarantee).ordering(Ordering.PER_KEY).lanes(lanes)
                    .idempotencyPolicy(ConsumeBench.IDEMPOTENCY).closeTimeout(ConsumeBench.CLOSE_TIMEOUT).build();
            long start = System.nanoTime();
            Subscription sub = keel.subscribe(config, d -> {
                t.record();
            });
            long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            try {
                long reported = 0;
                while (t.count() < messages && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(50);
                    if (t.count() - reported >= PROGRESS_EVERY) {
                        reported = t.count();
                        out.println(PROGRESS + reported);
                    }
                }
            } finally {
                sub.close(ConsumeBench.CLOSE_TIMEOUT);
            }
            long end = System.nanoTime();
            HeapTrend trend = HeapTrend.of(watch.samples(), start, end);
            result.put("guarantee", guarantee.name());
            result.put("consumed", t.count());
            result.put("msgs_per_sec", t.perSecond());
            result.put("seconds", (end - start) / 1e9);
            result.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            result.put("collections", trend.collections());
            result.put("peak_heap_after_gc_bytes", trend.peakBytes());
            result.put("first_third_max_bytes", trend.firstThirdMax());
            result.put("last_third_max_bytes", trend.lastThirdMax());
        } finally {
            watch.stop();
        }
        out.println(RESULT + JsonMapper.builder().build().writeValueAsString(result));
        out.flush();
        return 0;
    }

    private void preload(Keel keel) throws Exception {
        byte[] payload = new byte[payloadBytes];
        Semaphore room = new Semaphore(PRELOAD_IN_FLIGHT);
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            room.acquire();
            CompletableFuture<PublishReceipt> f = keel.publisher()
                    .publishAsync(topic, Message.builder(payload).key("k" + (i % keys)).build()).toCompletableFuture();
            f.whenComplete((r, e) -> {
                if (e != null) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
                room.release();
            });
        }
        if (!room.tryAcquire(PRELOAD_IN_FLIGHT, timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the embedded broker's backlog was not written within " + timeoutSeconds
                    + " s");
        }
        synchronized (failures) {
            if (!failures.isEmpty()) {
                throw new IllegalStateException("preloading the embedded broker failed: " + failures.get(0),
                        failures.get(0));
            }
        }
    }

    /** For the parent: how long the child may take beyond the consume timeout (JVM start, close). */
    static final Duration START_AND_CLOSE = Duration.ofSeconds(60);
}
