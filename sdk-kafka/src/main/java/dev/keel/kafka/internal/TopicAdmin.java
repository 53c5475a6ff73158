package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.spi.support.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topic declaration, description, deletion and existence checks through the Kafka Admin client.
 * Never changes an existing topic, except the configuration {@link #setConfigs} is asked to set (a delay topic's
 * limits, kept in step with its topic's: {@link DelayTopicCreator}) and a {@code max.message.bytes} of a dead-letter
 * or retry topic below its origin's ({@link #ensureDeadLetterTopic}, {@link #ensureDerived}). Thread-safe.
 */
public final class TopicAdmin implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private static final long VISIBILITY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Where a timed-out call asks the listeners ({@link KafkaListeners}): one daemon thread, gone when idle. */
    private static final ExecutorService LISTENER_CHECKS = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), DaemonThreads.named("keel-kafka-listener-check"));

    private final Admin admin;
    private final Duration timeout;
    private final String servers;
    private final KafkaListeners listeners;

    public TopicAdmin(Map<String, Object> adminProperties, Duration timeout) {
        this.admin = Admin.create(adminProperties);
        this.timeout = timeout;
        this.servers = String.valueOf(adminProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.listeners = new KafkaListeners(adminProperties);
    }

    /**
     * After a call timed out: what to say when the bootstrap servers are listeners of the other kind than the
     * client's (TLS or plaintext), a configuration mistake rather than an outage; empty otherwise.
     */
    Optional<String> listenerMismatch() {
        return listeners.mismatch();
    }

    /** {@code timedOut} (a call that took longer than its timeout), unless a listener of the other kind explains it. */
    private KeelException timedOut(String what, KeelException timedOut) {
        return listenerMismatch().<KeelException>map(mismatch -> new AccessRefusedException("Kafka did not answer "
                + what + ": " + mismatch, timedOut)).orElse(timedOut);
    }

    /** The Admin client itself, for this package's other admin tasks (share groups); closed with this. */
    Admin client() {
        return admin;
    }

    /**
     * Creates {@code spec}'s topic with its partitions, replication factor and
     * {@code min.insync.replicas}, or checks the existing one: fewer partitions than requested, or
     * another replication factor or {@code min.insync.replicas}, fail with a
     * {@link TopologyException} and change nothing; more partitions than requested are accepted
     * (Kafka topics grow; keys moved when it grew) and logged. Returns when the topic is visible
     * with a leader serving every partition.
     */
    public void ensure(TopicSpec spec) {
        ensure(spec, Map.of());
    }

    /** {@link #ensure(TopicSpec)}, creating the topic with {@code configs}; returns whether this call created it. */
    private boolean ensure(TopicSpec spec, Map<String, String> configs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean created = describeNow(spec.name(), deadline).isEmpty() && create(spec.name(), spec, configs, deadline);
        TopicDescription description = awaitVisible(spec.name(), deadline);
        if (!created) {
            check(spec, description, deadline);
        }
        awaitWritable(description, deadline);
        return created;
    }

    /**
     * Declares {@code spec}'s topic as {@link #ensure(TopicSpec)} does, for a topic Keel derives from {@code origin}
     * (a non-blocking retry topic), so that it takes every record {@code origin} takes: created with
     * {@code origin}'s {@link #INHERITED} settings, and an existing one's raised to them (never lowered).
     */
    public void ensureDerived(String origin, TopicSpec spec) {
        Map<String, String> inherited = inheritedConfigs(origin);
        if (!ensure(spec, inherited)) {
            raiseTo(origin, spec.name(), inherited);
        }
    }

    /**
     * Makes sure a subscription's dead-letter topic exists: otherwise it is created with the partitions, replication
     * factor and {@code min.insync.replicas} of {@code origin}, and its {@link #INHERITED} settings (so that it takes
     * the dead letter of every record {@code origin} took); an existing one is used as it is, except that a
     * {@code max.message.bytes} below {@code origin}'s is raised to it. Fails with a non-retriable
     * {@link KeelException} when {@code origin} does not exist, unless {@code autoCreation} (then the broker creates
     * both on first use and nothing is done here).
     */
    public void ensureDeadLetterTopic(String origin, String deadLetterTopic, boolean autoCreation) {
        Map<String, String> inherited = inheritedConfigs(origin);
        if (!ensureLike(origin, deadLetterTopic, autoCreation, inherited)) {
            raiseTo(origin, deadLetterTopic, inherited);
        }
    }

    /**
     * {@link #ensureDeadLetterTopic(String, String, boolean)} for the dead letters of records read from
     * {@code heldIn} (a delay topic) that {@code origin} refused: a dead-letter topic this creates takes the larger
     * {@code max.message.bytes} of the two, so that a record refused because {@code origin}'s limit was lowered after
     * its publish keeps its payload; an existing one is raised to {@code origin}'s only, as there.
     */
    public void ensureDeadLetterTopic(String origin, String deadLetterTopic, boolean autoCreation, String heldIn) {
        Map<String, String> inherited = inheritedConfigs(origin);
        Map<String, String> created = new HashMap<>(inherited);
        String held = inheritedConfigs(heldIn).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (bytes(held) > bytes(inherited.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG))) {
            created.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, held);
        }
        if (!ensureLike(origin, deadLetterTopic, autoCreation, created)) {
            raiseTo(origin, deadLetterTopic, inherited);
        }
    }

    /** The settings of a topic that the topics Keel derives from it (dead-letter, retry, delay topics) copy. */
    static final Set<String> INHERITED = Set.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);

    /**
     * {@code origin}'s {@link #INHERITED} settings; none when it does not exist or its configuration cannot be read
     * (logged: the derived topic then gets the broker's defaults).
     */
    private Map<String, String> inheritedConfigs(String origin) {
        Map<String, String> configs;
        try {
            configs = configs(origin).toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                LOG.warn("Could not read the configuration of Kafka topic {} ({}): the topics Keel derives from it "
                        + "(dead-letter, retry topics) get the broker's max.message.bytes, not its own; allow this "
                        + "client DescribeConfigs on {}", origin, e.getCause().toString(), origin);
            }
            return Map.of();
        } catch (TimeoutException e) {
            LOG.warn("Reading the configuration of Kafka topic {} took longer than {}: the topics Keel derives from "
                    + "it get the broker's max.message.bytes", origin, timeout);
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while reading the configuration of topic " + origin, e, true);
        }
        Map<String, String> inherited = new HashMap<>();
        for (String name : INHERITED) {
            String value = configs.get(name);
            if (value != null) {
                inherited.put(name, value);
            }
        }
        return inherited;
    }

    /** Raises {@code name}'s {@code max.message.bytes} to {@code inherited}'s when it is lower (a WARN if it cannot). */
    private void raiseTo(String origin, String name, Map<String, String> inherited) {
        long wanted = bytes(inherited.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
        if (wanted < 0) {
            return;
        }
        Map<String, String> raised = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(wanted));
        try {
            long now = bytes(configs(name).toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
            if (now < 0 || now >= wanted) {
                return;
            }
            setConfigs(name, raised).toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            LOG.info("Kafka topic {} now has max.message.bytes {} (was {}), as {} has", name, wanted, now, origin);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Could not give Kafka topic {} the max.message.bytes of {} ({}): {}. Records {} takes and {} "
                            + "refuses as too large are dead-lettered without payload or retried in place; allow this "
                            + "client to alter the configuration of {}, or raise it yourself", name, origin, wanted,
                    e instanceof ExecutionException ? e.getCause().toString() : e.toString(), origin, name, name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while changing the configuration of topic " + name, e, true);
        }
    }

    /** A byte count of a configuration value; -1 when absent or not a number. */
    private static long bytes(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Like {@link #ensureDeadLetterTopic}, for a topic Keel derives from {@code origin} (a dead-letter or delay
     * topic), created with {@code configs} on top of the settings it copies. Returns whether this call created it.
     */
    public boolean ensureLike(String origin, String name, boolean autoCreation, Map<String, String> configs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (describeNow(name, deadline).isPresent()) {
            return false;
        }
        Optional<TopicSpec> source = describe(origin, deadline);
        if (source.isEmpty()) {
            if (autoCreation) {
                return false;
            }
            throw new TopicNotFoundException(origin, "topic " + origin + " does not exist on Kafka: declare it with "
                    + "ensureTopology before subscribing");
        }
        TopicSpec like = source.get();
        TopicSpec spec = TopicSpec.builder(name).partitions(like.partitions())
                .replicationFactor(like.replicationFactor()).minInSyncReplicas(like.minInSyncReplicas()).build();
        boolean created = create(name, spec, configs, deadline);
        if (created) {
            LOG.info("Created Kafka topic {} for topic {}{}", name, origin, configs.isEmpty() ? "" : " " + configs);
        }
        awaitWritable(awaitVisible(name, deadline), deadline);
        return created;
    }

    /**
     * The topic's effective configuration, name to value (defaults included; sensitive values null). Fails with
     * Kafka's {@link UnknownTopicOrPartitionException} when the topic does not exist, else with a typed
     * {@link KeelException}.
     */
    public CompletionStage<Map<String, String>> configs(String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        CompletableFuture<Map<String, String>> result = new CompletableFuture<>();
        admin.describeConfigs(Set.of(resource)).all().whenComplete((configs, error) -> {
            Throwable cause = unwrap(error);
            if (cause instanceof UnknownTopicOrPartitionException) {
                result.completeExceptionally(cause);
            } else if (cause != null) {
                fail(result, "describing the configuration of topic " + topic, cause, grant("DESCRIBE_CONFIGS", topic));
            } else {
                Map<String, String> values = new HashMap<>();
                configs.get(resource).entries().forEach(entry -> values.put(entry.name(), entry.value()));
                result.complete(values);
            }
        });
        return result;
    }

    /** Sets {@code configs} on the topic (the rest of its configuration stays); fails with a typed {@link KeelException}. */
    public CompletionStage<Void> setConfigs(String topic, Map<String, String> configs) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        List<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((name, value) -> ops.add(new AlterConfigOp(new ConfigEntry(name, value),
                AlterConfigOp.OpType.SET)));
        CompletableFuture<Void> result = new CompletableFuture<>();
        admin.incrementalAlterConfigs(Map.of(resource, ops)).all().whenComplete((done, error) -> {
            if (error == null) {
                result.complete(null);
            } else {
                fail(result, "changing the configuration of topic " + topic, unwrap(error),
                        grant("ALTER_CONFIGS", topic));
            }
        });
        return result;
    }

    /** The topic's partitions, replication factor and {@code min.insync.replicas} (no groups); empty when absent. */
    public Optional<TopicSpec> describe(String topic) {
        return describe(topic, System.nanoTime() + timeout.toNanos());
    }

    /**
     * Whether the topic exists, asked once and waited for: a describe of the topic only, which Kafka authorizes with
     * {@code Describe} on it (no {@code DescribeConfigs}, unlike {@link #describe(String)}).
     */
    public boolean existsNow(String topic) {
        return describeNow(topic, System.nanoTime() + timeout.toNanos()).isPresent();
    }

    /** Deletes the topic and waits until Kafka no longer lists it; nothing happens when it does not exist. */
    public void delete(String topic) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            admin.deleteTopics(Set.of(topic)).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
            LOG.info("Deleted Kafka topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw failed("deleting topic " + topic, e.getCause(), grant("DELETE", topic));
            }
            return;
        } catch (TimeoutException e) {
            throw new KeelTimeoutException("Kafka did not confirm deleting topic " + topic + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while deleting topic " + topic, e, true);
        }
        while (describeNow(topic, deadline).isPresent()) {
            if (System.nanoTime() >= deadline) {
                throw new KeelTimeoutException("topic " + topic + " was still listed " + timeout + " after its deletion");
            }
            LockSupport.parkNanos(VISIBILITY_POLL_NANOS);
        }
    }

    /**
     * Whether {@code topic} exists and every partition's leader serves it (answers a ListOffsets).
     * A produce that reaches a just-created partition before its leader loaded it is refused, and
     * the idempotent producer's later in-flight batches may then be stored ahead of it; publishing
     * only to served partitions avoids that. Fails with a typed {@link KeelException} when Kafka
     * cannot tell.
     */
    public CompletionStage<Boolean> ready(String topic) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        admin.describeTopics(Set.of(topic)).allTopicNames().whenComplete((descriptions, error) -> {
            Throwable cause = unwrap(error);
            if (cause instanceof UnknownTopicOrPartitionException) {
                result.complete(false);
            } else if (cause != null) {
                fail(result, "checking that topic " + topic + " exists", cause, grant("DESCRIBE", topic));
            } else {
                admin.listOffsets(latestOffsets(descriptions.get(topic))).all().whenComplete((offsets, notServed) -> {
                    Throwable why = unwrap(notServed);
                    if (why == null) {
                        result.complete(true);
                    } else if (why instanceof UnknownTopicOrPartitionException) {
                        result.complete(false);
                    } else {
                        fail(result, "checking that topic " + topic + " is served", why,
                                grant("DESCRIBE", topic));
                    }
                });
            }
        });
        return result;
    }

    /** Whether {@code topic} exists; fails with a typed {@link KeelException} when Kafka cannot tell. */
    public CompletionStage<Boolean> exists(String topic) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        admin.describeTopics(Set.of(topic)).allTopicNames().whenComplete((descriptions, error) -> {
            Throwable cause = unwrap(error);
            if (cause == null) {
                result.complete(true);
            } else if (cause instanceof UnknownTopicOrPartitionException) {
                result.complete(false);
            } else {
                fail(result, "checking that topic " + topic + " exists", cause, grant("DESCRIBE", topic));
            }
        });
        return result;
    }

    @Override
    public void close() {
        admin.close(timeout);
    }

    /**
     * Waits until every partition's leader answers a ListOffsets. A retriable refusal (on a cluster,
     * a broker that has not yet learnt of a just-created topic, or a leader that moved) is asked
     * again until the deadline.
     */
    private void awaitWritable(TopicDescription topic, long deadline) {
        while (true) {
            try {
                admin.listOffsets(latestOffsets(topic)).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() >= deadline) {
                    throw failed("waiting for the leaders of topic " + topic.name(), e.getCause(),
                            grant("DESCRIBE", topic.name()));
                }
                LOG.debug("Leaders of topic {} not served yet ({}); asking again", topic.name(), e.getCause().toString());
                LockSupport.parkNanos(VISIBILITY_POLL_NANOS);
            } catch (TimeoutException e) {
                throw new KeelTimeoutException("the partitions of topic " + topic.name() + " were not served within "
                        + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeelException("interrupted while waiting for topic " + topic.name(), e, true);
            }
        }
    }

    private static Map<TopicPartition, OffsetSpec> latestOffsets(TopicDescription topic) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        for (TopicPartitionInfo partition : topic.partitions()) {
            specs.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest());
        }
        return specs;
    }

    private TopicDescription awaitVisible(String topic, long deadline) {
        while (true) {
            try {
                TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames()
                        .get(remaining(deadline), TimeUnit.NANOSECONDS).get(topic);
                if (d != null && d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null)) {
                    return d;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failed("waiting for topic " + topic, e.getCause(), grant("DESCRIBE", topic));
                }
            } catch (TimeoutException e) {
                throw new KeelTimeoutException("topic " + topic + " was not ready within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeelException("interrupted while waiting for topic " + topic, e, true);
            }
            if (System.nanoTime() >= deadline) {
                throw new KeelTimeoutException("topic " + topic + " was not ready within " + timeout);
            }
            LockSupport.parkNanos(VISIBILITY_POLL_NANOS);
        }
    }

    /** Creates the topic with {@code configs} besides the spec's; false when it exists already. */
    private boolean create(String name, TopicSpec spec, Map<String, String> configs, long deadline) {
        Map<String, String> all = new HashMap<>(configs);
        all.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(spec.minInSyncReplicas()));
        NewTopic topic = new NewTopic(name, spec.partitions(), (short) spec.replicationFactor()).configs(all);
        try {
            admin.createTopics(List.of(topic)).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
            LOG.info("Created Kafka topic {} ({} partitions, replication factor {}, min.insync.replicas {})", name,
                    spec.partitions(), spec.replicationFactor(), spec.minInSyncReplicas());
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw failed("declaring topic " + name, e.getCause(), grant("CREATE", name) + " (or on the cluster)");
        } catch (TimeoutException e) {
            throw timedOut("declaring topic " + name, new KeelTimeoutException("Kafka did not confirm creating topic "
                    + name + " within " + timeout + "; is the cluster at " + servers + " (the bootstrap servers) "
                    + "reachable?", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while declaring topic " + name, e, true);
        }
    }

    /** Compares an existing topic with the requested spec; see {@link #ensure}. */
    private void check(TopicSpec spec, TopicDescription existing, long deadline) {
        int partitions = existing.partitions().size();
        int replicas = replicationFactorOf(existing);
        int minInSync = minInSyncReplicasOf(spec.name(), deadline);
        List<String> differences = new ArrayList<>();
        if (partitions < spec.partitions()) {
            differences.add("partitions " + partitions + " (requested " + spec.partitions() + ")");
        }
        if (replicas != spec.replicationFactor()) {
            differences.add("replication factor " + replicas + " (requested " + spec.replicationFactor() + ")");
        }
        if (minInSync != spec.minInSyncReplicas()) {
            differences.add("min.insync.replicas " + minInSync + " (requested " + spec.minInSyncReplicas() + ")");
        }
        if (!differences.isEmpty()) {
            throw new TopologyException(spec.name(), "Kafka topic " + spec.name() + " exists with other settings: "
                    + String.join(", ", differences) + ". Keel does not change an existing topic: declare it as it is,"
                    + " change it with Kafka's tools, or delete it (deleteTopology) or use another name");
        }
        if (partitions > spec.partitions()) {
            LOG.info("Kafka topic {} has {} partitions, more than the {} declared; used as it is", spec.name(),
                    partitions, spec.partitions());
        }
    }

    private Optional<TopicSpec> describe(String topic, long deadline) {
        Optional<TopicDescription> found = describeNow(topic, deadline);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        int replicas = replicationFactorOf(found.get());
        int minInSync = minInSyncReplicasOf(topic, deadline);
        return Optional.of(TopicSpec.builder(topic).partitions(found.get().partitions().size())
                .replicationFactor(replicas).minInSyncReplicas(Math.min(minInSync, replicas)).build());
    }

    /** One describe of the topic: empty when Kafka does not know it. */
    private Optional<TopicDescription> describeNow(String topic, long deadline) {
        try {
            return Optional.ofNullable(admin.describeTopics(Set.of(topic)).allTopicNames()
                    .get(remaining(deadline), TimeUnit.NANOSECONDS).get(topic));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw failed("describing topic " + topic, e.getCause(), grant("DESCRIBE", topic));
        } catch (TimeoutException e) {
            throw timedOut("describing topic " + topic, new KeelTimeoutException("Kafka did not describe topic "
                    + topic + " within " + timeout, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while describing topic " + topic, e, true);
        }
    }

    private static int replicationFactorOf(TopicDescription topic) {
        return topic.partitions().isEmpty() ? 0 : topic.partitions().get(0).replicas().size();
    }

    private int minInSyncReplicasOf(String topic, long deadline) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(Set.of(resource)).all().get(remaining(deadline), TimeUnit.NANOSECONDS)
                    .get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            return entry == null || entry.value() == null ? 1 : Integer.parseInt(entry.value());
        } catch (ExecutionException e) {
            throw failed("describing the configuration of topic " + topic, e.getCause(),
                    grant("DESCRIBE_CONFIGS", topic));
        } catch (TimeoutException e) {
            throw timedOut("describing the configuration of topic " + topic, new KeelTimeoutException("Kafka did "
                    + "not describe the configuration of topic " + topic + " within " + timeout, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while describing topic " + topic, e, true);
        }
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The ACL that allows {@code operation} on {@code topic}, as Kafka's tools name it. */
    private static String grant(String operation, String topic) {
        return operation + " on Topic:" + topic;
    }

    /**
     * Completes {@code result} with {@link #failed}; after a timeout on a thread of Keel's own, since asking the
     * listeners ({@link #listenerMismatch()}) blocks and the admin client's thread calls this.
     */
    private void fail(CompletableFuture<?> result, String what, Throwable cause, String grant) {
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            LISTENER_CHECKS.execute(() -> result.completeExceptionally(failed(what, cause, grant)));
        } else {
            result.completeExceptionally(failed(what, cause, grant));
        }
    }

    /** {@link #failure(String, Throwable, String, String)} naming this admin's bootstrap servers. */
    private KeelException failed(String what, Throwable cause, String grant) {
        KeelException failure = failure(what, cause, servers, grant);
        return cause instanceof org.apache.kafka.common.errors.TimeoutException ? timedOut(what, failure) : failure;
    }

    static KeelException failure(String what, Throwable cause) {
        return failure(what, cause, null, null);
    }

    /**
     * @param servers the bootstrap servers to name in a timeout, or null
     * @param grant   the ACL a refusal asks to grant ({@code "DESCRIBE on Topic:orders"}), or null when unknown
     */
    static KeelException failure(String what, Throwable cause, String servers, String grant) {
        if (cause instanceof AuthenticationException) {
            Optional<AccessRefusedException> certificate = TlsRefusals.of(what, servers, cause);
            if (certificate.isPresent()) {
                return certificate.get();
            }
        }
        if (cause instanceof AuthorizationException || cause instanceof AuthenticationException) {
            return new AccessRefusedException("Kafka refused " + what + ": " + cause.getMessage() + "; "
                    + (grant == null || cause instanceof AuthenticationException ? ""
                    : "grant the client " + grant + ", and ")
                    + "check the client's credentials and ACLs (docs/security.md lists what Keel needs); not retried",
                    cause);
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new BrokerUnavailableException("Kafka" + (servers == null ? "" : " at " + servers)
                    + " did not answer " + what + " in time: " + cause.getMessage()
                    + (servers == null ? "" : "; check that the bootstrap servers are right and reachable"), cause);
        }
        if (cause instanceof RetriableException) {
            return new KeelException("Kafka failed " + what + " (retriable): " + cause.getMessage(), cause, true);
        }
        if (cause instanceof ApiException) {
            return new KeelException("Kafka rejected " + what + ": " + cause.getMessage(), cause, false);
        }
        return new KeelException("Kafka failed " + what + ": " + cause, cause, false);
    }
}
