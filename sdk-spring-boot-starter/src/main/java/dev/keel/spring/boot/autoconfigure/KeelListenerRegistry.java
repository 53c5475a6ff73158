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
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
 * finish and are acknowledged, the rest is redelivered to the group; it also waits for listeners
 * {@link #stop(String) stopped} whose close has not finished (one stopped by its own handler). Handlers can still
 * publish while they drain, since Keel closes after this.
 */
public class KeelListenerRegistry implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(KeelListenerRegistry.class);
    /** Starts after most lifecycles and stops before them (a higher phase stops earlier). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
    /** The name of the non-daemon thread that keeps the JVM running while a listener is subscribed. */
    static final String KEEP_ALIVE = "keel-listeners-keep-alive";

    /** A listener ready to subscribe. */
    private record Definition(String id, String source, SubscriptionConfig<Object> config, MessageHandler<Object> handler,
                              boolean autoStartup) {
    }

    private final Keel keel;
    private final KeelProperties properties;
    private final Supplier<List<AnnotatedListener>> annotated;
    private final Supplier<Stream<KeelListenerEndpoint<?>>> endpoints;
    private final Duration phaseTimeout;
    /** The {@code keel.listeners.*} property names the environment holds, to find the dotted form of dotted ids. */
    private final Supplier<Stream<String>> listenerPropertyNames;
    private record Running(Subscription subscription, Duration closeTimeout) {
    }

    private final Map<String, Running> subscriptions = new LinkedHashMap<>();
    /**
     * Listeners {@link #stop(String) stopped} whose close has not finished (one stopped by its own handler closes
     * once that handler returned): the application's shutdown waits for them too, before Keel closes.
     */
    private final Set<Running> closing = new LinkedHashSet<>();
    /** Every listener, started or not, by id; filled at start. */
    private final Map<String, Definition> defined = new LinkedHashMap<>();
    private volatile boolean running;
    /** Holds the JVM while a listener runs (Keel's consumer threads are daemons); null otherwise. */
    private CountDownLatch keepAlive;

    KeelListenerRegistry(Keel keel, KeelProperties properties, Supplier<List<AnnotatedListener>> annotated,
                         Supplier<Stream<KeelListenerEndpoint<?>>> endpoints, Duration phaseTimeout,
                         Supplier<Stream<String>> listenerPropertyNames) {
        rejectDefaultTopicAndGroup(properties.getListener().getDefaults());
        this.listenerPropertyNames = listenerPropertyNames;
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
        defined.clear();
        definitions.forEach(d -> defined.put(d.id(), d));
        try {
            for (Definition d : definitions) {
                if (d.autoStartup()) {
                    subscribe(d);
                } else {
                    LOG.info("Keel listener {} is not started (auto-startup false: {}.auto-startup, the "
                            + "annotation's autoStartup or keel.listener.defaults.auto-startup): start it with "
                            + "KeelListenerRegistry.start(\"{}\")", d.id(), ListenerPropertyNames.prefix(d.id()), d.id());
                    warnIfGroupUndeclared(d);
                }
            }
        } catch (RuntimeException e) {
            subscriptions.values().forEach(r -> r.subscription().close(Duration.ZERO));
            subscriptions.clear();
            throw e;
        }
        running = true;
        keepAliveWhileSubscribed();
    }

    /**
     * A non-daemon thread while at least one listener is subscribed, none otherwise: an application whose only work
     * is its listeners (no web server) keeps running, as with spring-kafka's containers, and one without a running
     * listener ends when its own work ends.
     */
    private synchronized void keepAliveWhileSubscribed() {
        boolean wanted = running && !subscriptions.isEmpty();
        if (wanted && keepAlive == null) {
            CountDownLatch latch = new CountDownLatch(1);
            Thread thread = new Thread(() -> {
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, KEEP_ALIVE);
            thread.setDaemon(false);
            thread.start();
            keepAlive = latch;
        } else if (!wanted && keepAlive != null) {
            keepAlive.countDown();
            keepAlive = null;
        }
    }

    private void subscribe(Definition d) {
        subscriptions.put(d.id(), new Running(keel.subscribe(d.config(), d.handler()), d.config().closeTimeout()));
        LOG.info("Keel listener {} subscribed to {} for group {} ({})", d.id(), d.config().topic(),
                d.config().group(), d.config().guarantee());
    }

    /** Every listener's id, started or not (known once the registry started). */
    public synchronized Set<String> listenerIds() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(defined.keySet()));
    }

    /** Whether listener {@code id} is subscribed. */
    public synchronized boolean isRunning(String id) {
        known(id);
        return subscriptions.containsKey(id);
    }

    /**
     * Subscribes listener {@code id} (one with {@code auto-startup=false}, or one {@link #stop(String) stopped});
     * nothing when it is running already.
     *
     * @throws IllegalArgumentException when no listener has that id
     * @throws IllegalStateException    before the application started its listeners, or after they stopped
     */
    public synchronized void start(String id) {
        if (!running) {
            // before known(id): the listeners are defined only when they start, so an id would look unknown then
            throw new IllegalStateException("Keel's listeners are not running (the application has not started or "
                    + "is stopping): listener '" + id + "' cannot be started now");
        }
        Definition d = known(id);
        if (!subscriptions.containsKey(id)) {
            subscribe(d);
            keepAliveWhileSubscribed();
        }
    }

    /**
     * Closes listener {@code id}'s subscription gracefully, with its close timeout (running handlers finish and are
     * acknowledged, what it held goes back to the broker), and returns once it is closed; nothing when it is not
     * running. Called by that listener's own handler (a stop command), it returns at once: the handler cannot wait
     * for itself, and the close ends once it returned, its message acknowledged; the application's shutdown waits
     * for that close (within the listener's close timeout) before Keel and its publisher close, so the handler can
     * still publish. What arrives meanwhile waits in the broker for its next {@link #start(String)}.
     *
     * @throws IllegalArgumentException when no listener has that id
     */
    public void stop(String id) {
        Running stopping;
        synchronized (this) {
            known(id);
            stopping = subscriptions.remove(id);
            if (stopping != null) {
                closing.add(stopping);
            }
        }
        if (stopping != null) {
            stopping.subscription().close(stopping.closeTimeout());
            // the same close as the one just started or finished: forgets the subscription once it has closed
            stopping.subscription().closeAsync(stopping.closeTimeout()).whenComplete((v, e) -> closed(stopping));
            if (stopping.subscription().state() == Subscription.State.CLOSED) {
                LOG.info("Keel listener {} stopped", id);
            } else {
                LOG.info("Keel listener {} is stopping: stopped by its own handler, it closes once that returned", id);
            }
            keepAliveWhileSubscribed();
        }
    }

    private synchronized void closed(Running stopped) {
        closing.remove(stopped);
    }

    private Definition known(String id) {
        Definition d = defined.get(id);
        if (d == null) {
            throw new IllegalArgumentException("no Keel listener has the id '" + id + "' (listener ids: "
                    + defined.keySet() + ")");
        }
        return d;
    }

    private List<Definition> definitions() {
        List<Definition> definitions = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        ListenerSettings defaults = properties.getListener().getDefaults();
        for (AnnotatedListener listener : annotated.get()) {
            ListenerSettings own = properties.getListeners().get(listener.id());
            SubscriptionConfig<Object> config = ListenerConfigs.of(listener, defaults, own);
            SubscriptionConfig<Object> reader = ListenerConfigs.forDeadLetterReader(config, own,
                    keel::defaultDeadLetterTopic);
            if (reader != config) {
                LOG.info("Keel listener {} reads the dead letters of topic {}: what fails its last attempt is not "
                        + "dead-lettered again but kept and retried (DeadLetterPolicy.none()); set "
                        + "{}.dead-letter.topic to send it elsewhere", listener.id(), config.topic(),
                        ListenerPropertyNames.prefix(listener.id()));
                config = reader;
            }
            MessageHandler<Object> handler = listener.handler() instanceof SubscriptionBoundHandler bound
                    ? bound.bind(config, keel.instanceId()) : listener.handler();
            definitions.add(new Definition(listener.id(), "@KeelListener method " + listener.source(), config,
                    handler, autoStartup(listener.id(), listener.autoStartup())));
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
        DottedListenerKeys.warnings(listenerPropertyNames.get(), ids).forEach(LOG::warn);
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
        ListenerSettings own = properties.getListeners().get(e.id());
        SubscriptionConfig<Object> config;
        try {
            config = ListenerConfigs.apply(ListenerConfigs.retargeted(e.config(), own), own);
        } catch (IllegalArgumentException refusal) {
            throw ListenerConfigs.invalid("'" + e.id() + "' (KeelListenerEndpoint)", e.id(), refusal);
        }
        return new Definition(e.id(), "KeelListenerEndpoint " + e.id(), config, e.handler(), autoStartup(e.id(), null));
    }

    /**
     * {@code keel.listeners.<id>.auto-startup}, else the annotation's {@code autoStartup}, else
     * {@code keel.listener.defaults.auto-startup}, else true.
     */
    private boolean autoStartup(String id, Boolean annotated) {
        ListenerSettings own = properties.getListeners().get(id);
        if (own != null && own.getAutoStartup() != null) {
            return own.getAutoStartup();
        }
        if (annotated != null) {
            return annotated;
        }
        Boolean fallback = properties.getListener().getDefaults().getAutoStartup();
        return fallback == null || fallback;
    }

    private void checkCloseTimeout(Definition d) {
        Duration closeTimeout = d.config().closeTimeout();
        if (closeTimeout.plus(ShutdownPhase.CLOSE_MARGIN).compareTo(phaseTimeout) > 0) {
            LOG.warn("Keel listener {} has a close timeout of {}, which leaves less than {} of Spring's shutdown "
                    + "phase timeout (spring.lifecycle.timeout-per-shutdown-phase={}) for its consumer to commit and "
                    + "leave: set {}.close-timeout (or keel.listener.defaults.close-timeout) lower, or "
                    + "the phase timeout higher", d.id(), closeTimeout, ShutdownPhase.CLOSE_MARGIN, phaseTimeout,
                    ListenerPropertyNames.prefix(d.id()));
        }
    }

    /**
     * A listener that does not subscribe at startup, on a topic not under {@code keel.topics}: nothing declares its
     * group before its first start, and on brokers that keep a group's messages only once the group is bound to the
     * topic (RabbitMQ's and ActiveMQ's queue per group) what is published before then never reaches it.
     */
    private void warnIfGroupUndeclared(Definition d) {
        String topic = d.config().topic();
        if (!properties.getTopics().containsKey(topic)) {
            LOG.warn("Keel listener {} is not started and its topic '{}' is not under keel.topics, so its group '{}' is "
                    + "not declared before its first start: on RabbitMQ and ActiveMQ (a queue per group, made when the "
                    + "group first subscribes) what is published to '{}' before then does not reach it. Declare the "
                    + "topic under keel.topics.{} (its listeners' groups are declared with it) or in the broker",
                    d.id(), topic, d.config().group(), topic, topic);
        }
    }

    /** Declares {@code keel.topics.*} with their configured groups plus the groups of listeners on them. */
    private void declareTopics(List<Definition> definitions) {
        properties.getTopics().forEach((name, topic) -> {
            Set<String> groups = new LinkedHashSet<>(topic.getGroups());
            definitions.stream().filter(d -> d.config().topic().equals(name)).forEach(d -> groups.add(d.config().group()));
            TopicSpec spec = PropertyRefusals.named("keel.topics." + name, () -> {
                TopicSpec.Builder b = TopicSpec.builder(name).partitions(topic.getPartitions())
                        .replicationFactor(topic.getReplicationFactor()).minInSyncReplicas(topic.getMinInSyncReplicas());
                groups.forEach(b::group);
                return b.build();
            });
            keel.ensureTopology(spec);
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

    /**
     * Closes every subscription and waits, within each one's close timeout, for those {@link #stop(String) stopped}
     * and still closing too (a listener stopped by its own handler closes once that handler returned): Keel, and the
     * publisher its handlers use, close only after this.
     */
    private synchronized CompletableFuture<Void> closeAll() {
        running = false;
        List<Running> all = new ArrayList<>(subscriptions.values());
        all.addAll(closing);
        CompletableFuture<?>[] closingAll = all.stream()
                .map(r -> r.subscription().closeAsync(r.closeTimeout()).toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        subscriptions.clear();
        // the JVM is held until every subscription has closed: its handlers finish, then it may end
        return CompletableFuture.allOf(closingAll).whenComplete((v, e) -> keepAliveWhileSubscribed());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * The topic and group ({@code topic/group}) of every listener that is not subscribed: stopped with
     * {@link #stop(String)}, or not started ({@code auto-startup=false}). Empty before the registry started.
     */
    public synchronized Set<String> stoppedTopicsAndGroups() {
        Set<String> stopped = new LinkedHashSet<>();
        defined.values().stream().filter(d -> !subscriptions.containsKey(d.id()))
                .forEach(d -> stopped.add(d.config().topic() + "/" + d.config().group()));
        return stopped;
    }

    /** The listeners' subscriptions by listener id, while running. */
    public synchronized Map<String, Subscription> subscriptions() {
        Map<String, Subscription> copy = new LinkedHashMap<>();
        subscriptions.forEach((id, r) -> copy.put(id, r.subscription()));
        return copy;
    }
}
