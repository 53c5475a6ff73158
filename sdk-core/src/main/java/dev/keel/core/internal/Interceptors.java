package dev.keel.core.internal;

import dev.keel.KeelInterceptor;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.internal.util.ExtensionFailures;
import dev.keel.core.internal.util.Futures;
import dev.keel.core.internal.util.TimeOrderedIds;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Applies a Keel's {@link KeelInterceptor}s, first registered outermost: around the shared
 * publisher (and so around every typed publisher, which publishes through it), and around each
 * subscription's handler. With none registered, both are returned as they are.
 */
public final class Interceptors {

    /**
     * Set while an intercepted handler runs on this thread: whether the application's handler returned
     * within it. Handlers are called synchronously, so the decoration runs the application's handler
     * on the thread that called it (one that hands it to another thread makes a failure after it count
     * as the attempt's).
     */
    private static final ThreadLocal<boolean[]> RETURNED = new ThreadLocal<>();

    private final List<KeelInterceptor> interceptors;
    private final TimeOrderedIds ids;
    private final ExtensionFailures failures;
    private Publisher delegate;
    private Publisher intercepted;

    public Interceptors(List<KeelInterceptor> interceptors, Clock clock, ExtensionFailures failures) {
        this.interceptors = List.copyOf(interceptors);
        this.ids = new TimeOrderedIds(Objects.requireNonNull(clock, "clock"));
        this.failures = Objects.requireNonNull(failures, "failures");
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

    /**
     * {@code handler} decorated by each interceptor, the first registered outermost. An exception the
     * decoration throws after the application's handler returned is the interceptors' failure, not
     * the attempt's: counted and logged by {@link ExtensionFailures}, and the attempt succeeded (its
     * effect is applied: running it again would repeat it). One thrown before the handler returned
     * (before it ran, or its own) fails the attempt as usual.
     */
    public <T> MessageHandler<T> handler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handler, "handler");
        if (interceptors.isEmpty()) {
            return handler;
        }
        MessageHandler<T> application = delivery -> {
            handler.handle(delivery);
            boolean[] returned = RETURNED.get();
            if (returned != null) {
                returned[0] = true;
            }
        };
        MessageHandler<T> decorated = decorate(config, application);
        return delivery -> {
            boolean[] outer = RETURNED.get();
            boolean[] returned = new boolean[1];
            RETURNED.set(returned);
            try {
                decorated.handle(delivery);
            } catch (Throwable e) { // any throwable: after the handler returned, an interceptor's plain one too
                if (!returned[0]) {
                    throw e;
                }
                failures.failed("an interceptor's handler of " + config.topic() + " for group " + config.group()
                        + ", after the application's handler returned,", e);
            } finally {
                if (outer == null) {
                    RETURNED.remove();
                } else {
                    RETURNED.set(outer);
                }
            }
        };
    }

    private <T> MessageHandler<T> decorate(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        MessageHandler<T> decorated = handler;
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
            } catch (Throwable e) {
                return Futures.failed(e);
            }
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
