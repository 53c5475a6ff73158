package dev.keel;

/**
 * Application code that handles one delivery. Returning normally is success: the message is marked
 * done (under {@link DeliveryGuarantee#EFFECTIVELY_ONCE}) and acknowledged. Throwing is failure:
 * it is retried in place per the subscription's retry policy, then sent to the dead letters with
 * the exception as the cause, then acknowledged. Under {@link dev.keel.ordering.Ordering#PER_KEY}
 * messages with the same key are handed to this method one at a time in publish order, and a
 * failing message holds back only its own key while it is retried.
 */
@FunctionalInterface
public interface MessageHandler<T> {
    void handle(Delivery<T> delivery) throws Exception;
}
