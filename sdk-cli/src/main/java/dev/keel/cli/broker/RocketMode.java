package dev.keel.cli.broker;

import dev.keel.KeelHeaders;
import dev.keel.cli.EnvironmentException;
import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketClients;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.BrokerAdapter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.selector.SelectMessageQueueByHash;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Apache RocketMQ through {@code --namesrv}; with {@code --rocket-tls} over TLS, the {@code --truststore} (or the JVM's
 * trust) and {@code --keystore} handed to Keel's adapter and to the raw clients as PEM files ({@link PemFiles}), since
 * rocketmq-client reads files only.
 */
final class RocketMode implements BrokerMode {

    static final String NAME = "rocket";
    static final int DEFAULT_PORT = 9876;

    @Override
    public String name() {
        return NAME;
    }

    /** The name server and, over TLS, the stores of the flags: never a password. */
    @Override
    public String endpoint(BrokerOptions options) {
        if (!options.rocketTls()) {
            return "name server " + options.namesrv();
        }
        String stores = options.tls().describe();
        if (!options.tls().hasTrustStore()) {
            stores = "the JVM's trust store" + (stores.isEmpty() ? "" : ", " + stores);
        }
        return "name server " + options.namesrv() + " over TLS with " + stores;
    }

    @Override
    public void preflight(BrokerOptions options) {
        config(options); // bad flags first, with their own message
        InetSocketAddress first = Endpoints.firstHostPort(options.namesrv().replace(';', ','), DEFAULT_PORT,
                "--namesrv");
        Endpoints.requireReachable("a RocketMQ name server", first.getHostString(), first.getPort(),
                "Start a RocketMQ name server and broker there (docs/rocketmq.md, 'Setup') or point --namesrv at "
                        + "one; --broker memory needs nothing installed.");
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        return new RocketAdapter(config(options));
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        return List.of(new RawRocketProducer(config(options), RAW_IN_FLIGHT));
    }

    @Override
    public Optional<RawConsumeBaseline> rawConsumeBaseline(BrokerOptions options) {
        return Optional.of(new RawRocketConsumer(config(options)));
    }

    @Override
    public Optional<RawLatencyBaseline> rawLatencyBaseline(BrokerOptions options) {
        return Optional.of(new RawRocketLatency(config(options), RAW_IN_FLIGHT));
    }

    /** The raw producer's bound on sends in flight, as RocketMQ's own benchmark bounds its async sends. */
    static final int RAW_IN_FLIGHT = 256;
    /** The raw consumer's pull batch: the same as Keel's consumers use (the client's default is 10). */
    static final int RAW_PULL_BATCH = 32;
    /** The user property Keel's publishers carry a message's id in. */
    static final String KEEL_ID = "keel-id";
    /** How often the raw producer sends a message again that the broker's flow control refused. */
    static final int MAX_BUSY_RESENDS = 100;

    /**
     * Netty's switch that rocketmq-client's TLS needs on Netty 4.2 (the CLI's: RabbitMQ's client brings it), which
     * verifies host names by default while rocketmq-client gives its TLS handler none.
     */
    static final String NETTY_VERIFICATION_PROPERTY = "io.netty.handler.ssl.defaultEndpointVerificationAlgorithm";

    static RocketConfig config(BrokerOptions options) {
        RocketConfig.Builder config;
        try {
            config = RocketConfig.custom().nameServer(options.namesrv()).clientId("keel-cli");
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--namesrv: " + e.getMessage(), e);
        }
        if (options.rocketTls()) {
            tls(config, options.tls());
        }
        String accessKey = options.rocketAccessKey();
        String secretEnv = options.rocketSecretKeyEnv();
        if (accessKey == null) {
            if (secretEnv != null) {
                throw new EnvironmentException("--rocket-secret-key-env needs --rocket-access-key: give the access key "
                        + "(the broker's user) whose secret key it holds");
            }
            return config.build();
        }
        if (secretEnv == null) {
            throw new EnvironmentException("--rocket-access-key needs --rocket-secret-key-env: the name of the "
                    + "environment variable holding its secret key (never the key itself)");
        }
        String secret = System.getenv(secretEnv);
        if (secret == null) {
            throw new EnvironmentException("--rocket-secret-key-env " + secretEnv + ": no environment variable "
                    + secretEnv + " is set; export it with the secret key of --rocket-access-key");
        }
        try {
            return config.credentials(accessKey, secret).build();
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--rocket-access-key/--rocket-secret-key-env: " + e.getMessage(), e);
        }
    }

