package dev.keel.cli.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The faults of one verify round, drawn from the run's seed and the round number alone: which
 * kinds, when each starts, how long it lasts, which message a crash hits. The same seed, round,
 * kinds and publish plan give the same fault plan, so a failing run can be repeated with
 * {@code --seed}. (Thread scheduling still varies between runs: the plan is reproducible, the
 * interleaving of the consumer's threads is not.)
 *
 * <p>In a single round (no {@code --duration}) every selected kind is planned; with
 * {@code --duration} each round draws 1 to {@value #MAX_KINDS_PER_ROUND} of them.
 */
public final class FaultPlan {

    static final int MAX_KINDS_PER_ROUND = 3;
    static final Duration MIN_OUTAGE = Duration.ofMillis(200);
    static final Duration MAX_OUTAGE = Duration.ofSeconds(3);
    static final int MAX_LOST_REPLIES = 5;
    static final int MIN_STORE_LATENCY_MS = 20;
    static final int MAX_STORE_LATENCY_MS = 250;
    static final int MAX_OVERSIZED_PER_ROUND = 3;
    /** Time-based faults start once the round has handled a drawn number of deliveries, up to this share. */
    static final double LATEST_START = 0.75;

    /** Crash flavours: after the message's effect and before it is marked done, or before its effect. */
    public static final String IN_WINDOW = "window";
    /** How long a handler takes while a graceful-stop fault is on: slow enough to build a backlog. */
    static final int MIN_SLOW_HANDLER_MS = 50;
    static final int MAX_SLOW_HANDLER_MS = 300;
    public static final String BEFORE_EFFECT = "before-effect";
    /** Network-cut flavours. */
    public static final String CUT_BROKER = "broker";
    public static final String CUT_STORE_RESET = "store-reset";
    public static final String CUT_STORE_BLACK_HOLE = "store-black-hole";
    /** Failing-dead-letter flavours: a retriable or a for-good (non-retriable) refusal. */
    public static final String RETRIABLE = "retriable";
    public static final String REFUSED = "refused";

    /**
     * One planned fault.
     *
     * @param kind     what
     * @param at       when: handled deliveries of the round before it starts (time-based kinds and
     *                 channel-close); the publish index it goes out before (oversized); -1 for a
     *                 crash, which fires when the consumer handles its target message
     * @param target   the message a crash hits; {@code null} otherwise
     * @param key      the crash target's key and sequence ({@code k7#4}); {@code null} otherwise
     * @param flavor   crash: {@link #IN_WINDOW} or {@link #BEFORE_EFFECT}; network-cut: what is cut;
     *                 failing-dead-letter: {@link #RETRIABLE} or {@link #REFUSED}; oversized: the
     *                 part made oversized ({@code id}, {@code header}, {@code payload})
     * @param duration how long it lasts ({@link Duration#ZERO} for instant ones)
     * @param amount   lost-claim-reply: replies lost; slow-store: added latency in ms; oversized:
     *                 the size in bytes of the oversized part; 0 otherwise
     */
    public record Fault(FaultKind kind, int at, String target, String key, String flavor, Duration duration,
                        int amount) {

        public Fault {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(duration, "duration");
        }

        /** Short, for the round line: {@code crash[window]@k7#4}, {@code failing-done 1.2s}. */
        public String describe() {
            return switch (kind) {
                case CRASH -> "crash[" + flavor + "]@" + key;
                case LOST_CLAIM_REPLY -> "lost-claim-reply x" + amount;
                case SLOW_STORE -> "slow-store +" + amount + "ms " + seconds(duration);
                case NETWORK_CUT -> "network-cut[" + flavor + "] " + seconds(duration);
                case FAILING_DEAD_LETTER -> "failing-dead-letter[" + flavor + "] " + seconds(duration);
                case OVERSIZED -> "oversized[" + flavor + " " + size(amount) + "]";
                case FAILING_DONE -> "failing-done " + seconds(duration);
                case CHANNEL_CLOSE -> "channel-close";
                case GRACEFUL_STOP -> "graceful-stop after " + seconds(duration) + " of " + amount + " ms handlers";
            };
        }
    }

    private final List<Fault> faults;

    private FaultPlan(List<Fault> faults) {
        this.faults = List.copyOf(faults);
    }

    /**
     * The plan of one round.
     *
     * @param seed      the run's seed
     * @param round     the round number (0 first)
     * @param kinds     the selected kinds
     * @param everyKind plan every selected kind (one round), rather than drawing some (rounds)
     * @param publishes the round's publish plan (crash targets are its messages)
     * @param settings  the run's settings (crash rate, most crashes, dedup)
     * @param env       what the faults can act on
     * @param limits    the broker's size limits, for oversized
     */
    public static FaultPlan create(long seed, int round, Set<FaultKind> kinds, boolean everyKind,
                                   PublishPlan publishes, VerifySettings settings, FaultEnvironment env,
                                   SizeLimits limits) {
        SplittableRandom random = new SplittableRandom(mix(seed, round));
        List<FaultKind> chosen = new ArrayList<>(kinds.stream().sorted().toList());
        if (!everyKind && chosen.size() > 1) {
            for (int i = chosen.size() - 1; i > 0; i--) { // Fisher-Yates, then keep the first few
                int j = random.nextInt(i + 1);
                FaultKind t = chosen.get(i);
                chosen.set(i, chosen.get(j));
                chosen.set(j, t);
            }
            chosen = new ArrayList<>(chosen.subList(0, 1 + random.nextInt(Math.min(MAX_KINDS_PER_ROUND,
                    chosen.size()))));
            chosen.sort(Comparator.naturalOrder());
        }
        int messages = publishes.originals().size();
        List<Fault> faults = new ArrayList<>();
        for (FaultKind kind : chosen) {
            switch (kind) {
                case CRASH -> crashes(random, publishes, settings, faults);
                case LOST_CLAIM_REPLY -> faults.add(new Fault(kind, start(random, messages), null, null, null,
                        Duration.ZERO, 1 + random.nextInt(MAX_LOST_REPLIES)));
                case FAILING_DONE -> faults.add(new Fault(kind, start(random, messages), null, null, null,
                        outage(random), 0));
                case SLOW_STORE -> faults.add(new Fault(kind, start(random, messages), null, null, null,
                        outage(random), MIN_STORE_LATENCY_MS + random.nextInt(MAX_STORE_LATENCY_MS
                        - MIN_STORE_LATENCY_MS + 1)));
                case NETWORK_CUT -> faults.add(new Fault(kind, start(random, messages), null, null,
                        cutFlavor(random, env), outage(random), 0));
                case CHANNEL_CLOSE -> faults.add(new Fault(kind, start(random, messages), null, null, null,
                        Duration.ZERO, 0));
                case FAILING_DEAD_LETTER -> faults.add(new Fault(kind, start(random, messages), null, null,
                        random.nextBoolean() ? RETRIABLE : REFUSED, outage(random), 0));
                // from the round's first message: started after a count of handled messages, the slow-down could
                // come when the backlog was already consumed (a fast broker), and the stop would find nothing running
                case GRACEFUL_STOP -> faults.add(new Fault(kind, 0, null, null, null,
                        outage(random), MIN_SLOW_HANDLER_MS + random.nextInt(MAX_SLOW_HANDLER_MS - MIN_SLOW_HANDLER_MS
                        + 1)));
                case OVERSIZED -> oversized(random, publishes, limits, faults);
            }
        }
        return new FaultPlan(faults);
    }

    /** Every planned fault, by kind, then in the order they were drawn. */
    public List<Fault> faults() {
        return faults;
    }

    /** The planned faults of one kind. */
    public List<Fault> of(FaultKind kind) {
        return faults.stream().filter(f -> f.kind() == kind).toList();
    }

    /** Whether the round has no fault. */
    public boolean isEmpty() {
        return faults.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaultPlan other && other.faults.equals(faults);
    }

    @Override
    public int hashCode() {
        return faults.hashCode();
    }

    @Override
    public String toString() {
        return faults.isEmpty() ? "no fault" : String.join(", ", faults.stream().map(Fault::describe).toList());
    }

    /**
     * Each message is a crash target with probability {@code --crash-rate}, at most
     * {@code --max-crashes} a round; when the round has crashes and the draw gave none, one message
     * is drawn. Under dedup, half the targets (healthy ones) crash after their effect.
     */
    private static void crashes(SplittableRandom random, PublishPlan publishes, VerifySettings settings,
                                List<Fault> faults) {
        if (settings.crashRate() <= 0 || settings.maxCrashes() == 0) {
            return;
        }
        List<PublishPlan.Planned> targets = new ArrayList<>();
        for (PublishPlan.Planned p : publishes.originals()) {
            if (random.nextDouble() < settings.crashRate() && targets.size() < settings.maxCrashes()) {
                targets.add(p);
            }
        }
        if (targets.isEmpty()) {
            targets.add(publishes.originals().get(random.nextInt(publishes.originals().size())));
        }
        for (PublishPlan.Planned p : targets) {
            boolean window = settings.dedup() && !p.poison() && random.nextBoolean();
            faults.add(new Fault(FaultKind.CRASH, -1, p.id(), p.key() + "#" + p.seq(),
                    window ? IN_WINDOW : BEFORE_EFFECT, Duration.ZERO, 0));
        }
    }

    private static void oversized(SplittableRandom random, PublishPlan publishes, SizeLimits limits,
                                  List<Fault> faults) {
        List<String> shapes = limits.shapes();
        int count = 1 + random.nextInt(MAX_OVERSIZED_PER_ROUND);
        for (int i = 0; i < count; i++) {
            String shape = shapes.get(random.nextInt(shapes.size()));
            int limit = limits.limit(shape);
            int size = limit + 1 + random.nextInt(limit);
            faults.add(new Fault(FaultKind.OVERSIZED, random.nextInt(publishes.publishes().size()), null, null,
                    shape, Duration.ZERO, size));
        }
    }

    private static String cutFlavor(SplittableRandom random, FaultEnvironment env) {
        List<String> flavors = new ArrayList<>(3);
        if (env.embeddedBroker()) {
            flavors.add(CUT_BROKER);
        }
        if (env.proxyableRedis()) {
            flavors.add(CUT_STORE_RESET);
            flavors.add(CUT_STORE_BLACK_HOLE);
        }
        if (flavors.isEmpty()) {
            throw new IllegalArgumentException("network-cut: " + FaultKind.NETWORK_CUT.unsupportedReason(env));
        }
        return flavors.get(random.nextInt(flavors.size()));
    }

    private static int start(SplittableRandom random, int messages) {
        return random.nextInt(Math.max(1, (int) (messages * LATEST_START)));
    }

    private static Duration outage(SplittableRandom random) {
        return Duration.ofMillis(random.nextLong(MIN_OUTAGE.toMillis(), MAX_OUTAGE.toMillis() + 1));
    }

    /** A round's own seed: rounds draw independently of each other and of the publish plan. */
    static long mix(long seed, int round) {
        long z = seed + 0x9E3779B97F4A7C15L * (round + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    private static String size(int bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0))
                : bytes >= 1024 ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0) : bytes + " B";
    }
}
