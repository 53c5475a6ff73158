package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Runs a batch script over the groups of a batch's keys that {@link KeyGroups} made (on a cluster, the keys of one
 * hash slot per run), all in one pipelined round trip ({@link ScriptExecutor#runAll}).
 *
 * <p>While a hash slot migrates, a cluster node refuses a script over several of its keys when only some of them
 * are there ({@code TRYAGAIN}: the others have moved to the new node, or are not written yet and belong there).
 * Such a run ran nothing; its keys are then run again one key per run, each on the node that has it (following
 * the redirection to the new node), so a migration does not stop the batch.
 */
public final class ScriptRuns {

    private static final String TRY_AGAIN = "TRYAGAIN";

    private final ScriptExecutor scripts;

    public ScriptRuns(ScriptExecutor scripts) {
        this.scripts = scripts;
    }

    /** The groups the runs were made of and their replies, one each, in the same order. */
    public record Result(List<List<Integer>> groups, List<Reply> replies) {

        /**
         * Puts each run's answers (a list of integers, one per key) at their batch indexes; returns the first
         * failure, or null.
         */
        public RuntimeException spread(Long[] answers) {
            RuntimeException failure = null;
            for (int g = 0; g < groups.size(); g++) {
                Reply reply = replies.get(g);
                if (reply.failed() && failure == null) {
                    failure = reply.error();
                }
                if (!reply.ran()) {
                    continue;
                }
                List<Long> values = reply.longs();
                List<Integer> group = groups.get(g);
                if (values.size() != group.size()) {
                    throw new IllegalStateException("a batch script answered " + values.size() + " results for "
                            + group.size() + " keys");
                }
                for (int k = 0; k < group.size(); k++) {
                    answers[group.get(k)] = values.get(k);
                }
            }
            return failure;
        }
    }

    /**
     * Runs {@code script} once per group: its keys are {@code batchKeys} at the group's indexes, its arguments
     * {@code argsOf.apply(group)}; waits for replicas as the config says.
     */
    public Result run(Script script, List<String> batchKeys, List<List<Integer>> groups,
                      Function<List<Integer>, List<String>> argsOf) {
        List<Reply> replies = scripts.runAll(script, calls(batchKeys, groups, argsOf));
        List<Integer> refused = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            if (groups.get(g).size() > 1 && isTryAgain(replies.get(g).error())) {
                refused.add(g);
            }
        }
        if (refused.isEmpty()) {
            return new Result(groups, replies);
        }
        List<List<Integer>> singles = new ArrayList<>();
        refused.forEach(g -> groups.get(g).forEach(i -> singles.add(List.of(i))));
        List<Reply> singleReplies = scripts.runAll(script, calls(batchKeys, singles, argsOf));
        List<List<Integer>> allGroups = new ArrayList<>(groups.size() + singles.size());
        List<Reply> allReplies = new ArrayList<>(groups.size() + singles.size());
        for (int g = 0; g < groups.size(); g++) {
            if (!refused.contains(g)) {
                allGroups.add(groups.get(g));
                allReplies.add(replies.get(g));
            }
        }
        allGroups.addAll(singles);
        allReplies.addAll(singleReplies);
        return new Result(allGroups, allReplies);
    }

    /** Whether {@code error} is a cluster node's TRYAGAIN: a multi-key command over a slot being migrated. */
    public static boolean isTryAgain(Throwable error) {
        return error instanceof JedisDataException && error.getMessage() != null
                && error.getMessage().startsWith(TRY_AGAIN);
    }

    private static List<Call> calls(List<String> batchKeys, List<List<Integer>> groups,
                                    Function<List<Integer>, List<String>> argsOf) {
        List<Call> calls = new ArrayList<>(groups.size());
        for (List<Integer> group : groups) {
            List<String> groupKeys = new ArrayList<>(group.size());
            group.forEach(i -> groupKeys.add(batchKeys.get(i)));
            calls.add(new Call(groupKeys, argsOf.apply(group)));
        }
        return calls;
    }
}
