package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.KeelException;
import dev.keel.kafka.ShareGroupsUnavailableException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a share-group subscription asks the cluster through the Admin client: whether it offers share groups
 * ({@code share.version}), the group's settings ({@link ShareGroupSettings}), setting the group's start position to
 * Keel's {@code autoOffsetReset}, and starting a new group where its classic group was, or else at the end of its
 * partitions when that is {@code latest}.
 */
public final class ShareGroupAdmin {

    static final String FEATURE = ShareGroupsUnavailableException.FEATURE;
    static final String AUTO_OFFSET_RESET = "share.auto.offset.reset";
    static final String DELIVERY_LIMIT = "share.delivery.count.limit";
    static final String LOCK_DURATION = "share.record.lock.duration.ms";
    static final String RENEW_ENABLE = "share.renew.acknowledge.enable";

    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupAdmin.class);

    private final Admin admin;
    private final Duration timeout;

    ShareGroupAdmin(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /**
     * Checks that the cluster offers share groups: its feature {@code share.version} is finalized at 1 or higher.
     *
     * @throws ShareGroupsUnavailableException when it is not
     * @throws KeelException                   when the cluster cannot be asked (retriable when it does not answer)
     */
    public static void requireShareGroups(TopicAdmin topics, Duration timeout) {
        Admin admin = topics.client();
        FeatureMetadata features = new ShareGroupAdmin(admin, timeout).get(admin.describeFeatures().featureMetadata(),
                "reading the Kafka cluster's features (is " + FEATURE + " enabled?)");
        FinalizedVersionRange share = features.finalizedFeatures().get(FEATURE);
        if (share == null || share.maxVersionLevel() < 1) {
            throw new ShareGroupsUnavailableException(share == null ? 0 : share.maxVersionLevel());
        }
    }

    /**
     * Sets the group's {@code share.auto.offset.reset} to {@code autoOffsetReset} unless the group has a value of
     * its own, and reads its settings. The cluster's share groups were checked before ({@link #requireShareGroups}).
     *
     * @throws KeelException (not retriable) when the client may not read the group's configuration or set it, and
     *                       (retriable) when the cluster does not answer
     */
    ShareGroupSettings prepare(String group, String autoOffsetReset) {
        ConfigResource resource = resource(group);
        Config config = describe(group, resource);
        ConfigEntry reset = config.get(AUTO_OFFSET_RESET);
        if (reset == null || !autoOffsetReset.equals(reset.value())) {
            if (reset != null && reset.source() == ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG) {
                LOG.warn("share group {} starts new partitions at '{}' (its {} set on the broker), not at '{}' as "
                        + "KafkaConfig.autoOffsetReset says; Keel leaves the group's own setting as it is", group,
                        reset.value(), AUTO_OFFSET_RESET, autoOffsetReset);
            } else {
                set(group, resource, AUTO_OFFSET_RESET, autoOffsetReset);
                LOG.info("share group {}: {} set to '{}' (KafkaConfig.autoOffsetReset)", group, AUTO_OFFSET_RESET,
                        autoOffsetReset);
                return settingsOf(config, autoOffsetReset);
            }
        }
        return settingsOf(config, reset.value());
    }

    /** The group's settings as the broker reports them now. */
    CompletionStage<ShareGroupSettings> read(String group) {
        ConfigResource resource = resource(group);
        CompletableFuture<ShareGroupSettings> result = new CompletableFuture<>();
        admin.describeConfigs(Set.of(resource)).all().whenComplete((configs, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                Config config = configs.get(resource);
                ConfigEntry reset = config.get(AUTO_OFFSET_RESET);
                result.complete(settingsOf(config, reset == null ? "latest" : reset.value()));
            }
        });
        return result;
    }

    /**
     * Starts each partition of {@code topic} that the share group has no start for, when the group has no member:
     * at the committed offset of the Keel group's classic group ({@code classicGroup}, a group switched from
     * classic to share goes on where it was), else, when {@code atEnd}, at the partition's current end (a share
     * group starting at {@code latest} takes the end as of its first fetch from a partition, which comes after
     * {@code subscribe} returned, so what was published in between would be skipped); else it leaves the partition
     * to the group's {@code share.auto.offset.reset}. The broker refuses to set a share group's start while it has
     * members (an instance running, another topic of the group): their fetches start its partitions instead, at the
     * group's reset. Another instance starting at the same moment makes the broker refuse the change likewise.
     */
    void startUnstarted(String group, String classicGroup, String topic, int partitions, boolean atEnd) {
        try {
            boolean members = admin.describeShareGroups(Set.of(group)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(group).members().size() > 0;
            if (members) {
                return;
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw failed("describing share group " + group, e.getCause());
            }
        } catch (TimeoutException e) {
            throw new KeelException("describing share group " + group + ": no answer within " + timeout, e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("describing share group " + group + ": interrupted", e, true);
        }
        Map<TopicPartition, SharePartitionOffsetInfo> started = get(admin.listShareGroupOffsets(
                Map.of(group, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group), "reading where share group "
                + group + " starts");
        Set<TopicPartition> unstarted = new java.util.HashSet<>();
        for (int p = 0; p < partitions; p++) {
            TopicPartition partition = new TopicPartition(topic, p);
            if (started.get(partition) == null) {
                unstarted.add(partition);
            }
        }
        if (unstarted.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> starts = new HashMap<>(committedByClassicGroup(classicGroup, unstarted));
        int fromClassic = starts.size();
        Map<TopicPartition, OffsetSpec> toEnd = new HashMap<>();
        if (atEnd) {
            unstarted.stream().filter(partition -> !starts.containsKey(partition))
                    .forEach(partition -> toEnd.put(partition, OffsetSpec.latest()));
        }
        if (!toEnd.isEmpty()) {
            get(admin.listOffsets(toEnd).all(), "reading the end offsets of " + topic)
                    .forEach((partition, info) -> starts.put(partition, info.offset()));
        }
        if (starts.isEmpty()) {
            return;
        }
        try {
            admin.alterShareGroupOffsets(group, starts).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("share group {} starts {} partition(s) of {}: {} at the committed offsets of classic group {}, {} at "
                    + "their current end (autoOffsetReset latest)", group, starts.size(), topic, fromClassic,
                    classicGroup, starts.size() - fromClassic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupNotEmptyException)) {
                throw failed("starting share group " + group + " on " + topic + " (the client needs READ on the group "
                        + "and the topic)", e.getCause());
            }
        } catch (TimeoutException e) {
            throw new KeelException("starting share group " + group + ": no answer within " + timeout, e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("starting share group " + group + ": interrupted", e, true);
        }
    }

    /**
     * The offsets the classic group {@code classicGroup} committed for {@code partitions} (none when it has none, or
     * when the client may not read them: then a WARN says so and the share group starts at its own reset).
     */
    private Map<TopicPartition, Long> committedByClassicGroup(String classicGroup, Set<TopicPartition> partitions) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(classicGroup)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            offsets.forEach((partition, offset) -> {
                if (offset != null && partitions.contains(partition)) {
                    committed.put(partition, offset.offset());
                }
            });
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                LOG.warn("reading the committed offsets of classic group {} was refused ({}): share group partitions "
                        + "that never started start at the share group's own reset, not where the classic group was "
                        + "(grant DESCRIBE on group {} to carry them over)", classicGroup, e.getCause().toString(),
                        classicGroup);
            } else if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw failed("reading the committed offsets of classic group " + classicGroup, e.getCause());
            }
        } catch (TimeoutException e) {
            throw new KeelException("reading the committed offsets of classic group " + classicGroup + ": no answer "
                    + "within " + timeout, e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("reading the committed offsets of classic group " + classicGroup + ": interrupted",
                    e, true);
        }
        return committed;
    }

    private Config describe(String group, ConfigResource resource) {
        return get(admin.describeConfigs(Set.of(resource)).all(), "reading the configuration of share group "
                + group + " (Keel reads its delivery limit and lock duration: the client needs DESCRIBE_CONFIGS on "
                + "the group)").get(resource);
    }

    private void set(String group, ConfigResource resource, String name, String value) {
        get(admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(name, value),
                AlterConfigOp.OpType.SET)))).all(), "setting " + name + "=" + value + " on share group " + group
                + " (grant the client ALTER_CONFIGS on the group, or set it yourself with kafka-configs.sh "
                + "--entity-type groups)");
    }

    private <T> T get(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failed(what, e.getCause());
        } catch (TimeoutException e) {
            throw new KeelException(what + ": no answer within " + timeout, e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException(what + ": interrupted", e, true);
        }
    }

    private static KeelException failed(String what, Throwable cause) {
        if (cause instanceof AuthorizationException || cause instanceof AuthenticationException) {
            return new AccessRefusedException(what + " failed (not allowed: check the client's credentials and ACLs,"
                    + " docs/security.md): " + cause, cause);
        }
        boolean retriable = cause instanceof RetriableException;
        String hint = cause instanceof AuthorizationException ? " (not allowed: check the client's ACLs)" : "";
        return new KeelException(what + " failed" + hint + ": " + cause, cause, retriable);
    }

    private static ConfigResource resource(String group) {
        return new ConfigResource(ConfigResource.Type.GROUP, group);
    }

    private static ShareGroupSettings settingsOf(Config config, String autoOffsetReset) {
        ShareGroupSettings defaults = ShareGroupSettings.KAFKA_DEFAULTS;
        return new ShareGroupSettings(intOf(config, DELIVERY_LIMIT, defaults.deliveryLimit()),
                Duration.ofMillis(intOf(config, LOCK_DURATION, (int) defaults.lockDuration().toMillis())),
                !"false".equalsIgnoreCase(valueOf(config, RENEW_ENABLE)), autoOffsetReset);
    }

    private static int intOf(Config config, String name, int fallback) {
        String value = valueOf(config, name);
        try {
            return value == null ? fallback : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String valueOf(Config config, String name) {
        ConfigEntry entry = config.get(name);
        return entry == null ? null : entry.value();
    }
}
