package dev.keel.rocket;

import dev.keel.testbrokers.Brokers;
import java.util.List;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * What the harness's broker holds of a transactional message in its half topic
 * ({@code RMQ_SYS_TRANS_HALF_TOPIC}): each time the broker checks a half message back it first stores a copy
 * there with the check count ({@code TRANSACTION_CHECK_TIMES}), so the copies say how often it was checked,
 * whatever the producer answered.
 */
final class HalfMessages {

    private HalfMessages() {
    }

    /**
     * How many check-backs the broker has started for the half message(s) with this id (their {@code KEYS}), asked
     * through {@code tools}, an admin client of {@link #tools()}.
     */
    static int checks(DefaultMQAdminExt tools, String id) throws Exception {
        try {
            String cluster = tools.examineBrokerClusterInfo().getClusterAddrTable().keySet().iterator().next();
            List<MessageExt> copies = tools.queryMessage(cluster, TopicValidator.RMQ_SYS_TRANS_HALF_TOPIC, id, 64, 0,
                    Long.MAX_VALUE).getMessageList();
            return copies.stream().map(m -> m.getProperty(MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES))
                    .filter(times -> times != null).mapToInt(Integer::parseInt).max().orElse(0);
        } catch (MQClientException e) {
            if (e.getResponseCode() == ResponseCode.NO_MESSAGE) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * A started admin client of the harness's broker, for {@link #checks}; the caller shuts it down. Tests that ask
     * often share one: shutting an admin client down takes up to 3 s (its event thread polls every 3 s).
     */
    static DefaultMQAdminExt tools() throws MQClientException {
        DefaultMQAdminExt tools = new DefaultMQAdminExt(10_000);
        tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        tools.setInstanceName(RocketTestSupport.unique("half-tools"));
        tools.start();
        return tools;
    }
}
