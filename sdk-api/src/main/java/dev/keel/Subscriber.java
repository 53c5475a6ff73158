package dev.keel;

/** Starts subscriptions. */
@FunctionalInterface
public interface Subscriber {
    /** Starts consuming {@code config.topic()} as a member of {@code config.group()}. */
    <T> Subscription subscribe(SubscriptionConfig<T> config, MessageHandler<T> handler);
}
