package dev.keel.kafka.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Topic declaration and existence checks through the Kafka Admin client. Thread-safe. */
public final class TopicAdmin implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private static final long VISIBILITY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Admin admin;
    private final Duration timeout;

    public TopicAdmin(Map<String, Object> adminProperties, Duration timeout) {
        this.admin = Admin.create(adminProperties);
        this.timeout = timeout;
    }

    /**
     * Creates {@code spec}'s topic, and its dead-letter topic {@code <name><deadLetterSuffix>} when
     * the suffix is not null, with the spec's partitions, replication factor and
     * {@code min.insync.replicas}; topics that exist already are left as they are. Returns when the
     * topics are visible with a leader for every partition.
     */
    public void ensure(TopicSpec spec, String deadLetterSuffix) {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(newTopic(spec.name(), spec));
        if (deadLetterSuffix != null && !spec.name().endsWith(deadLetterSuffix)) {
            topics.add(newTopic(spec.name() + deadLetterSuffix, spec));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, KafkaFuture<Void>> created : admin.createTopics(topics).values().entrySet()) {
            try {
                created.getValue().get(remaining(deadline), TimeUnit.NANOSECONDS);
                LOG.info("Created Kafka topic {} ({} partitions, replication factor {}, min.insync.replicas {})",
                        created.getKey(), spec.partitions(), spec.replicationFactor(), spec.minInSyncReplicas());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw failure("declaring topic " + created.getKey(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new KeelTimeoutException("Kafka did not confirm creating topic " + created.getKey() + " within "
                        + timeout + "; is the cluster at the configured bootstrap servers reachable?", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeelException("interrupted while declaring topic " + created.getKey(), e, true);
            }
        }
        for (NewTopic topic : topics) {
            awaitWritable(awaitVisible(topic.name(), spec.partitions(), deadline), deadline);
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
                result.completeExceptionally(failure("checking that topic " + topic + " exists", cause));
            } else {
                admin.listOffsets(latestOffsets(descriptions.get(topic))).all().whenComplete((offsets, notServed) -> {
                    Throwable why = unwrap(notServed);
                    if (why == null) {
                        result.complete(true);
                    } else if (why instanceof UnknownTopicOrPartitionException) {
                        result.complete(false);
                    } else {
                        result.completeExceptionally(failure("checking that topic " + topic + " is served", why));
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
                result.completeExceptionally(failure("checking that topic " + topic + " exists", cause));
            }
        });
        return result;
    }

    @Override
    public void close() {
        admin.close(timeout);
    }

    private void awaitWritable(TopicDescription topic, long deadline) {
        try {
            admin.listOffsets(latestOffsets(topic)).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw failure("waiting for the leaders of topic " + topic.name(), e.getCause());
        } catch (TimeoutException e) {
            throw new KeelTimeoutException("the partitions of topic " + topic.name() + " were not served within "
                    + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while waiting for topic " + topic.name(), e, true);
        }
    }

    private static Map<TopicPartition, OffsetSpec> latestOffsets(TopicDescription topic) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        for (TopicPartitionInfo partition : topic.partitions()) {
            specs.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest());
        }
        return specs;
    }

    private TopicDescription awaitVisible(String topic, int declaredPartitions, long deadline) {
        while (true) {
            try {
                TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames()
                        .get(remaining(deadline), TimeUnit.NANOSECONDS).get(topic);
                if (d != null && d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null)) {
                    if (d.partitions().size() != declaredPartitions) {
                        LOG.warn("Kafka topic {} exists with {} partitions, not the {} declared; left as it is "
                                + "(changing it would move keys between partitions)", topic, d.partitions().size(),
                                declaredPartitions);
                    }
                    return d;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failure("waiting for topic " + topic, e.getCause());
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

    private static NewTopic newTopic(String name, TopicSpec spec) {
        return new NewTopic(name, spec.partitions(), (short) spec.replicationFactor())
                .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(spec.minInSyncReplicas())));
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

    static KeelException failure(String what, Throwable cause) {
        if (cause instanceof AuthorizationException || cause instanceof AuthenticationException) {
            return new KeelException("Kafka refused " + what + ": " + cause.getMessage()
                    + "; check the client's credentials and ACLs", cause, false);
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new BrokerUnavailableException("Kafka did not answer " + what + " in time: " + cause.getMessage(),
                    cause);
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
