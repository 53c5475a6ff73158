package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

/**
 * What the broker's ACL answers (RocketMQ 5.5 ACL 2.0, code NO_PERMISSION) against the other NO_PERMISSION answers,
 * which stay retriable; and what the refusal says. The remarks are the broker's own, as the secured broker of
 * RocketAccessRefusedTest sent them.
 */
class AccessRefusalsTest {

    private static final RocketConfig WITH_KEY = RocketConfig.custom().credentials("orders-service", "s3cret").build();

    @Test
    void theAclsAnswersShouldBeRefusals() {
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.NO_PERMISSION,
                "User:orders-service has no permission to access Topic:orders from 127.0.0.1, no matched policies."))
                .isTrue();
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.NO_PERMISSION, "check signature failed.")).isTrue();
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.NO_PERMISSION, "User:orders-service is not found."))
                .isTrue();
    }

    @Test
    void aBrokerOrTopicWithoutWritePermissionShouldNotBeARefusal() {
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.NO_PERMISSION,
                "the broker[127.0.0.1] sending message is forbidden")).isFalse();
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.NO_PERMISSION,
                "the topic[orders] sending message is forbidden")).isFalse();
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.NO_PERMISSION, "subscription group no permission, g"))
                .isFalse();
        assertThat(AccessRefusals.isAclRefusal(ResponseCode.SYSTEM_ERROR, "check signature failed.")).isFalse();
    }

    @Test
    void aRefusedPublishShouldNameTheUserTheResourceAndTheActionToGrant() {
        AccessRefusedException refused = AccessRefusals.refused(WITH_KEY, "publishing to topic orders",
                RequestCode.SEND_MESSAGE, "User:orders-service has no permission to access Topic:orders from "
                        + "127.0.0.1, no matched policies.", null);

        assertThat(refused.isRetriable()).isFalse();
        assertThat(refused).hasMessageContaining("access key 'orders-service'")
                .hasMessageContaining("grant User:orders-service Pub on Topic:orders")
                .hasMessageContaining("mqadmin updateAcl -s User:orders-service -r Topic:orders -a Pub -d Allow")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void aRefusedLoginShouldSayToCheckTheCredentialsWithoutTheSecret() {
        AccessRefusedException refused = AccessRefusals.refused(WITH_KEY, "publishing to topic orders",
                RequestCode.SEND_MESSAGE, "check signature failed.", null);

        assertThat(refused).hasMessageContaining("refused the login of access key 'orders-service'")
                .hasMessageContaining("keel.rocket.secret-key").hasMessageNotContaining("s3cret");
    }

    @Test
    void aRefusalWithoutCredentialsShouldSayToGiveThem() {
        AccessRefusedException refused = AccessRefusals.refused(RocketConfig.ofDefaults(), "subscribing",
                RequestCode.HEART_BEAT, "Authentication failed. Please verify the credentials and try again.", null);

        assertThat(refused).hasMessageContaining("no credentials").hasMessageContaining(".credentials(accessKey, "
                + "secretKey)");
    }
}
