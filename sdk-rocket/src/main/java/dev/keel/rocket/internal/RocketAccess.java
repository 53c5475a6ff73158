package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * The hook of one rocketmq-client instance: signs each request with the adapter's credentials (when it has them), and
 * remembers the first answer the broker's ACL refused, whichever thread made the request (a consumer's background
 * pulls, heartbeats and offset writes never reach Keel's code otherwise), and when a server last answered anything.
 * One per client instance.
 */
public final class RocketAccess implements RPCHook {

    private final RocketConfig config;
    private final RPCHook signer;
    private final AtomicReference<Refusal> refusal = new AtomicReference<>();
    private volatile long lastAnswerNanos = System.nanoTime();

    private record Refusal(int requestCode, String remark) {
    }

    private RocketAccess(RocketConfig config) {
        this.config = config;
        this.signer = config.accessKey().isPresent()
                ? new AclClientRPCHook(new SessionCredentials(config.accessKey().get(), config.secretKey().get()))
                : null;
    }

    /** A new hook for one client of an adapter with {@code config}. */
    public static RocketAccess of(RocketConfig config) {
        return new RocketAccess(config);
    }

    @Override
    public void doBeforeRequest(String remoteAddr, RemotingCommand request) {
        if (signer != null) {
            signer.doBeforeRequest(remoteAddr, request);
        }
    }

    @Override
    public void doAfterResponse(String remoteAddr, RemotingCommand request, RemotingCommand response) {
        if (response != null) {
            lastAnswerNanos = System.nanoTime();
        }
        if (response != null && request != null && AccessRefusals.isAclRefusal(response.getCode(),
                response.getRemark())) {
            refusal.compareAndSet(null, new Refusal(request.getCode(), response.getRemark()));
        }
    }

    /** The first refusal this client met, as an exception about {@code what}; empty while none. */
    public Optional<AccessRefusedException> refusal(String what) {
        Refusal r = refusal.get();
        return r == null ? Optional.empty()
                : Optional.of(AccessRefusals.refused(config, what, r.requestCode(), r.remark(), null));
    }

    /** When ({@link System#nanoTime()}) a server last answered a request of this client (or it was made). */
    long lastAnswerNanos() {
        return lastAnswerNanos;
    }

    /** Forgets the refusals met so far (before a request whose own answer is what counts). */
    void clear() {
        refusal.set(null);
    }
}
