package dev.keel.spring.boot.autoconfigure;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spring.KeelListenerEndpoint;
import dev.keel.spring.ListenerConflictException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Every listener of the application, {@code @KeelListener} methods and {@link KeelListenerEndpoint}
 * beans alike, each with an id of its own and no two on one topic in one group
 * ({@link ListenerConflictException}). A {@link SmartLifecycle}: it starts once every singleton exists (declares the
 * {@code keel.topics.*} topics, then subscribes each listener) and stops before the context closes
 * Keel, closing every subscription in parallel, each with its close timeout: in-flight messages
 * finish and are acknowledged, the rest is redelivered to the group. Handlers can still publish
 * while they drain, since Keel closes after this.
 */
public class KeelListenerRegistry implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(KeelListenerRegistry.class);
    /** Starts after most lifecycles and stops before them (a higher phase stops earlier). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** A listener ready to subscribe. */
    private record Definition(String id, String source, SubscriptionConfig<Object> config, MessageHandler<Object> handler) {
    }

    private final Keel keel;
    private final KeelProperties properties;
    private final Supplier<List<AnnotatedListener>> annotated;
    private final Supplier<Stream<KeelListenerEndpoint<?>>> endpoints;
    private final Duration phaseTimeout;
    private record Running(Subscription subscription, Duration closeTimeout) {
    }

    private final Map<String, Running> subscriptions = new LinkedHashMap<>();
    private volatile boolean running;

    KeelListenerRegistry(Keel keel, KeelProperties properties, Supplier<List<AnnotatedListener>> annotated,
                         Supplier<Stream<KeelListenerEndpoint<?>>> endpoints, Duration phaseTimeout) {
        rejectDefaultTopicAndGroup(properties.getListener().getDefaults());
        this.keel = keel;
        this.properties = properties;
        this.annotated = annotated;
        this.endpoints = endpoints;
        this.phaseTimeout = phaseTimeout;
    }

    /**
     * A listener's topic and group come from its annotation or endpoint, or from
     * {@code keel.listeners.<id>.topic/.group}: one default topic or group for every listener would
     * put them all on one topic or in one group, so {@code keel.listener.defaults.topic/.group} fail
     * the startup instead of being ignored.
     */
    static void rejectDefaultTopicAndGroup(ListenerSettings defaults) {
        rejectDefault("topic", defaults.getTopic());
        rejectDefault("group", defaults.getGroup());
    }

    private static void rejectDefault(String name, String value) {
        if (value != null) {
            throw new IllegalStateException("keel.listener.defaults." + name + " is not supported (it would be every "
                    + "listener's " + name + "): set the " + name + " per listener, in @KeelListener(" + name
                    + " = \"...\") or keel.listeners.<id>." + name + ", and remove keel.listener.defaults." + name);
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        List<Definition> definitions = definitions();
        declareTopics(definitions);
        try {
            for (Definition d : definitions) {
                subscriptions.put(d.id(), new Running(keel.subscribe(d.config(), d.handler()), d.config().closeTimeout()));
                LOG.info("Keel listener {} subscribed to {} for group {} ({})", d.id(), d.config().topic(),
                        d.config().group(), d.config().guarantee());
            }
        } catch (RuntimeException e) {
            subscriptions.values().forEach(r -> r.subscription().close(Duration.ZERO));
            subscriptions.clear();
            throw e;
        }
        running = true;
    }

    private List<Definition> definitions() {
        List<Definition> definitions = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        ListenerSettings defaults = properties.getListener().getDefaults();
        for (AnnotatedListener listener : annotated.get()) {
            SubscriptionConfig<Object> config = ListenerConfigs.of(listener, defaults,
                    properties.getListeners().get(listener.id()));
            MessageHandler<Object> handler = listener.handler() instanceof SubscriptionBoundHandler bound
                    ? bound.bind(config) : listener.handler();
            definitions.add(new Definition(listener.id(), "@KeelListener method " + listener.source(), config,
                    handler));
        }
        endpoints.get().forEach(endpoint -> definitions.add(definition(endpoint)));
        for (Definition d : definitions) {
            if (!ids.add(d.id())) {
                throw new IllegalStateException("two Keel listeners have the id '" + d.id() + "' (the second is "
                        + d.source() + "): give each its own id (@KeelListener(id = \"...\"))");
            }
            checkCloseTimeout(d);
        }
        rejectSharedGroups(definitions);
        for (String configured : properties.getListeners().keySet()) {
            if (!ids.contains(configured)) {
                LOG.warn("keel.listeners.{}.* names no listener (listener ids: {})", configured, ids);
            }
        }
        return definitions;
    }

    /**
     * Two listeners with one topic and group (after the {@code keel.listeners.<id>.*} overrides) would be
     * two members of the group in one application, each getting some of the messages: refused.
     */
    private static void rejectSharedGroups(List<Definition> definitions) {
        Map<List<String>, Definition> byTopicAndGroup = new HashMap<>();
        for (Definition d : definitions) {
            Definition first = byTopicAndGroup.putIfAbsent(List.of(d.config().topic(), d.config().group()), d);
            if (first != null) {
                throw new ListenerConflictException(d.config().topic(), d.config().group(), describe(first),
                        describe(d));
            }
        }
    }

    private static String describe(Definition d) {
        return "'" + d.id() + "' (" + d.source() + ")";
    }

    @SuppressWarnings("unchecked")
    private Definition definition(KeelListenerEndpoint<?> endpoint) {
        KeelListenerEndpoint<Object> e = (KeelListenerEndpoint<Object>) endpoint;
        SubscriptionConfig<Object> config = ListenerConfigs.apply(e.config(), properties.getListeners().get(e.id()));
        return new Definition(e.id(), "KeelListenerEndpoint " + e.id(), config, e.handler());
    }

    private void checkCloseTimeout(Definition d) {
        Duration closeTimeout = d.config().closeTimeout();
        if (closeTimeout.plus(ShutdownPhase.CLOSE_MARGIN).compareTo(phaseTimeout) > 0) {
            LOG.warn("Keel listener {} has a close timeout of {}, which leaves less than {} of Spring's shutdown "
                    + "phase timeout (spring.lifecycle.timeout-per-shutdown-phase={}) for its consumer to commit and "
                    + "leave: set keel.listeners.{}.close-timeout (or keel.listener.defaults.close-timeout) lower, or "
                    + "the phase timeout higher", d.id(), closeTimeout, ShutdownPhase.CLOSE_MARGIN, phaseTimeout, d.id());
        }
    }

    /** Declares {@code keel.topics.*} with their configured groups plus the groups of listeners on them. */
    private void declareTopics(List<Definition> definitions) {
        properties.getTopics().forEach((name, topic) -> {
            TopicSpec.Builder spec = TopicSpec.builder(name).partitions(topic.getPartitions())
                    .replicationFactor(topic.getReplicationFactor()).minInSyncReplicas(topic.getMinInSyncReplicas());
            Set<String> groups = new LinkedHashSet<>(topic.getGroups());
            definitions.stream().filter(d -> d.config().topic().equals(name)).forEach(d -> groups.add(d.config().group()));
            groups.forEach(spec::group);
            keel.ensureTopology(spec.build());
        });
    }

    @Override
    public void stop() {
        CompletableFuture<Void> closed = closeAll();
        closed.join();
    }

    @Override
    public void stop(Runnable callback) {
        closeAll().whenComplete((v, e) -> callback.run());
    }

    private synchronized CompletableFuture<Void> closeAll() {
        running = false;
        CompletableFuture<?>[] closing = subscriptions.values().stream()
                .map(r -> r.subscription().closeAsync(r.closeTimeout()).toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        subscriptions.clear();
        return CompletableFuture.allOf(closing);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The listeners' subscriptions by listener id, while running. */
    public synchronized Map<String, Subscription> subscriptions() {
        Map<String, Subscription> copy = new LinkedHashMap<>();
        subscriptions.forEach((id, r) -> copy.put(id, r.subscription()));
        return copy;
    }
}
