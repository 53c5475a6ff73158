package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Follows ASK redirections: a cluster node whose hash slot is migrating answers ASK for a key it no longer has
 * (not yet written, or already moved), naming the node the slot is moving to. The command ran nothing there; it
 * runs on that node once, preceded by {@code ASKING}, which lets the node serve a slot it is still importing.
 * ASK does not change the slot map (the slot still belongs to its source until the migration ends), so
 * reloading the map and sending the entries again would only reach the source again.
 *
 * <p>The entries redirected to one node go in one pipeline on one connection to it ({@code ASKING}, command,
 * {@code ASKING}, command, ...), followed, when replicas must acknowledge, by one {@code WAIT} on that same
 * connection: the write happened on the target, so only the target's replicas can acknowledge it.
 */
final class AskRedirects {

    private final RedisConnection connection;

    AskRedirects(RedisConnection connection) {
        this.connection = connection;
    }

    /**
     * Runs each entry on the node its ASK redirection names; {@code redirections.get(i)} is entry {@code i}'s.
     * Replies in the order of {@code entries}; a node that cannot be reached fails its own entries.
     */
    <E> List<Reply> follow(List<E> entries, List<JedisAskDataException> redirections, Pipelines.Command<E> command,
                           boolean awaitReplicas) {
        Map<HostAndPort, List<Integer>> byTarget = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            byTarget.computeIfAbsent(redirections.get(i).getTargetNode(), t -> new ArrayList<>()).add(i);
        }
        List<Reply> replies = new ArrayList<>(entries.size());
        entries.forEach(e -> replies.add(null));
        for (Map.Entry<HostAndPort, List<Integer>> target : byTarget.entrySet()) {
            List<Integer> indexes = target.getValue();
            List<Reply> answered = sendAsking(target.getKey(), Pipelines.select(entries, indexes), command, awaitReplicas);
            for (int i = 0; i < indexes.size(); i++) {
                replies.set(indexes.get(i), answered.get(i));
            }
        }
        return replies;
    }

    private <E> List<Reply> sendAsking(HostAndPort target, List<E> entries, Pipelines.Command<E> command,
                                       boolean awaitReplicas) {
        int asked = awaitReplicas ? connection.config().replicaAcks() : 0;
        ReplicaWaits waits = new ReplicaWaits(connection, asked, key -> target);
        List<Response<Object>> askings = new ArrayList<>(entries.size());
        List<Response<?>> responses = new ArrayList<>(entries.size());
        try (Connection toTarget = connection.connectionTo(target); Pipeline pipeline = new Pipeline(toTarget)) {
            for (E entry : entries) {
                askings.add(pipeline.sendCommand(new CommandArguments(Protocol.Command.ASKING)));
                responses.add(command.send(pipeline, entry));
                waits.entry(command.key(entry));
            }
            waits.append(pipeline);
            pipeline.sync();
        } catch (JedisException e) {
            List<Reply> failed = new ArrayList<>(entries.size());
            entries.forEach(entry -> failed.add(Reply.failed(e)));
            return failed;
        }
        List<Reply> replies = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Reply reply = Pipelines.replyOf(responses.get(i));
            Reply asking = Pipelines.replyOf(askings.get(i));
            // a command refused after a refused ASKING (an ACL without +asking) was refused for that: say so
            replies.add(waits.judge(i, reply.failed() && asking.failed() ? asking : reply));
        }
        return replies;
    }
}
