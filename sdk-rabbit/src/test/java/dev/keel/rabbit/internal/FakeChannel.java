package dev.keel.rabbit.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmCallback;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A channel of a test's own in place of RabbitMQ's: it takes publishes and never confirms them by itself; the test
 * calls the listeners it kept (the broker's acks and nacks, the connection's thread hearing the channel shut down), and
 * sets whether it reads as open and what its close does. For races whose timing a real broker cannot be held at.
 */
final class FakeChannel {

    final AtomicReference<ShutdownListener> shutdownListener = new AtomicReference<>();
    final AtomicReference<ConfirmCallback> acks = new AtomicReference<>();
    final AtomicReference<ConfirmCallback> nacks = new AtomicReference<>();
    /** What {@code isOpen} answers. */
    volatile boolean open = true;
    /** Run by {@code close}. */
    volatile Runnable onClose = () -> { };
    private final AtomicLong nextSeq = new AtomicLong(1);
    final Channel channel;

    FakeChannel() {
        channel = (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(), new Class<?>[] {Channel.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "addShutdownListener" -> {
                        shutdownListener.set((ShutdownListener) args[0]);
                        yield null;
                    }
                    case "addConfirmListener" -> {
                        if (args.length == 2) {
                            acks.set((ConfirmCallback) args[0]);
                            nacks.set((ConfirmCallback) args[1]);
                        }
                        yield null;
                    }
                    case "getNextPublishSeqNo" -> nextSeq.get();
                    case "basicPublish" -> {
                        nextSeq.incrementAndGet();
                        yield null;
                    }
                    case "isOpen" -> open;
                    case "close" -> {
                        onClose.run();
                        yield null;
                    }
                    case "getChannelNumber" -> 1;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "fake channel";
                    default -> nothing(method.getReturnType());
                });
    }

    /** The connection's thread hearing the channel shut down, not by the application (the connection was lost). */
    void lost() {
        open = false;
        shutdownListener.get().shutdownCompleted(new ShutdownSignalException(true, false, null, "the socket closed"));
    }

    /** What a method the tests do not need answers: nothing, or the type's zero. */
    private static Object nothing(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }
}