    /**
     * TLS with the stores as PEM files. Before anything reads a key with Netty (the check of
     * {@link RocketConfig.Builder#clientCertificate} does), turns off Netty 4.2's default host name verification for
     * this JVM, unless the property is set already: with Netty 4.2 every rocketmq-client handshake fails without it
     * (docs/rocketmq.md, TLS). In a RocketMQ run no other Netty client speaks TLS (the Redis store's Jedis uses none).
     */
    private static void tls(RocketConfig.Builder config, TlsSettings tls) {
        if (System.getProperty(NETTY_VERIFICATION_PROPERTY) == null) {
            System.setProperty(NETTY_VERIFICATION_PROPERTY, "NONE");
        }
        PemFiles pem = tls.pemFiles();
        config.tls(pem.trustedCertificates());
        if (pem.clientCertificate() != null) {
            try {
                config.clientCertificate(pem.clientCertificate(), pem.clientKey(), pem.clientKeyPassword());
            } catch (IllegalArgumentException e) {
                throw new EnvironmentException("--keystore: rocketmq-client cannot use the key store's key and "
                        + "certificate, written as PEM files (" + e.getMessage() + ")", e);
            }
        }
    }

    /** What signs the raw clients' requests with the same credentials as Keel's; null without credentials. */
    static RPCHook signer(BrokerOptions options) {
        return signer(config(options));
    }

    static RPCHook signer(RocketConfig config) {
        return config.accessKey().isEmpty() ? null
                : new AclClientRPCHook(new SessionCredentials(config.accessKey().get(), config.secretKey().get()));
    }

    /** rocketmq-client used well: async sends bounded by a semaphore, the client's hash queue selector. */
    static final class RawRocketProducer implements RawPublishBaseline {
        private final RocketConfig config;
        private final int inFlight;

        RawRocketProducer(RocketConfig config, int inFlight) {
            this.config = config;
            this.inFlight = inFlight;
        }

        @Override
        public String id() {
            return "rocket_async_send";
        }

        @Override
        public String description() {
            return "raw rocketmq-client: async send, at most " + inFlight + " in flight, SEND_OK only, busy resent";
        }

        @Override
        public long publish(String topic, int messages, int keys, byte[] payload, Progress progress) throws Exception {
            DefaultMQProducer producer = new DefaultMQProducer("keel-cli-raw-" + ProcessHandle.current().pid(),
                    signer(config));
            producer.setNamesrvAddr(config.nameServer());
            producer.setInstanceName("keel-cli-raw-" + System.nanoTime());
            producer.setRetryTimesWhenSendAsyncFailed(0);
            producer.setVipChannelEnabled(false);
            RocketClients.start(config, producer, producer::start);
            Semaphore window = new Semaphore(inFlight);
            AtomicLong confirmed = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            SelectMessageQueueByHash selector = new SelectMessageQueueByHash();
            try {
                for (int i = 0; i < messages && failure.get() == null; i++) {
                    window.acquire();
                    Message message = new Message(topic, payload);
                    String key = "k" + (i % keys);
                    message.setKeys(key);
                    producer.send(message, selector, key, new SendCallback() {
                        private int busy;

                        @Override
                        public void onSuccess(SendResult result) {
                            if (result.getSendStatus() == SendStatus.SEND_OK) {
                                confirmed.incrementAndGet();
                                progress.advance(1);
                            } else {
                                failure.compareAndSet(null, new IllegalStateException("send status "
                                        + result.getSendStatus()));
                            }
                            window.release();
                        }

                        @Override
                        public void onException(Throwable e) {
                            // the broker's flow control (SYSTEM_BUSY) refused it unstored: send it again, as a
                            // raw client must; anything else fails the run
                            if (e instanceof MQBrokerException b && b.getResponseCode() == ResponseCode.SYSTEM_BUSY
                                    && busy++ < MAX_BUSY_RESENDS) {
                                try {
                                    producer.send(message, selector, key, this);
                                    return;
                                } catch (Exception again) {
                                    e = again;
                                }
                            }
                            failure.compareAndSet(null, e);
                            window.release();
                        }
                    });
                }
                if (!window.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("raw RocketMQ sends not confirmed within 60 s");
                }
            } finally {
                producer.shutdown();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("raw RocketMQ send failed: " + failure.get(), failure.get());
            }
            return confirmed.get();
        }
    }

