package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * Marks a batch of ids done with one plain command per id instead of a script: {@code SET key d:<token> XX PX
 * <retention> GET}, pipelined as {@link Pipelines} sends it (per node on a cluster, {@code WAIT} after each when
 * replicas must acknowledge, redirected entries repeated). {@code XX} writes only over a key that exists, and
 * {@code GET} answers the value it replaced, which gives the answer:
 * <ul>
 *   <li>{@code p:<token>} (the caller's lease) or {@code d:<token>} (its own completion, retried): APPLIED;</li>
 *   <li>absent (the lease expired, the id was forgotten, Redis lost its data): LOST, and nothing is written, as
 *       the {@link LeaseScripts#COMPLETE_ALL} script did;</li>
 *   <li>anything else (another token's {@code p:}, {@code d:} or {@code x:}): LOST, and the done mark is
 *       written over it. Unlike the script, which left such a key as it was.</li>
 * </ul>
 *
 * <p>Why the last case is safe: a completion is sent only after its handler succeeded, so its effect is applied
 * whatever the key says. Over another consumer's lease (taken after the caller's expired), that consumer's
 * handler ran or runs too in either design; with the mark written, a copy it has not started yet, its retries and
 * its dead-lettering find the id done and run nothing more, and its own completion reports LOST. Over a dead mark
 * (the other consumer dead-lettered the message), the id is done: a re-drive of that letter is acknowledged
 * unrun, since the message's effect was applied once. Over another token's done mark, the id stays done. The
 * engine still reports the loss (LEASE_LOST, a warning), as before. See docs/redis-store.md, "Semantics".
 *
 * <p>Redis 6.2 first took {@code GET} in {@code SET}; an older server answers {@code ERR syntax error} and runs
 * nothing ({@link SetClaimSupport#rejected}). Completions share {@link SetClaims}' switch: once a server rejected
 * a {@code SET ... GET}, claims and completions both run as scripts.
 */
public final class DoneMarks {

    private final Pipelines pipelines;
    private final SetClaims support;

    public DoneMarks(RedisConnection connection, SetClaims support) {
        this.pipelines = new Pipelines(connection);
        this.support = support;
    }

    /** Whether completions may be plain commands: as long as claims may ({@link SetClaims#supported()}). */
    public boolean supported() {
        return support.supported();
    }

    /**
     * Marks each key done for its token ({@code tokens.get(i)}, without the {@code d:} prefix) in one round trip;
     * one reply per key, in order: {@link LeaseScripts#APPLIED} or {@link LeaseScripts#LOST}, or the entry's failure
     * (with its answer too when only its wait for replicas failed). Jedis exceptions of a broken connection pass
     * through. Returns {@code null} when the server rejected the command (older than Redis 6.2: nothing ran, and
     * {@link #supported()} is false from then on): the caller completes the batch by script.
     */
    public List<Reply> completeAll(List<String> keys, List<String> tokens, String pxRetention) {
        List<DoneEntry> entries = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            entries.add(new DoneEntry(keys.get(i), tokens.get(i)));
        }
        SetXxGet command = new SetXxGet(SetParams.setParams().xx().px(Long.parseLong(pxRetention)));
        List<Reply> replies = pipelines.send(entries, command);
        pipelines.repeatRedirected(replies, entries, command);
        List<Reply> answers = new ArrayList<>(replies.size());
        for (int i = 0; i < replies.size(); i++) {
            Reply reply = replies.get(i);
            if (reply.failed() && SetClaimSupport.rejected(reply.error())) {
                support.rejected(reply.error());
                return null;
            }
            String token = tokens.get(i);
            answers.add(reply.map(old -> answer((String) old, token)));
        }
        return answers;
    }

    /** The completion's answer from the value the done mark replaced ({@code null}: absent, nothing written). */
    public static long answer(String old, String token) {
        if (old != null && old.length() == token.length() + 2 && old.endsWith(token)
                && (old.startsWith(LeaseKeys.processing("")) || old.startsWith(LeaseKeys.done("")))) {
            return LeaseScripts.APPLIED;
        }
        return LeaseScripts.LOST;
    }

    private record DoneEntry(String key, String token) {
    }

    /** {@code SET key d:<token> XX PX <retention> GET}: answers the old value, or nil (absent, nothing set). */
    private record SetXxGet(SetParams params) implements Pipelines.Command<DoneEntry> {

        @Override
        public Response<?> send(AbstractPipeline pipeline, DoneEntry entry) {
            return pipeline.setGet(entry.key(), LeaseKeys.done(entry.token()), params);
        }

        @Override
        public String key(DoneEntry entry) {
            return entry.key();
        }
    }
}
