package dev.keel.core.internal;

import dev.keel.KeelInterceptor;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Applies a Keel's {@link KeelInterceptor}s, first registered outermost: around the shared
 * publisher (and so around every typed publisher, which publishes through it), and around each
 * subscription's handler. With none registered, both are returned as they are.
 */
public final class Interceptors {

    private final List<KeelInterceptor> interceptors;
    private final TimeOrderedIds ids;
    private Publisher delegate;
    private Publisher intercepted;

    public Interceptors(List<KeelInterceptor> interceptors, Clock clock) {
        this.interceptors = List.copyOf(interceptors);
        this.ids = new TimeOrderedIds(Objects.requireNonNull(clock, "clock"));
    }

    /** {@code publisher} with every publish passing through the interceptors; the same wrapper for the same publisher. */
    public synchronized Publisher publisher(Publisher publisher) {
        if (interceptors.isEmpty()) {
            return publisher;
        }
        if (publisher != delegate) {
            delegate = publisher;
            intercepted = new InterceptedPublisher(publisher);
        }
        return intercepted;
    }

    /** {@code handler} decorated by each interceptor, the first registered outermost. */
    public <T> MessageHandler<T> handler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        Objects.requireNonNull(config, "config");
        MessageHandler<T> decorated = Objects.requireNonNull(handler, "handler");
        for (int i = interceptors.size() - 1; i >= 0; i--) {
            KeelInterceptor interceptor = interceptors.get(i);
            decorated = Objects.requireNonNull(interceptor.interceptHandler(config, decorated),
                    () -> interceptor.getClass().getName() + ".interceptHandler returned null: return the handler "
                            + "it was given to leave it as it is");
        }
        return decorated;
    }

    /** The shared publisher with the interceptor chain in front of each message. */
    private final class InterceptedPublisher implements Publisher {
        private final Publisher publisher;

        InterceptedPublisher(Publisher publisher) {
            this.publisher = publisher;
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            Objects.requireNonNull(message, "message");
            if (topic == null || !TopicSpec.isValidName(topic)) {
                // the same answer as the publisher's, before any interceptor sees the publish
                return publisher.publishAsync(topic, message);
            }
            Message identified = message.id() != null ? message : message.toBuilder().id(ids.next()).build();
            return proceed(0, topic, identified);
        }

        private CompletionStage<PublishReceipt> proceed(int index, String topic, Message message) {
            if (index == interceptors.size()) {
                return publisher.publishAsync(topic, message);
            }
            KeelInterceptor interceptor = interceptors.get(index);
            try {
                CompletionStage<PublishReceipt> stage = interceptor.interceptPublish(topic, message,
                        next -> proceed(index + 1, topic, Objects.requireNonNull(next, "message")));
                return stage != null ? stage : Futures.failed(new NullPointerException(
                        interceptor.getClass().getName() + ".interceptPublish returned no stage"));
            } catch (RuntimeException e) {
                return Futures.failed(e);
            }
        }

        @Override
        public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
            List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>(messages.size());
            for (Message message : messages) {
                futures.add(publishAsync(topic, message).toCompletableFuture());
            }
            return Futures.allInOrder(futures);
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return publisher.closeAsync();
        }

        @Override
        public void close() {
            publisher.close();
        }

        @Override
        public String toString() {
            return publisher.toString();
        }
    }
}