    /** rocketmq-client's lite pull consumer with its defaults (auto-commit), from the first offset. */
    static final class RawRocketConsumer implements BatchingConsumeBaseline {
        private final RocketConfig config;

        RawRocketConsumer(RocketConfig config) {
            this.config = config;
        }

        @Override
        public String id() {
            return "rocket_lite_pull";
        }

        @Override
        public String description() {
            return "raw rocketmq-client DefaultLitePullConsumer (auto-commit, pull batch " + RAW_PULL_BATCH + ")";
        }

        @Override
        public void consume(String topic, String group, int messages, Progress progress, Throughput throughput,
                            BatchWork work) throws Exception {
            // the RocketMQ group Keel derives for Keel group `group` on `topic`, so deleting the topic removes it
            DefaultLitePullConsumer consumer =
                    new DefaultLitePullConsumer(RocketAdapter.rocketGroupOf(group, topic), signer(config));
            consumer.setNamesrvAddr(config.nameServer());
            consumer.setInstanceName("keel-cli-raw-" + System.nanoTime());
            consumer.setVipChannelEnabled(false);
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            consumer.setPullBatchSize(RAW_PULL_BATCH);
            consumer.subscribe(topic, "*");
            RocketClients.start(config, consumer, consumer::start);
            long received = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            // the raw loop commits by itself (auto-commit), as the baseline does: there is nothing to commit per batch
            BatchesInFlight<Void> inFlight = work == null ? null : new BatchesInFlight<>(throughput, progress, none -> {
            });
            try {
                while ((inFlight == null ? received : inFlight.counted()) < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the raw lite pull consumer read only " + received + " of "
                                + messages + " messages in 5 minutes");
                    }
                    if (inFlight != null && received >= messages) {
                        inFlight.countDone(0);
                        continue;
                    }
                    List<MessageExt> batch = consumer.poll(100);
                    received += batch.size();
                    if (inFlight != null) {
                        if (!batch.isEmpty()) {
                            inFlight.add(work, receivedOf(batch), null);
                        } else {
                            inFlight.countDone(BatchWork.MAX_BATCHES_IN_FLIGHT);
                        }
                        continue;
                    }
                    for (int i = batch.size(); i > 0; i--) {
                        throughput.record();
                    }
                    progress.advance(batch.size());
                }
            } finally {
                consumer.shutdown();
            }
        }

        /** Each message's {@code keel-id}, or RocketMQ's message id where it has none, and its {@code keel-key}. */
        static List<BatchWork.Received> receivedOf(List<MessageExt> batch) {
            List<BatchWork.Received> received = new ArrayList<>(batch.size());
            for (MessageExt m : batch) {
                String id = m.getUserProperty(KEEL_ID);
                String key = m.getUserProperty(KeelHeaders.KEY);
                received.add(new BatchWork.Received(id != null ? id : m.getMsgId(), key == null ? "" : key));
            }
            return received;
        }
    }
}
