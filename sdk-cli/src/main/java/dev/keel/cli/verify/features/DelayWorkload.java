package dev.keel.cli.verify.features;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delayed delivery: messages published with a delay or a delivery time up to {@link #MAX_DELAY}
 * (in a few bands, see {@link #delay}), the consumer restarted once while many are still pending. Each
 * confirmed message must be applied once, never before its due time: the time taken just before its
 * publish plus its delay (the broker's due time is no earlier), or its delivery time.
 */
final class DelayWorkload implements FeatureWorkload {

    static final String GROUP = "keel-verify-delay";
    static final Duration MAX_DELAY = Duration.ofSeconds(3);
    /** The bands' upper ends, ms: delays fall in (end - end / 10, end], or (0, 100]. */
    private static final long[] BANDS = {100, 300, 700, 1500, MAX_DELAY.toMillis()};

    @Override
    public FeatureKind kind() {
        return FeatureKind.DELAY;
    }

    @Override
    public FeatureResult run(FeatureContext context) throws Exception {
        FeatureResult result = new FeatureResult(kind());
        FeatureSettings settings = context.settings();
        Random random = context.random(kind());
        String topic = context.declare(kind(), GROUP);
        EffectTimes effects = new EffectTimes();
        SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.UNORDERED).lanes(4)
                .idempotencyPolicy(context.idempotency()).build();
        Map<String, Long> due = new ConcurrentHashMap<>();
        Published published = new Published();
        int restartAt = settings.messages() * (3 + random.nextInt(5)) / 10;
        int absolute = 0;
        List<Long> delays = new ArrayList<>();
        try (RestartingConsumer<String> consumer = new RestartingConsumer<>(context.keel(), config,
                d -> effects.apply(d.id(), System.currentTimeMillis()))) {
            for (int i = 0; i < settings.messages(); i++) {
                if (i == restartAt) {
                    consumer.restart(); // many delayed messages are pending now
                }
                String id = "delay-" + context.runId() + "-" + i;
                long delayMs = delay(random);
                delays.add(delayMs);
                Message.Builder message = Message.builder(id, Codec.utf8()).id(id)
                        .key("k" + random.nextInt(settings.keys()));
                long before = System.currentTimeMillis();
                due.put(id, before + delayMs);
                boolean atTime = random.nextInt(4) == 0;
                absolute += atTime ? 1 : 0;
                if (!settings.unsafeIgnoreDelay()) {
                    if (atTime) {
                        message.deliverAt(Instant.ofEpochMilli(before + delayMs));
                    } else {
                        message.delay(Duration.ofMillis(delayMs));
                    }
                }
                published.send(context.keel(), topic, message.build());
            }
            List<String> confirmed = published.confirmed(settings.timeout(), result);
            context.await(() -> effects.appliedAll(confirmed));
            context.quiet(effects::total);
            long[] lateness = check(confirmed, effects, due, result);
            result.summary(String.format(Locale.ROOT, "%d delayed messages (%d with a delivery time, delays 1 ms to "
                            + "%d ms)%s, %d confirmed, %d applied; the consumer restarted after %d publishes; "
                            + "applied after due: median %d ms, max %d ms", settings.messages(), absolute,
                    delays.stream().mapToLong(Long::longValue).max().orElse(0),
                    settings.unsafeIgnoreDelay() ? " published WITHOUT their delay (--unsafe-ignore-delay)" : "",
                    confirmed.size(), effects.total(), restartAt, lateness[0], lateness[1]));
        }
        return result;
    }

    /**
     * A delay of 1 ms to {@link #MAX_DELAY}, drawn within a few bands ({@link #BANDS}, each ending at a round value)
     * rather than over the whole range: a broker that keeps one queue per rounded delay (RabbitMQ: a queue per
     * partition and 100 ms-to-two-digit bucket, kept an hour after its last use) then gets a handful of queues per
     * partition, not a hundred, while the delays still vary within each band.
     */
    static long delay(Random random) {
        long top = BANDS[random.nextInt(BANDS.length)];
        long bottom = top <= 100 ? 0 : top - top / 10;
        return bottom + 1 + random.nextInt((int) (top - bottom));
    }

    /** @return the median and max of how long after its due time each message was first applied */
    private static long[] check(List<String> confirmed, EffectTimes effects, Map<String, Long> due,
                                FeatureResult result) {
        List<Long> late = new ArrayList<>();
        for (String id : confirmed) {
            int count = effects.count(id);
            if (count == 0) {
                result.violate(FeatureViolation.DELAY_LOST, id);
                continue;
            }
            if (count > 1) {
                result.violate(FeatureViolation.DELAY_TWICE, id + " (" + count + " times)");
            }
            long after = effects.first(id) - due.get(id);
            if (after < 0) {
                result.violate(FeatureViolation.DELAY_EARLY, id + " (" + -after + " ms early)");
            }
            late.add(after);
        }
        late.sort(null);
        return late.isEmpty() ? new long[] {0, 0} : new long[] {late.get(late.size() / 2), late.get(late.size() - 1)};
    }
}
