package dev.keel.cli.verify.features;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Re-drive: group A (EFFECTIVELY_ONCE) fails some of the first half's messages until they are
 * "fixed", so it dead-letters them; group B (AT_LEAST_ONCE, no idempotency to hide a second run)
 * consumes the same topic and never fails. Then the fix lands and A's dead letters are re-driven
 * while the second half is published and A is restarted. Each message must be applied once by each
 * group, the re-driven copies by A only, and none of A's dead letters left.
 */
final class RedriveWorkload implements FeatureWorkload {

    static final String GROUP = "keel-verify-redrive-a";
    static final String OTHER_GROUP = "keel-verify-redrive-b";
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(2)
            .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(10)).jitter(0.0).build();

    @Override
    public FeatureKind kind() {
        return FeatureKind.REDRIVE;
    }

    @Override
    @SuppressWarnings("try") // the other group's consumer only runs, beside the one restarted
    public FeatureResult run(FeatureContext context) throws Exception {
        FeatureResult result = new FeatureResult(kind());
        FeatureSettings settings = context.settings();
        Random random = context.random(kind());
        String topic = context.declare(kind(), GROUP, OTHER_GROUP);
        int half = settings.messages() / 2;
        Set<String> broken = new HashSet<>();
        for (int i = 0; i < half; i++) {
            if (random.nextInt(100) < 15) {
                broken.add(id(context, i));
            }
        }
        AtomicBoolean fixed = new AtomicBoolean();
        EffectTimes effects = new EffectTimes();
        EffectTimes otherEffects = new EffectTimes();
        Set<String> copiesInOtherGroup = ConcurrentHashMap.newKeySet();
        SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.UNORDERED).lanes(4)
                .retryPolicy(QUICK).idempotencyPolicy(context.idempotency()).build();
        SubscriptionConfig<String> otherConfig = SubscriptionConfig.builder(topic, OTHER_GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.UNORDERED).lanes(4).build();
        Published published = new Published();
        try (RestartingConsumer<String> consumer = new RestartingConsumer<>(context.keel(), config, d -> {
                    if (broken.contains(d.id()) && !fixed.get()) {
                        throw new IllegalStateException("verify: broken until fixed");
                    }
                    effects.apply(d.id(), System.currentTimeMillis());
                });
             RestartingConsumer<String> other = new RestartingConsumer<>(context.keel(), otherConfig, d -> {
                 if (d.headers().containsKey(KeelHeaders.REDRIVEN_AT)) {
                     copiesInOtherGroup.add(d.id());
                 }
                 otherEffects.apply(d.id(), System.currentTimeMillis());
             });
             DeadLetterReader deadLetters = new DeadLetterReader(context.keel(),
                     context.adapter().defaultDeadLetterTopic(topic), GROUP + "-dlt")) {
            publish(context, topic, random, 0, half, published);
            List<String> firstHalf = published.confirmed(settings.timeout(), result);
            context.await(() -> firstHalf.stream().allMatch(id -> broken.contains(id)
                    ? deadLetters.ids().contains(id) : effects.count(id) > 0));
            Set<String> deadBefore = new HashSet<>(deadLetters.ids());
            deadBefore.retainAll(broken);
            fixed.set(true);
            // the re-drive runs while the second half is published and A restarts
            CompletableFuture<RedriveResult> redrive = CompletableFuture.supplyAsync(() -> settings.unsafeRedriveCopy()
                    ? copy(context, topic, deadLetters.letters())
                    : context.keel().deadLetters(topic, GROUP).withQuietPeriod(Duration.ofSeconds(1))
                    .redrive(DeadLetterFilter.all(), RedriveListener.NONE));
            Published secondHalf = new Published();
            publish(context, topic, random, half, settings.messages(), secondHalf);
            consumer.restart();
            RedriveResult redriven = redrive.get(settings.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            List<String> confirmed = new ArrayList<>(firstHalf);
            confirmed.addAll(secondHalf.confirmed(settings.timeout(), result));
            context.await(() -> confirmed.stream().allMatch(id -> effects.count(id) > 0
                    && otherEffects.count(id) > 0));
            context.quiet(() -> effects.total() + otherEffects.total());
            check(confirmed, broken, deadBefore, effects, otherEffects, copiesInOtherGroup, redriven, result);
            result.summary(String.format(Locale.ROOT, "%d messages to two groups, %d dead-lettered by %s until fixed, "
                            + "then %s (%d re-driven, %d failed) while %d more were published and the group restarted; "
                            + "applied by %s %d, by %s %d", settings.messages(), deadBefore.size(), GROUP,
                    settings.unsafeRedriveCopy() ? "published again as copies (--unsafe-redrive-copy)" : "re-driven",
                    redriven.redriven(), redriven.failed(), settings.messages() - half, GROUP, effects.total(),
                    OTHER_GROUP, otherEffects.total()));
        }
        return result;
    }

    private static void check(List<String> confirmed, Set<String> broken, Set<String> deadBefore, EffectTimes effects,
                              EffectTimes otherEffects, Set<String> copiesInOtherGroup, RedriveResult redriven,
                              FeatureResult result) {
        for (String id : confirmed) {
            boolean wasDead = broken.contains(id);
            int count = effects.count(id);
            if (count == 0) {
                result.violate(wasDead ? FeatureViolation.REDRIVE_LOST : FeatureViolation.HEALTHY_LOST, id);
            } else if (count > 1) {
                result.violate(wasDead ? FeatureViolation.REDRIVE_TWICE : FeatureViolation.HEALTHY_TWICE,
                        id + " (" + count + " times)");
            }
            int otherCount = otherEffects.count(id);
            if (copiesInOtherGroup.contains(id) || otherCount > 1) {
                result.violate(FeatureViolation.REDRIVE_OTHER_GROUP, id + " (" + OTHER_GROUP + " ran it "
                        + otherCount + " times)");
            } else if (otherCount == 0) {
                result.violate(FeatureViolation.HEALTHY_LOST, id + " (in " + OTHER_GROUP + ")");
            }
        }
        int missing = deadBefore.size() - redriven.redriven();
        if (missing > 0) {
            result.violate(FeatureViolation.REDRIVE_LEFT_BEHIND, missing + " of " + deadBefore.size()
                    + " dead letters not re-driven (" + redriven + ")");
        }
    }

    private static void publish(FeatureContext context, String topic, Random random, int from, int to,
                                Published published) {
        for (int i = from; i < to; i++) {
            String id = id(context, i);
            Message message = Message.builder(id, Codec.utf8()).id(id)
                    .key("k" + random.nextInt(context.settings().keys())).build();
            published.send(context.keel(), topic, message);
        }
    }

    /** --unsafe-redrive-copy: what a hand-written re-drive does, publishing each dead letter again as is. */
    private static RedriveResult copy(FeatureContext context, String topic, Map<String, Message> letters) {
        for (Message letter : letters.values()) {
            Message copy = Message.builder(letter.payload()).id(letter.id()).key(letter.key()).build();
            context.keel().publisher().publish(topic, copy);
        }
        return new RedriveResult(letters.size(), letters.size(), 0, 0);
    }

    private static String id(FeatureContext context, int i) {
        return "redrive-" + context.runId() + "-" + i;
    }
}
