package dev.keel.cli.verify.features;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Non-blocking retry: about half the messages fail their first attempt, some their second too,
 * then succeed; the subscription retries them through its retry topic (up to
 * {@link #ATTEMPTS} attempts) and is restarted once mid-run. Each confirmed message must be applied
 * once and none dead-lettered.
 */
final class RetryWorkload implements FeatureWorkload {

    static final String GROUP = "keel-verify-retry";
    static final int ATTEMPTS = 4;

    @Override
    public FeatureKind kind() {
        return FeatureKind.NONBLOCKING_RETRY;
    }

    @Override
    public FeatureResult run(FeatureContext context) throws Exception {
        FeatureResult result = new FeatureResult(kind());
        FeatureSettings settings = context.settings();
        Random random = context.random(kind());
        String topic = context.declare(kind(), GROUP);
        context.topics().add(context.adapter().retryTopic(topic, GROUP));
        Map<String, Integer> failuresPlanned = new HashMap<>();
        for (int i = 0; i < settings.messages(); i++) {
            int draw = random.nextInt(10);
            failuresPlanned.put(id(context, i), draw < 5 ? 0 : draw < 8 ? 1 : 2);
        }
        Map<String, AtomicInteger> failed = new ConcurrentHashMap<>();
        EffectTimes effects = new EffectTimes();
        RetryPolicy retries = settings.unsafeNoRetry() ? RetryPolicy.none() : RetryPolicy.custom()
                .maxAttempts(ATTEMPTS).initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(400))
                .jitter(0.0).build();
        SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.UNORDERED).lanes(4)
                .retryMode(RetryMode.NON_BLOCKING).retryPolicy(retries).idempotencyPolicy(context.idempotency())
                .build();
        int restartAt = settings.messages() * (3 + random.nextInt(5)) / 10;
        Published published = new Published();
        try (RestartingConsumer<String> consumer = new RestartingConsumer<>(context.keel(), config, d -> {
                    AtomicInteger failures = failed.computeIfAbsent(d.id(), k -> new AtomicInteger());
                    if (failures.get() < failuresPlanned.getOrDefault(d.id(), 0)) {
                        failures.incrementAndGet();
                        throw new IllegalStateException("verify: attempt " + d.attempt() + " fails on purpose");
                    }
                    effects.apply(d.id(), System.currentTimeMillis());
                });
             DeadLetterReader deadLetters = new DeadLetterReader(context.keel(),
                     context.adapter().defaultDeadLetterTopic(topic), GROUP + "-dlt")) {
            for (int i = 0; i < settings.messages(); i++) {
                if (i == restartAt) {
                    consumer.restart(); // retries are pending in the retry topic now
                }
                String id = id(context, i);
                Message message = Message.builder(id, Codec.utf8()).id(id).key("k" + random.nextInt(settings.keys()))
                        .build();
                published.send(context.keel(), topic, message);
            }
            List<String> confirmed = published.confirmed(settings.timeout(), result);
            context.await(() -> confirmed.stream().allMatch(id -> effects.count(id) > 0
                    || deadLetters.ids().contains(id)));
            context.quiet(() -> effects.total() + deadLetters.ids().size());
            Set<String> dead = deadLetters.ids();
            int retried = 0;
            for (String id : confirmed) {
                int planned = failuresPlanned.get(id);
                retried += planned > 0 ? 1 : 0;
                int count = effects.count(id);
                if (count == 0) {
                    result.violate(planned > 0 ? FeatureViolation.RETRY_LOST : FeatureViolation.HEALTHY_LOST, id);
                } else if (count > 1) {
                    result.violate(planned > 0 ? FeatureViolation.RETRY_TWICE : FeatureViolation.HEALTHY_TWICE,
                            id + " (" + count + " times)");
                }
                if (dead.contains(id)) {
                    result.violate(FeatureViolation.RETRY_DEAD_LETTERED, id + " (failed " + planned + " of "
                            + retries.maxAttempts() + " attempts)");
                }
            }
            result.summary(String.format(Locale.ROOT, "%d messages, %d failing their first attempt or two (at most "
                            + "%d attempts%s), %d confirmed, %d applied, %d dead-lettered; the consumer restarted after "
                            + "%d publishes", settings.messages(), retried, retries.maxAttempts(),
                    settings.unsafeNoRetry() ? ": no retry, --unsafe-no-retry" : "", confirmed.size(),
                    effects.total(), dead.size(), restartAt));
        }
        return result;
    }

    private static String id(FeatureContext context, int i) {
        return "retry-" + context.runId() + "-" + i;
    }
}
