package dev.keel.rabbit;

import dev.keel.testbrokers.RabbitEndpoint;

/**
 * A quorum queue whose Raft server on the harness's private node is suspended ({@code sys:suspend} through
 * {@code rabbitmqctl eval}) until {@link #close()}: its leader answers nothing, as a leader that is overloaded or cut
 * off from its peers. RabbitMQ then reports the queue as empty (a passive declare's counts come from a query with a
 * 250 ms timeout that answers 0 messages and 0 consumers when it runs out) and every operation on it waits.
 */
final class SuspendedQuorumQueue implements AutoCloseable {

    private final RabbitEndpoint rabbit;
    private final String server;
    private boolean resumed;

    private SuspendedQuorumQueue(RabbitEndpoint rabbit, String server) {
        this.rabbit = rabbit;
        this.server = server;
    }

    /** Suspends the Raft server of quorum queue {@code queue} of the test's virtual host (ASCII names only). */
    static SuspendedQuorumQueue suspend(RabbitEndpoint rabbit, String queue) {
        String server = rabbit.rabbitmqctl("eval", "{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\""
                + rabbit.virtualHost() + "\">>, queue, <<\"" + queue + "\">>)), {Server, _} = amqqueue:get_pid(Q), "
                + "ok = sys:suspend(whereis(Server)), Server.").trim();
        return new SuspendedQuorumQueue(rabbit, server);
    }

    /** Resumes the server (idempotent); nothing when the queue was deleted meanwhile (its server with it). */
    @Override
    public void close() {
        if (!resumed) {
            resumed = true;
            rabbit.rabbitmqctl("eval", "case whereis(" + server + ") of undefined -> deleted; "
                    + "Pid -> sys:resume(Pid) end.");
        }
    }
}
