package dev.keel.cli.verify.features;

import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.cli.broker.TopicCleanup;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code keel verify --features}: runs each chosen workload on a topic of its own, one after the
 * other, with one Keel on the chosen broker and store; prints a line per workload and its violations,
 * and deletes the topics whatever happened.
 */
public final class FeatureRun {

    private static final List<FeatureWorkload> WORKLOADS = List.of(new DelayWorkload(), new RetryWorkload(),
            new RedriveWorkload());

    private final BrokerMode mode;
    private final BrokerOptions options;
    private final FeatureSettings settings;
    private final PrintWriter out;

    public FeatureRun(BrokerMode mode, BrokerOptions options, FeatureSettings settings, PrintWriter out) {
        this.mode = mode;
        this.options = options;
        this.settings = settings;
        this.out = out;
    }

    /** Runs the workloads; their results, in the order run. */
    public List<FeatureResult> run() throws Exception {
        String runId = "f" + Long.toString(System.currentTimeMillis(), 36)
                + Long.toString(Math.abs(settings.seed() % 1296), 36);
        List<String> topics = new ArrayList<>();
        List<FeatureResult> results = new ArrayList<>();
        StoreChoice store = StoreChoice.from(options);
        out.println("keel verify --features: broker " + mode.name() + " (" + mode.endpoint(options) + "), store "
                + store.description() + ", EFFECTIVELY_ONCE, seed " + settings.seed() + ", topics keel-verify-<feature>-"
                + runId
                + (settings.unsafe() ? ", UNSAFE switches on: checks are meant to fail" : ""));
        out.flush();
        try {
            try (BrokerAdapter adapter = mode.createAdapter(options);
                 IdempotencyStore idempotency = store.create();
                 Keel keel = Keel.builder(adapter).idempotencyStore(idempotency).build()) {
                FeatureContext context = new FeatureContext(keel, adapter, settings, runId, topics);
                for (FeatureWorkload workload : WORKLOADS) {
                    if (settings.features().contains(workload.kind())) {
                        FeatureResult result = workload.run(context);
                        results.add(result);
                        print(result);
                    }
                }
            }
        } finally {
            boolean stopped = Thread.interrupted(); // a stop's interrupt must not cut the cleanup's calls short
            String cleanup = TopicCleanup.run(mode, options, topics);
            if (cleanup != null) {
                out.println("  note: " + cleanup);
            }
            out.flush();
            if (stopped) {
                Thread.currentThread().interrupt();
            }
        }
        return results;
    }

    private void print(FeatureResult result) {
        out.println((result.passed() ? "PASS " : "FAIL ") + result.feature().label() + ": " + result.summary());
        for (Map.Entry<FeatureViolation, Integer> e : result.counts().entrySet()) {
            out.println("  " + e.getKey().label() + ": " + e.getValue() + " (" + e.getKey().meaning() + "), e.g. "
                    + String.join("; ", result.examples(e.getKey())));
        }
        for (String note : result.notes()) {
            out.println("  note: " + note);
        }
        out.flush();
    }
}
