package dev.keel.rocket.internal;

import dev.keel.rocket.TransactionOutcome;
import java.net.UnknownHostException;
import java.time.Duration;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageId;
import org.apache.rocketmq.common.sysflag.MessageSysFlag;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.EndTransactionRequestHeader;

/**
 * Sends the producer's outcome of a half message ({@code END_TRANSACTION}) and waits for the broker's answer.
 * rocketmq-client sends it one way and drops any failure, so a publish could not tell whether the broker took it;
 * the broker does answer such a request: {@code SUCCESS} once it stored the committed message (or dropped a rolled
 * back one), else an error, for example {@code ILLEGAL_OPERATION} for an outcome that came after the message's check
 * immunity. The request is the client's own, with the same header, sent on the producer's connection to the broker
 * that stored the half message (hence the client's implementation objects, as rocketmq-client has no public call).
 */
final class TransactionEnds {

    private final TransactionMQProducer producer;
    private final String group;
    private final Duration timeout;

    TransactionEnds(TransactionMQProducer producer, String group, Duration timeout) {
        this.producer = producer;
        this.group = group;
        this.timeout = timeout;
    }

    /**
     * Sends {@code outcome} (COMMIT or ROLLBACK) for the half message {@code sent} and returns the broker's answer:
     * null when it was taken, else what the broker said.
     */
    @SuppressWarnings("deprecation")
    String end(String topic, SendResult sent, TransactionOutcome outcome)
            throws RemotingException, InterruptedException, UnknownHostException {
        MessageId stored = MessageDecoder.decodeMessageId(sent.getOffsetMsgId() != null ? sent.getOffsetMsgId()
                : sent.getMsgId());
        MQClientInstance client = producer.getDefaultMQProducerImpl().getMqClientFactory();
        String brokerName = client.getBrokerNameFromMessageQueue(sent.getMessageQueue());
        String brokerAddress = client.findBrokerAddressInPublish(brokerName);
        if (brokerAddress == null) {
            return "no address known for broker " + brokerName;
        }
        EndTransactionRequestHeader header = header(topic, sent.getTransactionId(), stored.getOffset(),
                sent.getQueueOffset(), sent.getMsgId(), outcome, false);
        header.setBrokerName(brokerName);
        RemotingCommand response = client.getMQClientAPIImpl().getRemotingClient().invokeSync(brokerAddress,
                RemotingCommand.createRequestCommand(RequestCode.END_TRANSACTION, header), timeout.toMillis());
        if (response.getCode() == ResponseCode.SUCCESS) {
            return null;
        }
        return "code " + response.getCode() + (response.getRemark() == null ? "" : ", " + response.getRemark());
    }

    /**
     * Answers the broker's check-back of {@code checked} with {@code outcome} (COMMIT or ROLLBACK) on the producer's
     * connection to the broker that stored it, and returns the broker's answer (null when it was taken, else what the
     * broker said). rocketmq-client answers a check-back one way, naming the broker's half-message topic
     * ({@code RMQ_SYS_TRANS_HALF_TOPIC}) instead of the message's: a broker with ACL 2.0 then wants {@code Pub} on
     * that system topic and drops the answer without a word otherwise. This one names the message's topic, so
     * {@code Pub} on it is enough, as for the publish, and a refusal is seen.
     */
    @SuppressWarnings("deprecation")
    String endChecked(MessageExt checked, TransactionOutcome outcome)
            throws RemotingException, InterruptedException {
        String brokerAddress = RemotingHelper.parseSocketAddressAddr(checked.getStoreHost());
        String uniqueKey = checked.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
        EndTransactionRequestHeader header = header(checked.getTopic(), checked.getTransactionId() != null
                ? checked.getTransactionId() : uniqueKey, checked.getCommitLogOffset(), checked.getQueueOffset(),
                uniqueKey != null ? uniqueKey : checked.getMsgId(), outcome, true);
        header.setBrokerName(checked.getBrokerName());
        MQClientInstance client = producer.getDefaultMQProducerImpl().getMqClientFactory();
        RemotingCommand response = client.getMQClientAPIImpl().getRemotingClient().invokeSync(brokerAddress,
                RemotingCommand.createRequestCommand(RequestCode.END_TRANSACTION, header), timeout.toMillis());
        if (response.getCode() == ResponseCode.SUCCESS) {
            return null;
        }
        if (AccessRefusals.isAclRefusal(response.getCode(), response.getRemark())) {
            throw new AclRefused(response.getRemark());
        }
        return "code " + response.getCode() + (response.getRemark() == null ? "" : ", " + response.getRemark());
    }

    private EndTransactionRequestHeader header(String topic, String transactionId, long commitLogOffset,
                                               long queueOffset, String msgId, TransactionOutcome outcome,
                                               boolean fromCheck) {
        EndTransactionRequestHeader header = new EndTransactionRequestHeader();
        header.setTopic(topic);
        header.setTransactionId(transactionId);
        header.setCommitLogOffset(commitLogOffset);
        header.setCommitOrRollback(outcome == TransactionOutcome.COMMIT ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
                : MessageSysFlag.TRANSACTION_ROLLBACK_TYPE);
        header.setProducerGroup(group);
        header.setTranStateTableOffset(queueOffset);
        header.setMsgId(msgId);
        header.setFromTransactionCheck(fromCheck);
        return header;
    }

    /** The broker's ACL refused an answer to a check-back: {@code remark} is what it said. */
    static final class AclRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AclRefused(String remark) {
            super(remark, null, false, false);
        }
    }
}
