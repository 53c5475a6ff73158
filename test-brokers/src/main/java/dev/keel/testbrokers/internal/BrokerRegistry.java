package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerEndpoint;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.containers.ContainerBrokers;
import dev.keel.testbrokers.internal.containers.TestcontainersDockerProbe;
import dev.keel.testbrokers.internal.local.LocalBrokers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One shared endpoint per broker kind for the whole test JVM, started lazily on first use (in the
 * background, so several kinds start in parallel) and stopped by the runtime's shutdown hook. A
 * failed start is remembered: later requests fail at once with the same error.
 */
public final class BrokerRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerRegistry.class);
    /** The system property naming where a broker of this JVM came from: {@code keel.brokers.origin.kafka}. */
    public static final String ORIGIN_PROPERTY = "keel.brokers.origin.";
    /**
     * What {@code keel.brokers.prestart=all} starts: every kind but ActiveMQ Artemis and ActiveMQ Classic,
     * which a module lists by name ({@code all,artemis}, {@code all,activemq}), so that the modules that
     * prestart {@code all} and never use them do not each start a broker JVM more.
     */
    static final Set<BrokerKind> PRESTART_ALL = EnumSet.complementOf(EnumSet.of(BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ));
    private static BrokerRegistry instance;

    private final HarnessRuntime runtime;
    private final OriginSelector selector;
    private final Map<BrokerKind, CompletableFuture<BrokerEndpoint>> endpoints = new EnumMap<>(BrokerKind.class);
    private final ExecutorService starter = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "keel-broker-start");
        thread.setDaemon(true);
        return thread;
    });

    BrokerRegistry(HarnessRuntime runtime, OriginSelector selector) {
        this.runtime = runtime;
        this.selector = selector;
    }

    public static synchronized BrokerRegistry get() {
        if (instance == null) {
            HarnessRuntime runtime = HarnessRuntime.get();
            DockerProbe probe = new CachedDockerProbe(new TestcontainersDockerProbe());
            instance = new BrokerRegistry(runtime, new OriginSelector(runtime.settings(), probe));
            instance.prestartConfigured();
        }
        return instance;
    }

    /** The endpoint of a kind, starting the broker if nobody has yet; blocks until it serves. */
    public BrokerEndpoint endpoint(BrokerKind kind) {
        return await(startAsync(kind));
    }

    /** Starts the given kinds in parallel and waits for all; throws the first failure. */
    public void startAll(Collection<BrokerKind> kinds) {
        List<CompletableFuture<BrokerEndpoint>> started = new ArrayList<>();
        for (BrokerKind kind : kinds) {
            started.add(startAsync(kind));
        }
        for (CompletableFuture<BrokerEndpoint> future : started) {
            await(future);
        }
    }

    public synchronized CompletableFuture<BrokerEndpoint> startAsync(BrokerKind kind) {
        return endpoints.computeIfAbsent(kind, k -> {
            CompletableFuture<BrokerEndpoint> future = CompletableFuture.supplyAsync(() -> create(k), starter);
            future.whenComplete((endpoint, failure) -> {
                if (failure != null) {
                    LOG.warn("{}: not available in this run: {}", k.displayName(), failure.getCause() == null
                            ? failure.getMessage() : failure.getCause().getMessage());
                }
            });
            return future;
        });
    }

    private BrokerEndpoint create(BrokerKind kind) {
        OriginSelector.Selection selection;
        try {
            selection = selector.select(kind);
        } catch (RuntimeException e) {
            throw new BrokerStartException(kind, e.getMessage(), e);
        }
        LOG.info("{}: {}", kind.displayName(), selection.reason());
        long begin = System.nanoTime();
        Provided provided = provide(kind, selection);
        runtime.atShutdown(provided.control()::stop);
        String origin = originOf(provided);
        LOG.info("{}: ready, {}, after {} ms", kind.displayName(), origin, (System.nanoTime() - begin) / 1_000_000);
        // for the test report: Surefire lists the test JVM's system properties in each TEST-*.xml
        System.setProperty(ORIGIN_PROPERTY + kind.name().toLowerCase(Locale.ROOT), origin);
        return provided.endpoint();
    }

    /** {@code container apache/kafka:4.4.0 at localhost:32768}, {@code local at 127.0.0.1:29192}. */
    static String originOf(Provided provided) {
        String runs = provided.runs().isEmpty() ? "" : " " + provided.runs();
        return provided.endpoint().origin().name().toLowerCase(Locale.ROOT) + runs + " at " + provided.endpoint().address();
    }

    private Provided provide(BrokerKind kind, OriginSelector.Selection selection) {
        switch (selection.origin()) {
            case CONFIGURED:
                Settings settings = runtime.settings();
                try {
                    return ConfiguredEndpoints.create(kind, settings.endpoint(kind).orElseThrow(),
                            settings.sourceOf(kind.endpointProperty()));
                } catch (IllegalArgumentException e) {
                    throw new BrokerStartException(kind, e.getMessage(), e);
                }
            case CONTAINER:
                return ContainerBrokers.start(kind, runtime.settings());
            default:
                return LocalBrokers.start(kind, runtime);
        }
    }

    private static BrokerEndpoint await(CompletableFuture<BrokerEndpoint> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw e;
        }
    }

    /** {@code keel.brokers.prestart=kafka,rocket} (or {@code all}) starts those in the background at once. */
    private void prestartConfigured() {
        runtime.settings().get(Settings.PRESTART).ifPresent(list -> prestartKinds(list).forEach(this::startAsync));
    }

    /**
     * The kinds a {@code keel.brokers.prestart} value names: {@code kafka,rocket}; {@code all} is
     * {@link #PRESTART_ALL}, so {@code all,artemis,activemq} is every kind.
     */
    static Set<BrokerKind> prestartKinds(String list) {
        Set<BrokerKind> kinds = EnumSet.noneOf(BrokerKind.class);
        for (String name : list.split("[,\\s]+")) {
            if (name.equalsIgnoreCase("all")) {
                kinds.addAll(PRESTART_ALL);
            } else if (!name.isBlank()) {
                kinds.add(BrokerKind.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            }
        }
        return kinds;
    }
}
