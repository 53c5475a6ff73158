package dev.keel.dedup.redis.internal;

import dev.keel.dedup.Lease;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undoes, best effort, what a failed batch claim newly claimed, so that those ids are not BUSY until their
 * lease expires: the ids answered {@link LeaseScripts#CLAIMED}, never those renewed for the token that already
 * held them ({@link SetClaims#RENEW}, {@link LeaseScripts#RENEWED}: their messages may still be running in
 * their handlers, and deleting their leases would let another consumer run them again). Each key is released
 * once, through its first entry, in one pipelined round trip that waits for no replica: a release that a
 * failover loses leaves a lease that expires, as a release that failed does.
 */
public final class ClaimReleases {

    private static final Logger log = LoggerFactory.getLogger(ClaimReleases.class);

    private final ScriptExecutor scripts;

    public ClaimReleases(ScriptExecutor scripts) {
        this.scripts = scripts;
    }

    /** {@code answers[i]}: the claim answer of {@code claims.get(i)} at {@code keys.get(i)}, or null if unknown. */
    public void releaseNewlyClaimed(List<String> keys, List<Lease> claims, Long[] answers) {
        Set<String> released = new HashSet<>();
        List<Call> releases = new ArrayList<>();
        for (int i = 0; i < answers.length; i++) {
            if (answers[i] != null && answers[i] == LeaseScripts.CLAIMED && released.add(keys.get(i))) {
                releases.add(new Call(List.of(keys.get(i)), List.of(LeaseKeys.processing(claims.get(i).token()))));
            }
        }
        if (releases.isEmpty()) {
            return;
        }
        try {
            scripts.runAll(LeaseScripts.RELEASE, releases, false);
        } catch (RuntimeException e) {
            log.debug("Could not release the claims of a failed batch; they expire with their lease", e);
        }
    }
}
