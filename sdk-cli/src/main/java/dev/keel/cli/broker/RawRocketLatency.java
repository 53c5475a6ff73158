package dev.keel.cli.broker;

import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketClients;
import dev.keel.rocket.RocketConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.selector.SelectMessageQueueByHash;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.RPCHook;

/**
 * rocketmq-client used well for latency: async sends bounded in flight with the client's hash queue
 * selector, and a push consumer (long polling) that acknowledges each batch after handling it.
 */
final class RawRocketLatency implements RawLatencyBaseline {

    private final RocketConfig config;
    private final int inFlight;

    /** The raw clients of {@code config}'s name server, credentials and TLS, as Keel's adapter has them. */
    RawRocketLatency(RocketConfig config, int inFlight) {
        this.config = config;
        this.inFlight = inFlight;
    }

    @Override
    public String id() {
        return "rocketmq_client";
    }

    @Override
    public String description() {
        return "raw rocketmq-client: async send (at most " + inFlight + " in flight), push consumer";
    }

    @Override
    public Session open(String topic, String group, Consumer<byte[]> onPayload) throws Exception {
        String instance = "keel-cli-raw-latency-" + System.nanoTime();
        RPCHook signer = RocketMode.signer(config);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(RocketAdapter.rocketGroupOf(group, topic), signer);
        consumer.setNamesrvAddr(config.nameServer());
        consumer.setInstanceName(instance);
        consumer.setVipChannelEnabled(false);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            for (MessageExt m : messages) {
                onPayload.accept(m.getBody());
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        DefaultMQProducer producer = new DefaultMQProducer("keel-cli-raw-latency-" + ProcessHandle.current().pid(), signer);
        producer.setNamesrvAddr(config.nameServer());
        producer.setInstanceName(instance);
        producer.setRetryTimesWhenSendAsyncFailed(0);
        // Keel's send timeout, not the client's 3 s: on a loaded machine a raw send timed out and was lost, and the
        // bench waited for it until its --timeout, blaming the broker
        producer.setSendMsgTimeout(Math.toIntExact(config.sendTimeout().toMillis()));
        producer.setVipChannelEnabled(false);
        RocketClients.start(config, consumer, consumer::start);
        try {
            RocketClients.start(config, producer, producer::start);
        } catch (Exception e) {
            consumer.shutdown();
            throw e;
        }
        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        SelectMessageQueueByHash selector = new SelectMessageQueueByHash();
        return new Session() {
            @Override
            public void publish(String key, byte[] payload) throws Exception {
                window.acquire();
                if (failure.get() != null) {
                    window.release();
                    throw new IOException("raw RocketMQ send failed: " + failure.get(), failure.get());
                }
                Message message = new Message(topic, payload);
                message.setKeys(key);
                producer.send(message, selector, key, new SendCallback() {
                    @Override
                    public void onSuccess(SendResult result) {
                        if (result.getSendStatus() != SendStatus.SEND_OK) {
                            failure.compareAndSet(null, new IllegalStateException("send status "
                                    + result.getSendStatus()));
                        }
                        window.release();
                    }

                    @Override
                    public void onException(Throwable e) {
                        failure.compareAndSet(null, e);
                        window.release();
                    }
                });
            }

            @Override
            public void close() throws IOException {
                try {
                    if (!window.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
                        throw new IOException("raw RocketMQ sends not confirmed within 60 s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for raw RocketMQ sends");
                } finally {
                    producer.shutdown();
                    consumer.shutdown();
                }
                if (failure.get() != null) {
                    throw new IOException("raw RocketMQ send failed: " + failure.get(), failure.get());
                }
            }
        };
    }
}
