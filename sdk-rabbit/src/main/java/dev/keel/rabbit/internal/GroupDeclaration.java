package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a declaration of one group's queues would create ({@link Names}: its dead-letter exchange and queue, its
 * member queue, its partition queues), and which of them existed before it: so that a declaration the broker refuses
 * part way through (a queue with other arguments, a name the user may not configure) can delete what it created,
 * with their bindings, and only that. What existed before is left as it was.
 */
final class GroupDeclaration {

    private static final Logger LOG = LoggerFactory.getLogger(GroupDeclaration.class);

    private final BrokerCalls calls;
    private final String topic;
    private final String group;
    private final List<String> newQueues;
    private final String newExchange;

    private GroupDeclaration(BrokerCalls calls, String topic, String group, List<String> newQueues,
                             String newExchange) {
        this.calls = calls;
        this.topic = topic;
        this.group = group;
        this.newQueues = List.copyOf(newQueues);
        this.newExchange = newExchange;
    }

    /** Looks up which of the group's queues and exchange exist now (one passive declare each). */
    static GroupDeclaration probe(BrokerCalls calls, String topic, String group, int partitions, String membersQueue) {
        List<String> queues = new ArrayList<>();
        queues.add(Names.deadLetterQueue(topic, group));
        queues.add(membersQueue);
        for (int partition = 0; partition < partitions; partition++) {
            queues.add(Names.laneQueue(topic, group, partition));
        }
        List<String> missing = new ArrayList<>();
        for (String queue : queues) {
            if (!calls.exists(topic, "queue '" + queue + "'", channel -> channel.queueDeclarePassive(queue))) {
                missing.add(queue);
            }
        }
        String dlx = Names.deadLetterExchange(topic, group);
        boolean dlxMissing = !calls.exists(topic, "exchange '" + dlx + "'", channel -> channel.exchangeDeclarePassive(dlx));
        return new GroupDeclaration(calls, topic, group, missing, dlxMissing ? dlx : null);
    }

    /**
     * What did not exist at {@link #probe} but the member queue (which each member's registration declares):
     * {@code queue 'name'} and {@code exchange 'name'} entries.
     */
    List<String> missingBesides(String membersQueue) {
        List<String> missing = new ArrayList<>();
        newQueues.stream().filter(queue -> !queue.equals(membersQueue)).forEach(queue -> missing.add("queue '" + queue
                + "'"));
        if (newExchange != null) {
            missing.add("exchange '" + newExchange + "'");
        }
        return missing;
    }

    /**
     * Deletes the queues and exchange that did not exist at {@link #probe} and exist now (with their bindings), each
     * on a channel of its own; a deletion that fails is logged and added to {@code refusal} as suppressed. What the
     * refused declaration never reached is neither deleted nor named: a WARN about it would report a leftover that
     * does not exist.
     */
    void removeCreated(Exception refusal) {
        List<String> removed = new ArrayList<>();
        // the partition queues first (newQueues ends with them): one kept, in use, means another process declared
        // the group meanwhile, and its dead-letter pair and member queue are kept too
        boolean keptOne = false;
        for (int i = newQueues.size() - 1; i >= 0; i--) {
            String queue = newQueues.get(i);
            // the declaration may have stopped before it: only what it did create is removed (and warned about)
            if (!keptOne && mayExist("queue '" + queue + "'", channel -> channel.queueDeclarePassive(queue))) {
                // only unused and empty: a queue another process declared meanwhile, consumed or holding messages,
                // stays (quorum queues support no delete if-unused: looked at first)
                if (inUse(queue)) {
                    keptOne = true;
                    LOG.info("kept queue '{}' after the refused declaration of group '{}' of topic '{}': it is "
                            + "consumed or holds messages (declared by another process meanwhile)", queue, group, topic);
                } else {
                    remove(refusal, "queue '" + queue + "'", channel -> channel.queueDelete(queue), removed);
                }
            }
        }
        if (!keptOne && newExchange != null && mayExist("exchange '" + newExchange + "'",
                channel -> channel.exchangeDeclarePassive(newExchange))) {
            remove(refusal, "exchange '" + newExchange + "'", channel -> channel.exchangeDelete(newExchange), removed);
        }
        LOG.info("declaring group '{}' of topic '{}' was refused part way; removed what it had created: {}{}", group,
                topic, removed, keptOne ? " (the rest is in use: declared by another process meanwhile)" : "");
    }

    /** Whether {@code what} exists now; true when that cannot be told (then its removal is tried). */
    private boolean mayExist(String what, BrokerCalls.ChannelWork<?> passive) {
        try {
            return calls.exists(topic, what, passive);
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Whether {@code queue} has consumers or messages now; true when that cannot be told. */
    private boolean inUse(String queue) {
        try {
            AMQP.Queue.DeclareOk now = calls.run(topic, "look at queue '" + queue + "'",
                    channel -> channel.queueDeclarePassive(queue));
            return now.getConsumerCount() > 0 || now.getMessageCount() > 0;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private void remove(Exception refusal, String what, BrokerCalls.ChannelWork<?> delete, List<String> removed) {
        try {
            calls.run(topic, "remove " + what, delete);
            removed.add(what);
        } catch (RuntimeException e) {
            LOG.warn("removing {} after the refused declaration of group '{}' of topic '{}' failed: {}", what, group,
                    topic, e.toString());
            refusal.addSuppressed(e);
        }
    }
}
