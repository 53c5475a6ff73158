package dev.keel.rabbit.internal;

import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import java.util.concurrent.CompletableFuture;

/** One publish waiting for its confirm: completes once, by ack, nack, return or channel loss. */
final class PendingPublish {

    private final String topic;
    private final String exchange;
    private final String messageId;
    private final int lane;
    private final int size;
    private final CompletableFuture<PublishReceipt> future = new CompletableFuture<>();
    private volatile boolean returned;

    PendingPublish(String topic, String exchange, String messageId, int lane, int size) {
        this.topic = topic;
        this.exchange = exchange;
        this.messageId = messageId;
        this.lane = lane;
        this.size = size;
    }

    /** The payload's size in bytes: what RabbitMQ compares with its {@code max_message_size}. */
    int size() {
        return size;
    }

    String topic() {
        return topic;
    }

    /** The exchange it was sent to: the topic's, or the default exchange ({@code ""}) for a delayed message. */
    String exchange() {
        return exchange;
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
