package dev.keel.dedup.redis.internal;

/**
 * The state changes of an id, each one atomic Lua script over one key. A key holds
 * {@code p:<token>} while processing (PX = lease), {@code d:<token>} once done and {@code x:<token>}
 * once dead-lettered (PX = retention); an absent key is an id never seen or long forgotten. A dead id
 * is a duplicate to {@link #CLAIM_ALL}; only {@link #CLAIM_ALL_REDRIVEN} (a re-driven copy) takes it again.
 * {@link #COMPLETE} with {@code x:<token>} as its second argument marks an id dead.
 */
public final class LeaseScripts {

    /**
     * KEYS[1] = key, ARGV[1] = "p:" + token, ARGV[2] = "d:" + token, ARGV[3] = retention ms. Returns 1 APPLIED
     * (also when the same token already completed it, so a retried batch is not reported lost), 0 LOST.
     */
    public static final Script COMPLETE = Script.of("complete", """
            local v = redis.call('GET', KEYS[1])
            if v == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return 1
            end
            if v == ARGV[2] then
              return 1
            end
            return 0
            """);

    /** KEYS[1] = key, ARGV[1] = "p:" + token. Returns 1 APPLIED, 0 LOST. */
    public static final Script RELEASE = Script.of("release", """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """);

    /**
     * Claims a batch: KEYS = the keys, ARGV[1] = lease ms, ARGV[1 + i] = "p:" + token of KEYS[i]. Per key, in
     * order (a key listed twice sees the first claim), 1 CLAIMED (absent: claimed now), 3 RENEWED (already
     * processing by this token: the lease is renewed, so a retried claim whose reply was lost finds its own
     * lease; CLAIMED to the caller, but not this call's claim to release when its batch fails), 2 DUPLICATE
     * (done or dead), 0 BUSY; returns one answer per key. On Redis 7.0 and later the store sends new ids a
     * plain SET instead ({@link SetClaims}) and runs this only for ids their own token already holds.
     * One script run claims the whole batch, so a batch costs Redis one command, not one per id.
     */
    public static final Script CLAIM_ALL = Script.of("claim-all", claimAll(false));

    /**
     * {@link #COMPLETE} over a batch: KEYS = the keys, ARGV[1] = retention ms, ARGV[2i] = "p:" + token and
     * ARGV[2i + 1] = "d:" + token of KEYS[i]. Returns one answer per key, in order.
     */
    public static final Script COMPLETE_ALL = Script.of("complete-all", """
            local answers = {}
            for i, key in ipairs(KEYS) do
              local processing = ARGV[2 * i]
              local done = ARGV[2 * i + 1]
              local v = redis.call('GET', key)
              if v == processing then
                redis.call('SET', key, done, 'PX', ARGV[1])
                answers[i] = 1
              elseif v == done then
                answers[i] = 1
              else
                answers[i] = 0
              end
            end
            return answers
            """);

    /**
     * Forgets done ids: KEYS = the keys; deletes each key that exists and is not processing (a held
     * lease). Returns how many it deleted.
     */
    public static final Script FORGET_ALL = Script.of("forget-all", """
            local forgotten = 0
            for i, key in ipairs(KEYS) do
              local v = redis.call('GET', key)
              if v and string.sub(v, 1, 2) ~= 'p:' then
                redis.call('DEL', key)
                forgotten = forgotten + 1
              end
            end
            return forgotten
            """);

    /**
     * {@link #CLAIM_ALL} for re-driven copies, same arguments and answers, except that a dead id
     * ({@code x:<token>}) is taken too: dead → processing by the caller's token, CLAIMED. A done id
     * stays DUPLICATE, so a re-drive repeated by mistake runs nothing.
     */
    public static final Script CLAIM_ALL_REDRIVEN = Script.of("claim-all-redriven", claimAll(true));

    public static final long CLAIMED = 1;
    /** A claim of an id its own token already held: the lease renewed; CLAIMED to the caller. */
    public static final long RENEWED = 3;
    public static final long DUPLICATE = 2;
    public static final long BUSY = 0;
    public static final long APPLIED = 1;
    public static final long LOST = 0;

    private LeaseScripts() {
    }

    /** The batch claim; {@code redriven}: a dead id ({@code x:}) is taken, else it is a duplicate like a done one. */
    private static String claimAll(boolean redriven) {
        String takes = redriven ? "not v or string.sub(v, 1, 2) == 'x:'" : "not v";
        String duplicate = redriven ? "string.sub(v, 1, 2) == 'd:'"
                : "string.sub(v, 1, 2) == 'd:' or string.sub(v, 1, 2) == 'x:'";
        return """
                local answers = {}
                for i, key in ipairs(KEYS) do
                  local mine = ARGV[i + 1]
                  local v = redis.call('GET', key)
                  if %s then
                    redis.call('SET', key, mine, 'PX', ARGV[1])
                    answers[i] = 1
                  elseif v == mine then
                    redis.call('SET', key, mine, 'PX', ARGV[1])
                    answers[i] = 3
                  elseif %s then
                    answers[i] = 2
                  else
                    answers[i] = 0
                  end
                end
                return answers
                """.formatted(takes, duplicate);
    }
}
