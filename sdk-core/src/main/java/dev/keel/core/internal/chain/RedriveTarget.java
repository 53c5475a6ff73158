package dev.keel.core.internal.chain;

import dev.keel.KeelHeaders;
import java.util.Map;
import java.util.Optional;

/**
 * Whom a copy re-driven from a dead-letter topic is for, as its headers say, and whether one
 * subscription runs it. A copy names the group it was re-driven for ({@link KeelHeaders#REDRIVEN_GROUP})
 * and, for a broadcast group's dead letter, the instance ({@link KeelHeaders#REDRIVEN_INSTANCE}):
 * any other group, or another instance of that broadcast group, acknowledges it without running it.
 * A copy re-driven by an earlier Keel names no group: every subscription admits it, and under
 * EFFECTIVELY_ONCE its claim decides ({@link StoreAccess}: it runs only where the id is dead).
 */
public final class RedriveTarget {

    private static final String REDRIVE_HEADER_PREFIX = "keel-redriven-";

    private final String group;
    /** This subscription's instance when it is a broadcast one, else null. */
    private final String instance;

    public RedriveTarget(String group, Optional<String> broadcastInstance) {
        this.group = group;
        this.instance = broadcastInstance.orElse(null);
    }

    /** Whether a subscription of this group (and instance) runs a message with {@code headers}. */
    public boolean admits(Map<String, String> headers) {
        if (!isRedriven(headers)) {
            return true;
        }
        String targetGroup = headers.get(KeelHeaders.REDRIVEN_GROUP);
        if (targetGroup == null) {
            return true; // re-driven by an earlier Keel: the claim decides
        }
        if (!targetGroup.equals(group)) {
            return false;
        }
        String targetInstance = headers.get(KeelHeaders.REDRIVEN_INSTANCE);
        return targetInstance == null || instance == null || targetInstance.equals(instance);
    }

    /**
     * Whether {@code headers} are a re-driven copy's: {@link KeelHeaders#REDRIVEN_AT}, and no
     * {@link KeelHeaders#DLT_AT} (a dead letter an earlier Keel made of a re-driven copy kept the
     * former; it is a dead letter, for whoever reads the dead-letter topic, not a copy to re-run).
     */
    public static boolean isRedriven(Map<String, String> headers) {
        return headers.containsKey(KeelHeaders.REDRIVEN_AT) && !headers.containsKey(KeelHeaders.DLT_AT);
    }

    /** Whether {@code headers} are those of a copy re-driven by an earlier Keel, which named no group. */
    public static boolean namesNoGroup(Map<String, String> headers) {
        return isRedriven(headers) && !headers.containsKey(KeelHeaders.REDRIVEN_GROUP);
    }

    /** Whether {@code name} is one of the headers a re-drive adds ({@code keel-redriven-*}). */
    public static boolean isRedriveHeader(String name) {
        return name.startsWith(REDRIVE_HEADER_PREFIX);
    }

    @Override
    public String toString() {
        return instance == null ? group : group + " (instance " + instance + ")";
    }
}
