package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopologyException;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Runs declarations and look-ups of {@link Topology} and {@link TopicMetadata}, each on a channel of
 * its own on the publishing connection (a refused AMQP method closes its channel), and turns what
 * went wrong into Keel's errors: {@code PRECONDITION_FAILED} into a {@link TopologyException},
 * {@code ACCESS_REFUSED} into an {@link AccessRefusedException} (not retriable) naming the missing permission, the
 * rest into a retriable {@link BrokerUnavailableException}. Thread-safe.
 */
final class BrokerCalls {

    static final int NOT_FOUND = 404;
    static final int PRECONDITION_FAILED = 406;
    static final int ACCESS_REFUSED = 403;
    /** What RabbitMQ closes a connection with when a quorum queue's leader did not answer a get in time. */
    static final int INTERNAL_ERROR = 541;

    /** One call's work on a channel that is closed afterwards. */
    @FunctionalInterface
    interface ChannelWork<T> {
        T apply(Channel channel) throws IOException, InterruptedException, TimeoutException;
    }

    private final ManagedConnection connection;

    BrokerCalls(ManagedConnection connection) {
        this.connection = connection;
    }

    /** Runs {@code work} on a new channel; {@code what} completes "cannot ..." in error messages. */
    <T> T run(String topic, String what, ChannelWork<T> work) {
        Channel channel = connection.openChannel();
        try {
            return work.apply(channel);
        } catch (IOException e) {
            if (replyCode(e) == PRECONDITION_FAILED) {
                throw new TopologyException(topic, "cannot " + what + ": RabbitMQ has it with other settings ("
                        + replyText(e) + "). Keel does not change an existing topic: declare it as it is, or delete it"
                        + " (deleteTopology) or use another name", e);
            }
            if (replyCode(e) == ACCESS_REFUSED) {
                throw refused(what, e);
            }
            throw new BrokerUnavailableException("cannot " + what + ": " + describe(e), e);
        } catch (TimeoutException e) {
            throw new BrokerUnavailableException("cannot " + what + ": RabbitMQ did not confirm in time", e);
        } catch (AlreadyClosedException e) {
            if (replyCode(e) == ACCESS_REFUSED) { // a refused publish (to the default exchange) closed the channel
                throw refused(what, e);
            }
            throw new BrokerUnavailableException("cannot " + what + ": the connection was lost", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while trying to " + what, e, true);
        } finally {
            closeQuietly(channel);
        }
    }

    /**
     * Whether {@code passive} (a passive declare) finds what it names, on a channel of its own: a
     * {@code NOT_FOUND} closes the channel.
     */
    boolean exists(String topic, String what, ChannelWork<?> passive) {
        return run(topic, "look up " + what, channel -> {
            try {
                passive.apply(channel);
                return true;
            } catch (IOException e) {
                if (replyCode(e) == NOT_FOUND && !queueNodeDown(e)) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * What RabbitMQ's {@code INTERNAL_ERROR} behind a get from quorum queue {@code queue} means for "cannot {@code
     * what}": its leader did not answer in time (a loaded node, a leader election, a Raft member restarting).
     * Retriable.
     */
    static BrokerUnavailableException leaderSilent(String what, String queue, Throwable e) {
        String text = ((AMQP.Connection.Close) signal(e).getReason()).getReplyText().replaceAll("\\s+", " ");
        if (!text.contains("'" + queue + "'")) { // another call's get on the same connection
            return new BrokerUnavailableException("cannot " + what + ": RabbitMQ closed the connection it was read on, "
                    + "since another quorum queue's leader did not answer in time (" + text + "). Nothing was read as "
                    + "empty; try again", e);
        }
        return new BrokerUnavailableException("cannot " + what + ": the leader of quorum queue '" + queue + "' did not "
                + "answer in time (RabbitMQ closed the connection: " + text + "). Nothing was read as empty; try again "
                + "once the cluster is healthy", e);
    }

    /**
     * Whether {@code e} is RabbitMQ closing the connection with {@code INTERNAL_ERROR} because the quorum leader it
     * asked is gone ({@code noproc}, {@code nodedown}: its node stopped, and the queue's new leader is not known to
     * the channel yet). A new channel asks the leader the queue has then: worth trying again shortly.
     */
    static boolean leaderGone(Throwable e) {
        if (!internalError(e)) {
            return false;
        }
        String text = ((AMQP.Connection.Close) signal(e).getReason()).getReplyText();
        return text.contains("noproc") || text.contains("nodedown");
    }

    /** Whether {@code e} is RabbitMQ closing the connection with {@code INTERNAL_ERROR} (see {@link #leaderSilent}). */
    static boolean internalError(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Connection.Close close
                && close.getReplyCode() == INTERNAL_ERROR;
    }

    /** Whether exchange {@code exchange} exists, asked on {@code channel}: a missing one closes the channel (404). */
    static boolean exchangeExists(Channel channel, String exchange) throws IOException {
        try {
            channel.exchangeDeclarePassive(exchange);
            return true;
        } catch (IOException e) {
            if (replyCode(e) == NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** What RabbitMQ's {@code ACCESS_REFUSED} behind {@code e} means for "cannot {@code what}": not retriable. */
    static AccessRefusedException refused(String what, Throwable e) {
        return new AccessRefusedException("cannot " + what + ": RabbitMQ refused it (" + replyText(e) + "): the user"
                + " lacks a permission (configure, write or read) on that name in this virtual host. Grant it"
                + " (rabbitmqctl set_permissions; docs/security.md lists what Keel needs) or connect as a user that"
                + " has it; retrying cannot help", e);
    }

    /** The reply code of the channel close behind {@code e}, or -1. */
    static int replyCode(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyCode() : -1;
    }

    /**
     * Whether the broker refused {@code e}'s method because the queue's node is down: RabbitMQ answers
     * a method on a classic queue whose node is down with {@code NOT_FOUND - home node '...' of durable
     * queue '...' in vhost '...' is down or inaccessible}, the code it also uses for a queue that does
     * not exist.
     */
    static boolean queueNodeDown(Throwable e) {
        if (replyCode(e) != NOT_FOUND) {
            return false;
        }
        String text = replyText(e).toLowerCase(Locale.ROOT);
        return text.contains("home node") || text.contains("down or inaccessible");
    }

    static String replyText(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyText()
                : String.valueOf(e.getMessage());
    }

    private static String describe(IOException e) {
        ShutdownSignalException signal = signal(e);
        return signal != null ? String.valueOf(signal.getMessage()) : String.valueOf(e.getMessage());
    }

    private static ShutdownSignalException signal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s) {
                return s;
            }
        }
        return null;
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException ignored) {
            // the channel is gone either way
        }
    }
}
