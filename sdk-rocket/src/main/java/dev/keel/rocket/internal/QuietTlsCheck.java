package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;

/**
 * What a running consumer over TLS cannot see for itself: rocketmq-client pulls in its own threads, and a pull whose
 * new connection's TLS handshake fails (the broker restarted presenting an expired certificate, or one of a CA the
 * adapter does not trust) is tried again there for ever and reported nowhere. So once the client has heard nothing
 * from any server for {@link #QUIET} (an idle consumer's long polls leave such gaps too), {@link #check} asks each
 * master broker of the topic something small through the client's own connections (the members of the group, as a
 * rebalance does; {@code Sub} on the group allows it): an answer ends it; a request that fails for want of a
 * connection goes to {@link TlsRefusals}, which names a certificate refused. At most one check per {@link #QUIET},
 * from the poll loop; without TLS none.
 */
final class QuietTlsCheck {

    /** How long the client heard nothing before a check, and the least time between two checks. */
    static final Duration QUIET = Duration.ofSeconds(5);
    private static final long REQUEST_TIMEOUT_MILLIS = 3_000;

    private final RocketConfig config;
    private final RocketAccess access;
    private final String topic;
    private final String rocketGroup;
    private final TlsRefusals refusals;
    private long lastCheckNanos = System.nanoTime();

    QuietTlsCheck(RocketConfig config, RocketAccess access, String topic, String rocketGroup) {
        this.config = config;
        this.access = access;
        this.topic = topic;
        this.rocketGroup = rocketGroup;
        this.refusals = new TlsRefusals(config);
    }

    /**
     * When due, checks the master brokers of the topic through the consumer's {@code client}: the refusal of
     * {@code what} when one of them refuses a certificate; empty otherwise.
     */
    Optional<AccessRefusedException> check(Supplier<MQClientInstance> clientOfTheConsumer, String what) {
        long now = System.nanoTime();
        if (!config.tls() || now - access.lastAnswerNanos() < QUIET.toNanos()
                || now - lastCheckNanos < QUIET.toNanos()) {
            return Optional.empty();
        }
        lastCheckNanos = now;
        MQClientInstance client = clientOfTheConsumer.get();
        TopicRouteData route = client.getTopicRouteTable().get(topic);
        if (route == null || route.getBrokerDatas() == null) {
            return Optional.empty();
        }
        for (BrokerData broker : route.getBrokerDatas()) {
            String address = broker.getBrokerAddrs() == null ? null : broker.getBrokerAddrs().get(MixAll.MASTER_ID);
            if (address == null) {
                continue;
            }
            try {
                client.getMQClientAPIImpl().getConsumerIdListByGroup(address, rocketGroup, REQUEST_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (Exception e) {
                if (TlsRefusals.notConnected(e)) {
                    Optional<AccessRefusedException> refused = refusals.atBroker(address, what);
                    if (refused.isPresent()) {
                        return refused;
                    }
                }
            }
        }
        return Optional.empty();
    }
}
