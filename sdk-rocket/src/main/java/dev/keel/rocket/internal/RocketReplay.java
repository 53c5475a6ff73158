package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.GroupActiveException;
import dev.keel.KeelException;
import dev.keel.PartitionRewind;
import dev.keel.TopicNotFoundException;
import dev.keel.rocket.RocketConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.admin.ConsumeStats;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.remoting.protocol.body.ConsumerConnection;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * Replay on RocketMQ, through the admin client: {@code searchOffset} per queue (the first message
 * stored at or after a time), the group's offsets from {@code examineConsumeStats}, its members from
 * {@code examineConsumerConnectionInfo}, and {@code updateConsumeOffset} on each queue's master,
 * which only holds while no member of the group writes its own offsets over it.
 */
public final class RocketReplay {

    private static final int PULL_BATCH = 32;

    private final RocketConfig config;
    private final RocketAdmin admin;

    public RocketReplay(RocketConfig config, RocketAdmin admin) {
        this.config = config;
        this.admin = admin;
    }

    public List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        String rocketGroup = Names.rocketGroup(group, topic);
        // the topic first: asking for the members of a group of a missing topic fails with a route error
        List<MessageQueue> queues = admin.writableQueues(topic).orElseThrow(() -> new TopicNotFoundException(topic,
                "RocketMQ topic '" + topic + "' does not exist: nothing to replay; check the topic's name (retrying "
                        + "cannot help)"));
        checkIdle(topic, group, rocketGroup);
        Map<MessageQueue, OffsetWrapper> offsets = offsetsOf(rocketGroup, topic);
        DefaultMQAdminExt client = admin.client();
        List<PartitionRewind> plan = new ArrayList<>();
        for (MessageQueue queue : queues) {
            try {
                long end = client.maxOffset(queue);
                OffsetWrapper offset = offsets.get(queue);
                long before = offset == null || offset.getConsumerOffset() < 0 ? end : offset.getConsumerOffset();
                long found = client.searchOffset(queue, from.toEpochMilli());
                long after = Math.max(0, Math.min(before, found < 0 ? end : found));
                plan.add(new PartitionRewind(Names.partition(queue), before, after));
            } catch (Exception e) {
                throw RocketAdmin.failure(config, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, "searching the offset of " + from
                        + " in queue " + Names.partition(queue), e);
            }
        }
        return plan;
    }

    public void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        String rocketGroup = Names.rocketGroup(group, topic);
        checkIdle(topic, group, rocketGroup);
        Map<String, String> masters = admin.masterAddresses(topic);
        for (PartitionRewind rewind : rewinds) {
            if (rewind.after() >= rewind.before()) {
                continue;
            }
            MessageQueue queue = queueOf(topic, rewind);
            String master = masters.get(queue.getBrokerName());
            if (master == null) {
                throw new KeelException("no master of broker " + queue.getBrokerName() + " routes topic " + topic
                        + " now: try again once it is back", true);
            }
            try {
                admin.client().updateConsumeOffset(master, rocketGroup, queue, rewind.after());
            } catch (Exception e) {
                throw RocketAdmin.failure(config, RequestCode.UPDATE_CONSUMER_OFFSET, "moving the offset of group " + group
                        + " on queue " + rewind.partition(), e);
            }
        }
    }

    /** The groups of the pull consumers that read a reprocess's ids: {@code <clientId>-replay-reader-<suffix>}. */
    static final String READER_GROUP_INFIX = "-replay-reader-";

    // the pull consumer reads a bounded range of one queue synchronously, in a group of its own: what this needs
    @SuppressWarnings("deprecation")
    public void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids) {
        String readerGroups = config.clientId() + READER_GROUP_INFIX;
        String readerGroup = readerGroups + ClientNames.unique();
        DefaultMQPullConsumer reader = new DefaultMQPullConsumer(readerGroup, RocketAccess.of(config));
        reader.setNamesrvAddr(config.nameServer());
        reader.setInstanceName(ClientNames.instance(config, "replay-reader"));
        reader.setVipChannelEnabled(false);
        try {
            RocketTls.start(config, reader, reader::start);
            for (PartitionRewind range : ranges) {
                MessageQueue queue = queueOf(topic, range);
                long offset = range.after();
                while (offset < range.before()) {
                    int max = (int) Math.min(PULL_BATCH, range.before() - offset);
                    PullResult result = reader.pull(queue, "*", offset, max, config.adminTimeout().toMillis());
                    if (result.getPullStatus() != PullStatus.FOUND) {
                        break; // the rest is gone (retention) or not there
                    }
                    List<String> batch = new ArrayList<>();
                    for (MessageExt m : result.getMsgFoundList()) {
                        if (m.getQueueOffset() < range.before()) {
                            batch.add(MessageMapping.fromRocket(m, () -> { }).id());
                        }
                    }
                    ids.accept(batch);
                    offset = Math.max(offset + 1, result.getNextBeginOffset());
                }
            }
        } catch (KeelException e) {
            throw e;
        } catch (Exception e) {
            KeelException failure = RocketAdmin.failure(config, RequestCode.PULL_MESSAGE, "reading the replayed "
                    + "messages of topic " + topic, e);
            throw failure instanceof AccessRefusedException refused ? readerGroupsRefused(refused, readerGroups)
                    : failure;
        } finally {
            reader.shutdown();
            // the group is new on each reprocess, and the broker made it (and its %RETRY% topic) when the reader
            // started: deleted here, or one of each would be left per reprocess
            String user = config.accessKey().map(u -> "User:" + u).orElse("User:<access key>");
            admin.deleteOwnGroup(readerGroup, "grant " + user + " Delete as well as Sub on every group named "
                    + readerGroups + "..., as a prefix: mqadmin updateAcl -s " + user + " -r Group:" + readerGroups
                    + "* -a Sub,Delete -d Allow");
        }
    }

    /**
     * A refusal naming the reader's group says to grant that one group, which the next reprocess does not use (its
     * name ends with a new suffix each time): it names the prefix to grant instead.
     */
    private AccessRefusedException readerGroupsRefused(AccessRefusedException refused, String readerGroups) {
        if (refused.getMessage() == null || !refused.getMessage().contains("Group:" + readerGroups)) {
            return refused;
        }
        String user = config.accessKey().map(u -> "User:" + u).orElse("User:<access key>");
        return new AccessRefusedException(refused.getMessage() + ". The reader's group is new on each reprocess: "
                + "grant " + user + " Sub on every group named " + readerGroups + "..., as a prefix (mqadmin updateAcl"
                + " -s " + user + " -r Group:" + readerGroups + "* -a Sub -d Allow)", refused.getCause());
    }

    private void checkIdle(String topic, String group, String rocketGroup) {
        try {
            ConsumerConnection connection = admin.client().examineConsumerConnectionInfo(rocketGroup);
            int members = connection == null ? 0 : connection.getConnectionSet().size();
            if (members > 0) {
                throw new GroupActiveException(topic, group, members);
            }
        } catch (MQBrokerException e) {
            if (e.getResponseCode() != ResponseCode.CONSUMER_NOT_ONLINE) {
                throw RocketAdmin.failure(config, RequestCode.GET_CONSUMER_CONNECTION_LIST,
                        "asking for the members of group " + group, e);
            }
        } catch (KeelException e) {
            throw e;
        } catch (Exception e) {
            throw RocketAdmin.failure(config, RequestCode.GET_CONSUMER_CONNECTION_LIST,
                    "asking for the members of group " + group, e);
        }
    }

    private Map<MessageQueue, OffsetWrapper> offsetsOf(String rocketGroup, String topic) {
        try {
            ConsumeStats stats = admin.client().examineConsumeStats(rocketGroup, topic);
            return stats == null ? Map.of() : new HashMap<>(stats.getOffsetTable());
        } catch (MQBrokerException e) {
            if (e.getResponseCode() == ResponseCode.CONSUMER_NOT_ONLINE
                    || e.getResponseCode() == ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST) {
                return Map.of(); // never consumed
            }
            throw RocketAdmin.failure(config, RequestCode.GET_CONSUME_STATS, "reading the offsets of group "
                    + rocketGroup, e);
        } catch (Exception e) {
            throw RocketAdmin.failure(config, RequestCode.GET_CONSUME_STATS, "reading the offsets of group "
                    + rocketGroup, e);
        }
    }

    private static MessageQueue queueOf(String topic, PartitionRewind rewind) {
        int colon = rewind.partition().lastIndexOf(':');
        return new MessageQueue(topic, rewind.partition().substring(0, colon),
                Integer.parseInt(rewind.partition().substring(colon + 1)));
    }
}
