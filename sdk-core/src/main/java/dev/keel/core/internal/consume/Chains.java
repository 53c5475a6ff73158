package dev.keel.core.internal.consume;

import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.core.internal.chain.ClaimHeld;
import dev.keel.core.internal.chain.DeadLetterMarks;
import dev.keel.core.internal.chain.DeadLetterStep;
import dev.keel.core.internal.chain.FilterStep;
import dev.keel.core.internal.chain.InvokeStep;
import dev.keel.core.internal.chain.KeepHandlingStep;
import dev.keel.core.internal.chain.MetricsStep;
import dev.keel.core.internal.chain.NonBlockingRetryStep;
import dev.keel.core.internal.chain.RedriveTarget;
import dev.keel.core.internal.chain.RetryOrigin;
import dev.keel.core.internal.chain.RetryStep;
import dev.keel.core.internal.chain.Sends;
import dev.keel.core.internal.chain.SharedRetryStep;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.StepContext;
import dev.keel.core.internal.chain.StoreOutageStep;
import dev.keel.core.internal.chain.StoreOutages;
import dev.keel.core.internal.claims.Claims;
import dev.keel.core.internal.claims.DedupStep;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Builds a subscription's handling chain. This is the one place its order is written; each step
 * wraps the next:
 * <ol>
 *   <li>filter: what this subscription does not run (its header filter, a copy re-driven for another
 *       group or instance, on a retry topic another subscription's retry copy) is acknowledged unrun;</li>
 *   <li>metrics: deliveries and how each ended;</li>
 *   <li>dead letters: a final failure is dead-lettered (or, without dead letters, handled again until it
 *       succeeds);</li>
 *   <li>idempotency: the claim on the message id (EFFECTIVELY_ONCE only);</li>
 *   <li>retries: in place, through the retry topic, or through the broker for a share group (not under
 *       AT_MOST_ONCE);</li>
 *   <li>store outages: a handler failed by its store ({@code StoreUnavailableException},
 *       {@code StoreRefusedException}) pauses the consumer and runs again, its attempts not used up (not under
 *       AT_MOST_ONCE);</li>
 *   <li>decode, then the application's handler (decorated by the interceptors).</li>
 * </ol>
 */
public final class Chains {

    /**
     * Where a chain sends copies of messages.
     *
     * @param deadLetterTopic   the dead-letter topic; empty under {@code DeadLetterPolicy.none()}
     * @param retryTopic        the retry topic under {@code RetryMode.NON_BLOCKING}, else empty
     * @param broadcastInstance this instance's id when the subscription is a broadcast one
     * @param retriesOf         when the chain consumes the retry topic: the origin topic whose retries it runs (the
     *                          retry topic's other subscriptions' copies it acknowledges unrun); else empty
     */
    public record Destinations(Optional<String> deadLetterTopic, Optional<String> retryTopic,
                               Optional<String> broadcastInstance, Optional<String> retriesOf) {
    }

    private Chains() {
    }

    /**
     * @param claims the subscription's idempotency claims under EFFECTIVELY_ONCE; null otherwise
     * @param sends  the engine's own sends (retry copies, dead letters)
     * @param outages where a store failure of the handler is reported (the consumer pauses meanwhile)
     */
    public static <T> Step build(SubscriptionConfig<T> config, MessageHandler<T> handler, Destinations to,
                                 Claims claims, Sends sends, StoreOutages outages, StepContext context) {
        DeadLetterMarks marks = claims != null ? claims.deadLetterMarks(context) : DeadLetterMarks.NONE;
        List<UnaryOperator<Step>> outermostFirst = List.of(
                next -> new FilterStep(next, config.filter(),
                        new RedriveTarget(config.group(), to.broadcastInstance()),
                        to.retriesOf().map(origin -> RetryOrigin.of(origin, config.group())).orElse(RetryOrigin.ANY),
                        context),
                next -> new MetricsStep(next, context),
                next -> to.deadLetterTopic()
                        .<Step>map(topic -> new DeadLetterStep(next, topic, to.broadcastInstance(), sends, marks, context))
                        .orElseGet(() -> new KeepHandlingStep(next, marks, context)),
                next -> claims != null ? new DedupStep(next, claims, context) : next,
                next -> to.retryTopic()
                        .<Step>map(topic -> new NonBlockingRetryStep(next, config.retryPolicy(), topic, sends, context))
                        .orElseGet(() -> retryInPlace(config, next, context,
                                claims != null ? claims::holds : ClaimHeld.ALWAYS)));
        Step chain = new InvokeStep<>(config.codec(), handler, context, to.deadLetterTopic().isEmpty());
        if (config.guarantee() != DeliveryGuarantee.AT_MOST_ONCE) {
            chain = new StoreOutageStep(chain, config.idempotencyPolicy().storeRetryInterval(), outages, context);
        }
        for (int i = outermostFirst.size() - 1; i >= 0; i--) {
            chain = outermostFirst.get(i).apply(chain);
        }
        return chain;
    }

    /** Retries without a retry topic: through the broker for a share group, else in place; none under AT_MOST_ONCE. */
    private static Step retryInPlace(SubscriptionConfig<?> config, Step next, StepContext context,
                                     ClaimHeld claimHeld) {
        if (config.guarantee() == DeliveryGuarantee.AT_MOST_ONCE) {
            return next;
        }
        return config.shareGroup() ? new SharedRetryStep(next, config.retryPolicy(), context)
                : new RetryStep(next, config.retryPolicy(), context, claimHeld);
    }
}
