package dev.keel.cli.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * What verify publishes, in order: {@code messages} distinct messages spread over {@code keys} keys
 * (each with its per-key sequence number), some of them poison, and some published a second time
 * with the same id a little later (a producer retry as the consumer sees it). Deterministic for a
 * seed.
 */
public final class PublishPlan {

    /** How far (in publishes) after its original a duplicate publish goes, at most. */
    static final int MAX_DUPLICATE_DELAY = 50;

    /** One publish. {@code duplicate} marks the second publish of an id. */
    public record Planned(String id, String key, int seq, boolean poison, boolean duplicate) {

        /** {@code id|key|seq|E} or {@code ...|P} for poison: the handler parses it back. */
        public String payload() {
            return id + "|" + key + "|" + seq + "|" + (poison ? "P" : "E");
        }

        /** Parses a payload back; anything after the fourth field (an oversized payload's padding) is ignored. */
        public static Planned parse(String payload) {
            String[] parts = payload.split("\\|", 5);
            if (parts.length < 4) {
                throw new IllegalArgumentException("not a keel verify payload (expected id|key|seq|kind)");
            }
            return new Planned(parts[0], parts[1], Integer.parseInt(parts[2]), "P".equals(parts[3]), false);
        }
    }

    private final List<Planned> publishes;
    private final List<Planned> originals;

    private PublishPlan(List<Planned> publishes, List<Planned> originals) {
        this.publishes = List.copyOf(publishes);
        this.originals = List.copyOf(originals);
    }

    /** The plan of a single-round run: ids {@code <runId>-<n>}, keys {@code k<n>}, drawn from the run's seed. */
    public static PublishPlan create(String runId, VerifySettings s) {
        return create(runId + "-", "k", s.seed(), s);
    }

    /**
     * A plan with ids {@code <idPrefix><n>} and keys {@code <keyPrefix><n>}, drawn from {@code seed}:
     * each round of a run has its own prefixes and seed.
     */
    public static PublishPlan create(String idPrefix, String keyPrefix, long seed, VerifySettings s) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] nextSeq = new int[s.keys()];
        List<Planned> originals = new ArrayList<>(s.messages());
        List<Planned> publishes = new ArrayList<>(s.messages() + s.messages() / 10);
        record Pending(int at, long order, Planned copy) { }
        PriorityQueue<Pending> duplicates = new PriorityQueue<>(
                (a, b) -> a.at != b.at ? Integer.compare(a.at, b.at) : Long.compare(a.order, b.order));
        long order = 0;
        for (int i = 0; i < s.messages(); i++) {
            while (!duplicates.isEmpty() && duplicates.peek().at <= publishes.size()) {
                publishes.add(duplicates.poll().copy);
            }
            int k = random.nextInt(s.keys());
            boolean poison = random.nextDouble() < s.poisonRate();
            Planned p = new Planned(idPrefix + i, keyPrefix + k, nextSeq[k]++, poison, false);
            originals.add(p);
            publishes.add(p);
            if (!poison && random.nextDouble() < s.duplicateRate()) {
                int at = publishes.size() + random.nextInt(MAX_DUPLICATE_DELAY);
                duplicates.add(new Pending(at, order++, new Planned(p.id, p.key, p.seq, false, true)));
            }
        }
        while (!duplicates.isEmpty()) {
            publishes.add(duplicates.poll().copy);
        }
        return new PublishPlan(publishes, originals);
    }

    /** Every publish in order, duplicates included. */
    public List<Planned> publishes() {
        return Collections.unmodifiableList(publishes);
    }

    /** The distinct messages. */
    public List<Planned> originals() {
        return originals;
    }

    public long duplicatePublishes() {
        return publishes.size() - originals.size();
    }

    public long poisonCount() {
        return originals.stream().filter(Planned::poison).count();
    }
}
