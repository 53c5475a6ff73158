package dev.keel.rocket.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishException;
import dev.keel.UnroutableException;
import dev.keel.rocket.RocketConfig;
import java.time.Duration;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.exception.RemotingTooMuchRequestException;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/** Maps rocketmq-client send outcomes to Keel's typed exceptions, with a truthful {@code isRetriable()}. */
final class SendErrors {

    private SendErrors() {
    }

    /** The failure of a send the broker answered with another status than {@code SEND_OK}. */
    static PublishException notOk(String topic, SendStatus status) {
        String why = switch (status) {
            case FLUSH_DISK_TIMEOUT -> "the broker stored the message but did not flush it to disk in time "
                    + "(SYNC_FLUSH)";
            case FLUSH_SLAVE_TIMEOUT -> "the broker stored the message but its slave did not confirm in time "
                    + "(SYNC_MASTER)";
            case SLAVE_NOT_AVAILABLE -> "the broker stored the message but has no slave to copy it to (SYNC_MASTER)";
            default -> "the broker answered " + status;
        };
        return new PublishException("RocketMQ did not confirm the message durable (topic " + topic + "): " + why
                + "; it is retried with the same id, consumers skip the copy", null, true);
    }

    static UnroutableException missingTopic(String topic, Throwable cause) {
        return new UnroutableException("RocketMQ topic '" + topic + "' does not exist: declare it with "
                + "ensureTopology (Keel never lets the broker create topics on first publish)", cause);
    }

    /** Whether the client or broker refused the request as illegal ({@code MESSAGE_ILLEGAL}). */
    static boolean isIllegal(Throwable e) {
        return code(e) == ResponseCode.MESSAGE_ILLEGAL;
    }

    /** Whether the broker refused the request for want of permission ({@code NO_PERMISSION}). */
    static boolean isNoPermission(Throwable e) {
        return code(e) == ResponseCode.NO_PERMISSION;
    }

    private static int code(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MQBrokerException b) {
                return b.getResponseCode();
            }
            if (t instanceof MQClientException c && c.getResponseCode() > 0) {
                return c.getResponseCode();
            }
        }
        return -1;
    }

    /** {@link #map(String, Throwable, Duration)}, with a refusal by the broker's ACL as an AccessRefusedException. */
    static KeelException map(RocketConfig config, String topic, Throwable e) {
        return AccessRefusals.of(config, "publishing to topic " + topic, RequestCode.SEND_MESSAGE, e)
                .<KeelException>map(refused -> refused).orElseGet(() -> map(topic, e, config.sendTimeout()));
    }

    static KeelException map(String topic, Throwable e, Duration timeout) {
        String where = " (topic " + topic + ")";
        if (e instanceof KeelException k) {
            return k;
        }
        if (e instanceof MQBrokerException b) {
            return byCode(topic, b.getResponseCode(), b.getErrorMessage(), e);
        }
        if (e instanceof MQClientException c) {
            if (c.getResponseCode() == ResponseCode.MESSAGE_ILLEGAL) {
                return new PublishException("RocketMQ refused the message as illegal" + where + ": "
                        + c.getErrorMessage(), e, false);
            }
            if (c.getCause() != null && c.getCause() != c) {
                return map(topic, c.getCause(), timeout);
            }
            String message = String.valueOf(c.getErrorMessage());
            if (message.contains("service state not OK") || message.contains("shutdown")) {
                return new ClosedException("the RocketMQ producer is closed" + where, e);
            }
            if (message.contains("No route info")) {
                return missingTopic(topic, e);
            }
            if (c.getResponseCode() > 0) {
                return byCode(topic, c.getResponseCode(), message, e);
            }
            return new PublishException("RocketMQ send failed" + where + ": " + message, e, true);
        }
        if (e instanceof RemotingTimeoutException || e instanceof RemotingTooMuchRequestException) {
            return new KeelTimeoutException("RocketMQ did not confirm the message within sendTimeout " + timeout
                    + where + ": " + e.getMessage(), e);
        }
        if (e instanceof RemotingConnectException || e instanceof RemotingException) {
            return new BrokerUnavailableException("RocketMQ broker unreachable" + where + ": " + e.getMessage()
                    + "; is the broker running and the name server's route to it current?", e);
        }
        if (e instanceof InterruptedException) {
            return new PublishException("interrupted while publishing to RocketMQ" + where, e, true);
        }
        return new PublishException("RocketMQ send failed" + where + ": " + e, e, false);
    }

    private static KeelException byCode(String topic, int code, String message, Throwable e) {
        String where = " (topic " + topic + ")";
        return switch (code) {
            case ResponseCode.TOPIC_NOT_EXIST -> missingTopic(topic, e);
            case ResponseCode.MESSAGE_ILLEGAL -> new PublishException("RocketMQ refused the message as illegal" + where
                    + " (too large a body or properties, or a bad property): " + message, e, false);
            case ResponseCode.NO_PERMISSION -> new PublishException("RocketMQ refused the publish" + where
                    + ": no permission (the broker's write permission is off, as before a restart, or the topic is "
                    + "read-only; a refusal by the broker's ACL is an AccessRefusedException instead); it is retried "
                    + "with a fresh route: " + message, e, true);
            case ResponseCode.FLUSH_DISK_TIMEOUT, ResponseCode.FLUSH_SLAVE_TIMEOUT, ResponseCode.SLAVE_NOT_AVAILABLE ->
                    new PublishException("RocketMQ did not confirm the message durable" + where + ": " + message, e,
                            true);
            case ResponseCode.SERVICE_NOT_AVAILABLE -> new BrokerUnavailableException("RocketMQ broker not available"
                    + where + ": " + message, e);
            default -> new PublishException("RocketMQ refused the message" + where + " (code " + code + "): " + message,
                    e, true);
        };
    }
}
