package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.kafka.PipelineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * What Kafka refused a transactional pipeline, as an {@link AccessRefusedException} naming the ACL to grant: the
 * pipeline stops on it (the same batch would be refused again), instead of failing with kafka-clients' exception or
 * reading the batch again for ever.
 */
final class PipelineRefusals {

    private static final String NOT_ADVANCED = "the pipeline stopped, its input not advanced past what it committed "
            + "before; not retried";

    private PipelineRefusals() {
    }

    /**
     * The refusal {@code e} is, or has among its causes, for {@code pipeline}; empty when there is none. A transactional
     * producer that a request was refused to is in an error state: its next call throws a plain {@code KafkaException}
     * ("Cannot execute transactional method because we are in an error state") whose cause is the refusal.
     * {@code servers}, the bootstrap servers, are named in a TLS refusal.
     */
    static Optional<AccessRefusedException> of(PipelineConfig pipeline, String servers, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Optional<AccessRefusedException> refusal = ofOne(pipeline, servers, t);
            if (refusal.isPresent()) {
                return refusal;
            }
        }
        return Optional.empty();
    }

    private static Optional<AccessRefusedException> ofOne(PipelineConfig pipeline, String servers, Throwable e) {
        if (e instanceof AccessRefusedException refused) {
            return Optional.of(refused);
        }
        String stopped = "Kafka refused transactional pipeline " + pipeline.transactionalId();
        if (e instanceof TransactionalIdAuthorizationException) {
            return refused(stopped + " its transactional id", e, "WRITE and DESCRIBE on TransactionalId:"
                    + pipeline.transactionalId());
        }
        if (e instanceof GroupAuthorizationException) {
            return refused(stopped + " its group", e, "READ on Group:" + pipeline.group());
        }
        if (e instanceof TopicAuthorizationException topics) {
            Set<String> refused = new TreeSet<>(topics.unauthorizedTopics());
            List<String> grants = new ArrayList<>();
            if (refused.remove(pipeline.inputTopic())) {
                grants.add("READ and DESCRIBE on Topic:" + pipeline.inputTopic());
            }
            if (!refused.isEmpty()) {
                grants.add("WRITE and DESCRIBE on Topic:" + String.join(", Topic:", refused));
            }
            if (grants.isEmpty()) {
                grants.add("READ and DESCRIBE on Topic:" + pipeline.inputTopic() + ", WRITE and DESCRIBE on each "
                        + "output topic");
            }
            return refused(stopped + " a topic", e, String.join("; ", grants));
        }
        if (e instanceof AuthenticationException) {
            Optional<AccessRefusedException> certificate = TlsRefusals.of("transactional pipeline "
                    + pipeline.transactionalId(), servers, e);
            if (certificate.isPresent()) {
                return certificate;
            }
        }
        if (e instanceof AuthorizationException || e instanceof AuthenticationException) {
            return refused(stopped, e, "what docs/security.md lists for a transactional pipeline, and check the "
                    + "client's credentials");
        }
        return Optional.empty();
    }

    /** The refusal of {@code pipeline}'s check that its output {@code topic} exists. */
    static AccessRefusedException ofOutputCheck(String transactionalId, String topic, AccessRefusedException e) {
        return new AccessRefusedException("Kafka refused transactional pipeline " + transactionalId
                + " describing its output topic " + topic + " (" + e.getMessage() + "): grant it DESCRIBE and WRITE "
                + "on Topic:" + topic + "; " + NOT_ADVANCED, e);
    }

    private static Optional<AccessRefusedException> refused(String what, Throwable cause, String grant) {
        return Optional.of(new AccessRefusedException(what + " (" + cause.getMessage() + "): grant it " + grant
                + "; " + NOT_ADVANCED, cause));
    }
}
