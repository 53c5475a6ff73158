package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * A forked JVM that uses Keel on ActiveMQ Classic's TLS connector: the Classic client takes its trust and key stores
 * from the JVM only ({@code javax.net.ssl.*}), set here from the arguments before anything opens a TLS connection,
 * with the stores' password from the environment ({@code KEEL_TLS_STORE_PASSWORD}). Prints what happened as lines
 * the test reads.
 *
 * <ul>
 *   <li>{@code roundtrip <url> <user> <password> <topic> <group> <trustStore> <keyStore> <redisHost> <redisPort>
 *       <redisUser> <redisPassword> <keyPrefix>}: declares the topic, subscribes under EFFECTIVELY_ONCE with a Redis
 *       store over TLS (the JVM's stores too), publishes 20 messages and one again with the same id, and prints
 *       {@code handled=<n> repeated=<n>} once 20 are handled;</li>
 *   <li>{@code refused <url> <user> <password> <topic> <group> <trustStore> <keyStore or ->}: a publish and a
 *       subscribe, each printed as {@code publish-failed <class>|retriable=<b>|<message>} (or {@code publish-ok}).</li>
 * </ul>
 */
public final class ClassicTlsClient {

    private ClassicTlsClient() {
    }

    public static void main(String[] args) {
        System.setProperty("javax.net.ssl.trustStore", args[6]);
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", System.getenv("KEEL_TLS_STORE_PASSWORD"));
        if (!args[7].equals("-")) {
            System.setProperty("javax.net.ssl.keyStore", args[7]);
            System.setProperty("javax.net.ssl.keyStoreType", "PKCS12");
            System.setProperty("javax.net.ssl.keyStorePassword", System.getenv("KEEL_TLS_STORE_PASSWORD"));
        }
        ActiveMQClassicAdapter adapter = new ActiveMQClassicAdapter(ClassicTestSupport.config(args[1])
                .credentials(args[2], args[3]).sendTimeout(Duration.ofSeconds(10)).build());
        if (args[0].equals("roundtrip")) {
            roundtrip(adapter, args);
        } else {
            refused(adapter, args[4], args[5]);
        }
        System.out.println("client-finished");
        System.out.flush();
        System.exit(0);
    }

    private static void roundtrip(ActiveMQClassicAdapter adapter, String[] args) {
        String topic = args[4];
        String group = args[5];
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(args[8])
                .port(Integer.parseInt(args[9])).user(args[10]).password(args[11]).ssl(true).keyPrefix(args[12])
                .build());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).closeTimeout(Duration.ofSeconds(10)).build(),
                    d -> handled.computeIfAbsent(d.payload(), k -> new AtomicInteger()).incrementAndGet());
            for (int i = 0; i < 20; i++) {
                keel.publisher(topic, Codec.utf8()).message("m-" + i).id("id-" + i).key("k" + (i % 4)).publish();
            }
            keel.publisher(topic, Codec.utf8()).message("m-3").id("id-3").key("k3").publish();
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> handled.size() == 20);
            subscription.close();
        } finally {
            adapter.close();
        }
        long repeated = handled.values().stream().filter(n -> n.get() > 1).count();
        System.out.println("handled=" + handled.size() + " repeated=" + repeated);
    }

    private static void refused(ActiveMQClassicAdapter adapter, String topic, String group) {
        try (Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            try {
                keel.publisher(topic, Codec.utf8()).message("refused").key("k").publish();
                System.out.println("publish-ok");
            } catch (KeelException e) {
                print("publish", e);
            }
            try {
                Subscription s = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                        .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { });
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> s.state() == Subscription.State.FAILED);
                print("subscribe", (KeelException) s.failure().orElseThrow());
            } catch (KeelException e) {
                print("subscribe", e);
            }
        } finally {
            adapter.close();
        }
    }

    private static void print(String what, KeelException e) {
        System.out.println(what + "-failed " + e.getClass().getSimpleName() + "|retriable=" + e.isRetriable() + "|"
                + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
}
