package dev.keel.rocket.internal;

import dev.keel.rocket.TransactionOutcome;
import java.net.UnknownHostException;
import java.time.Duration;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageId;
import org.apache.rocketmq.common.sysflag.MessageSysFlag;
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
        EndTransactionRequestHeader header = new EndTransactionRequestHeader();
        header.setTopic(topic);
        header.setTransactionId(sent.getTransactionId());
        header.setCommitLogOffset(stored.getOffset());
        header.setBrokerName(brokerName);
        header.setCommitOrRollback(outcome == TransactionOutcome.COMMIT ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
                : MessageSysFlag.TRANSACTION_ROLLBACK_TYPE);
        header.setProducerGroup(group);
        header.setTranStateTableOffset(sent.getQueueOffset());
        header.setMsgId(sent.getMsgId());
        header.setFromTransactionCheck(false);
        RemotingCommand response = client.getMQClientAPIImpl().getRemotingClient().invokeSync(brokerAddress,
                RemotingCommand.createRequestCommand(RequestCode.END_TRANSACTION, header), timeout.toMillis());
        if (response.getCode() == ResponseCode.SUCCESS) {
            return null;
        }
        return "code " + response.getCode() + (response.getRemark() == null ? "" : ", " + response.getRemark());
    }
}
