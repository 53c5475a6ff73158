package dev.keel.rabbit.internal;

import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import java.util.concurrent.CompletableFuture;

/** One publish waiting for its confirm: completes once, by ack, nack, return or channel loss. */
final class PendingPublish {

    private final String topic;
    private final String messageId;
    private final int lane;
    private final CompletableFuture<PublishReceipt> future = new CompletableFuture<>();
    private volatile boolean returned;

    PendingPublish(String topic, String messageId, int lane) {
        this.topic = topic;
        this.messageId = messageId;
        this.lane = lane;
    }

    String topic() {
        return topic;
    }

    String messageId() {
        return messageId;
    }

    CompletableFuture<PublishReceipt> future() {
        return future;
    }

    boolean returned() {
        return returned;
    }

    /** The broker returned it as unroutable: the ack that follows must not turn it into a success. */
    void markReturned() {
        returned = true;
    }

    /** Completes it: as unroutable when it was returned, else with its receipt. */
    void confirm(KeelException ifReturned) {
        if (returned) {
            future.completeExceptionally(ifReturned);
        } else {
            future.complete(new PublishReceipt(topic, messageId, Names.routingKey(lane), -1));
        }
    }

    int lane() {
        return lane;
    }

    void fail(KeelException failure) {
        future.completeExceptionally(failure);
    }
}
