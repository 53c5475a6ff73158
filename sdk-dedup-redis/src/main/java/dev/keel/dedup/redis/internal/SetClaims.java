package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * Claims a batch of ids with one plain command per id instead of a script: {@code SET key p:<token> NX PX
 * <lease> GET} (Redis 7.0 and later) sets the key only if it is absent and answers its old value, pipelined
 * as {@link Pipelines} sends it (per node on a cluster, {@code WAIT} after each when replicas must
 * acknowledge, redirected entries repeated). The old value gives the answer {@link LeaseScripts#CLAIM_ALL}
 * would give, except for an id already held by the claiming token: SET NX did not renew that lease, so it
 * answers {@link #RENEW}, and the caller runs that id through the script, whose answer is then the answer.
 * Commands of one connection run in order, so a key listed twice sees the first claim, as in the script.
 *
 * <p>A server older than 7.0 rejects the command as a syntax error, without running it
 * ({@link SetClaimSupport#rejected}). The first such reply switches this claim off for good:
 * {@link #supported()} turns false, and the caller claims by script from then on.
 */
public final class SetClaims {

    /** The id is held by the claiming token already: only the claim script renews its lease. */
    public static final long RENEW = -1;

    private static final Logger log = LoggerFactory.getLogger(SetClaims.class);
    private static final String DONE = LeaseKeys.done("");
    private static final String DEAD = LeaseKeys.dead("");

    private final RedisConnection connection;
    private final Pipelines pipelines;
    private volatile boolean supported;

    /** {@code supported}: false claims by script from the start, as after a server rejected the command. */
    public SetClaims(RedisConnection connection, boolean supported) {
        this.connection = connection;
        this.pipelines = new Pipelines(connection);
        this.supported = supported;
    }

    /** Whether claims may use SET NX GET: until a server rejects it. */
    public boolean supported() {
        return supported;
    }

    /**
     * Sets each key to its value ({@code p:<token>}) unless it exists, in one round trip; one reply per
     * key, in order: {@link LeaseScripts#CLAIMED}, {@link LeaseScripts#DUPLICATE}, {@link LeaseScripts#BUSY},
     * {@link #RENEW}, or the entry's failure (with its answer too when the SET ran and only its wait for
     * replicas failed, {@link Reply#ran()}). Jedis exceptions of a broken connection pass through. If the
     * server rejected the command, {@link #supported()} is false afterwards and the replies mean nothing.
     */
    public List<Reply> claimAll(List<String> keys, List<String> values, String pxLease) {
        List<SetEntry> entries = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            entries.add(new SetEntry(keys.get(i), values.get(i)));
        }
        SetNxGet command = new SetNxGet(SetParams.setParams().nx().px(Long.parseLong(pxLease)));
        List<Reply> replies = pipelines.send(entries, command);
        pipelines.repeatRedirected(replies, entries, command);
        return answers(replies, values);
    }

    /**
     * The claims' answers from the replies of their SETs. If one reply is the server's rejection of the
     * command ({@link SetClaimSupport#rejected}), switches SET claims off for good ({@link #supported()} false
     * afterwards) and hands the replies back unchanged: they mean nothing, and the caller claims the whole
     * batch again by script.
     */
    List<Reply> answers(List<Reply> replies, List<String> values) {
        List<Reply> answers = new ArrayList<>(replies.size());
        for (int i = 0; i < replies.size(); i++) {
            Reply reply = replies.get(i);
            if (reply.failed() && SetClaimSupport.rejected(reply.error())) {
                switchOff(reply.error());
                return replies;
            }
            String mine = values.get(i);
            // a SET that ran keeps its answer even when its wait for replicas failed: the caller needs it
            answers.add(reply.map(old -> answer((String) old, mine)));
        }
        return answers;
    }

    /** The claim's answer from the key's old value ({@code null}: it was absent and is now {@code mine}). */
    public static long answer(String old, String mine) {
        if (old == null) {
            return LeaseScripts.CLAIMED;
        }
        if (old.equals(mine)) {
            return RENEW;
        }
        if (old.startsWith(DONE) || old.startsWith(DEAD)) {
            return LeaseScripts.DUPLICATE;
        }
        return LeaseScripts.BUSY;
    }

    /**
     * The server rejected a {@code SET ... GET} as too new for it (a claim's or a completion's): claims, and
     * completions ({@link DoneMarks}), run as scripts from now on.
     */
    void rejected(RuntimeException rejection) {
        switchOff(rejection);
    }

    private void switchOff(RuntimeException rejection) {
        if (supported) {
            supported = false;
            log.info("{} rejected SET ... NX ... GET ({}): a server older than Redis 7.0; claims and completions"
                    + " run as Lua scripts from now on", connection.config().describeEndpoint(), rejection.getMessage());
        }
    }

    private record SetEntry(String key, String value) {
    }

    /** {@code SET key value NX PX <lease> GET}: answers the old value, or nil when it set the key. */
    private record SetNxGet(SetParams params) implements Pipelines.Command<SetEntry> {

        @Override
        public Response<?> send(AbstractPipeline pipeline, SetEntry entry) {
            return pipeline.setGet(entry.key(), entry.value(), params);
        }

        @Override
        public String key(SetEntry entry) {
            return entry.key();
        }
    }
}
