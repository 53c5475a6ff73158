package dev.keel.testkit.engine;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A plain-Java service shaped as README's Quick start, run in its own JVM by {@link SigtermTest}: a
 * handler that takes 2 s, and {@code main} waiting until the service is stopped. With the argument
 * {@code hook} it registers the shutdown hook README shows, closing Keel, then the adapter.
 */
public final class SigtermService {

    private SigtermService() {
    }

    public static void main(String[] args) throws Exception {
        boolean hook = args.length > 0 && args[0].equals("hook");
        InMemoryBroker broker = InMemoryBroker.create(); // stands for the adapter
        Keel keel = Keel.builder(broker).build();
        if (hook) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                keel.close();   // running handlers finish (up to their closeTimeout), buffered messages go back
                broker.close(); // then what Keel was given: the store, the adapter
                System.out.println("closed keel");
            }, "keel-shutdown"));
        }
        keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
        keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                .closeTimeout(Duration.ofSeconds(20)).build(), d -> {
                    System.out.println("handler started " + d.id());
                    Thread.sleep(2_000);
                    System.out.println("handler returned " + d.id());
                });
        keel.publisher("orders", Codec.utf8()).message("v").id("m0").key("k").publish();
        new CountDownLatch(1).await(); // a plain service waits until it is stopped
    }
}
