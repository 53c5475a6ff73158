package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Tells a refusal by the broker's ACL (RocketMQ ACL 2.0: a login it does not accept, a permission the user lacks)
 * from the other {@code NO_PERMISSION} answers (a broker or topic whose write or read permission is off, as while a
 * broker starts or is drained: retriable), and turns it into an {@link AccessRefusedException} naming what was
 * refused, for which access key, and what to grant. Never quotes the secret key (the broker's answer does not hold it).
 */
public final class AccessRefusals {

    /** What the broker's authentication and authorization answer, and nothing else that {@code NO_PERMISSION} says. */
    private static final Pattern ACL_REMARK = Pattern.compile(
            "(?i)(has no permission to access|check signature failed|authenticat|authoriz|username cannot be null"
                    + "|User:\\S+ (is )?(not found|is disabled|disabled)|no acl config|accesskey)");
    private static final Pattern AUTHENTICATION = Pattern.compile(
            "(?i)(check signature failed|authenticat|username cannot be null|User:\\S+ (is )?not found|disabled"
                    + "|accesskey)");
    private static final Pattern RESOURCE = Pattern.compile("(Topic|Group|Cluster|Namespace):[^\\s,]+");

    private AccessRefusals() {
    }

    /** Whether the broker answered {@code code} with {@code remark} because of its ACL. */
    public static boolean isAclRefusal(int code, String remark) {
        return code == ResponseCode.NO_PERMISSION && remark != null && ACL_REMARK.matcher(remark).find();
    }

    /** The ACL refusal in {@code e}'s causes, as the broker answered it, if any. */
    static Optional<String> remarkOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AccessRefusedException) {
                return Optional.empty();
            }
            if (t instanceof MQBrokerException b && isAclRefusal(b.getResponseCode(), b.getErrorMessage())) {
                return Optional.of(b.getErrorMessage());
            }
            if (t instanceof MQClientException c && isAclRefusal(c.getResponseCode(), c.getErrorMessage())) {
                return Optional.of(c.getErrorMessage());
            }
        }
        return Optional.empty();
    }

    /** {@code e} as an {@link AccessRefusedException} when the broker's ACL refused it; empty otherwise. */
    static Optional<AccessRefusedException> of(RocketConfig config, String what, int requestCode, Throwable e) {
        if (e instanceof AccessRefusedException refused) {
            return Optional.of(refused);
        }
        return remarkOf(e).map(remark -> refused(config, what, requestCode, remark, e));
    }

    /**
     * The refusal of {@code what} (request {@code requestCode}, -1 when not known), which the broker answered with
     * {@code remark}: says whether the login or a permission was refused, and what to change or grant.
     */
    static AccessRefusedException refused(RocketConfig config, String what, int requestCode, String remark,
                                          Throwable cause) {
        String user = config.accessKey().orElse(null);
        String who = user == null ? "Keel's requests, signed with no credentials," : "access key '" + user + "'";
        String answer = remark == null ? "" : " (the broker: " + shorten(remark) + ")";
        String advice;
        if (remark != null && AUTHENTICATION.matcher(remark).find() && !remark.contains("has no permission")) {
            advice = user == null
                    ? "the broker has authentication on: give the adapter credentials (RocketConfig.custom()"
                    + ".credentials(accessKey, secretKey); with Spring Boot keel.rocket.access-key and "
                    + "keel.rocket.secret-key)"
                    : "check the access key and secret key (RocketConfig credentials; with Spring Boot "
                    + "keel.rocket.access-key and keel.rocket.secret-key) and that the user exists and is enabled "
                    + "on the broker (mqadmin getUser -u " + user + ")";
            return new AccessRefusedException("RocketMQ refused the login of " + who + " when " + what + answer
                    + ": " + advice + ". Not an outage: retrying does not help", cause);
        }
        String resource = resource(remark);
        String action = action(requestCode, resource);
        String subject = user == null ? "User:<access key>" : "User:" + user;
        String actions = action.startsWith("the permission") ? "<Pub|Sub|Create|Update|Get|Delete>"
                : action.replace(" or ", ",");
        advice = "grant " + subject + " " + action + " on " + (resource == null ? "the topic or group" : resource)
                + " (mqadmin updateAcl -s " + subject + " -r " + (resource == null ? "<Topic:name|Group:name>"
                : resource) + " -a " + actions + " -d Allow; the least ACLs Keel needs are in "
                + "Keel's security documentation)";
        return new AccessRefusedException("RocketMQ refused " + what + " to " + who + ": no permission" + answer
                + "; " + advice + ". Not an outage: retrying does not help", cause);
    }

    private static String resource(String remark) {
        if (remark == null) {
            return null;
        }
        Matcher m = RESOURCE.matcher(remark);
        return m.find() ? m.group() : null;
    }

    /** The action the refused request needs, by its code and (for those that check both) the refused resource. */
    static String action(int requestCode, String resource) {
        boolean group = resource != null && resource.startsWith("Group:");
        return switch (requestCode) {
            case RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE,
                 RequestCode.END_TRANSACTION -> group ? "Sub" : "Pub";
            case RequestCode.PULL_MESSAGE, RequestCode.HEART_BEAT, RequestCode.LOCK_BATCH_MQ,
                 RequestCode.UNLOCK_BATCH_MQ, RequestCode.CONSUMER_SEND_MSG_BACK, RequestCode.UNREGISTER_CLIENT -> "Sub";
            case RequestCode.UPDATE_CONSUMER_OFFSET -> "Sub or Update";
            case RequestCode.QUERY_CONSUMER_OFFSET, RequestCode.GET_CONSUMER_LIST_BY_GROUP -> "Sub or Get";
            case RequestCode.GET_CONSUMER_CONNECTION_LIST, RequestCode.GET_CONSUME_STATS,
                 RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, RequestCode.GET_MAX_OFFSET, RequestCode.GET_MIN_OFFSET,
                 RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG -> "Get";
            case RequestCode.UPDATE_AND_CREATE_TOPIC, RequestCode.UPDATE_AND_CREATE_TOPIC_LIST,
                 RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP -> "Create or Update";
            case RequestCode.DELETE_TOPIC_IN_BROKER, RequestCode.DELETE_SUBSCRIPTIONGROUP -> "Delete";
            default -> "the permission it needs (Pub, Sub, Create, Update, Get or Delete)";
        };
    }

    private static String shorten(String remark) {
        String oneLine = remark.replaceAll("\\s+", " ").trim();
        int faq = oneLine.toLowerCase(Locale.ROOT).indexOf("for more information");
        if (faq > 0) {
            oneLine = oneLine.substring(0, faq).trim();
        }
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
