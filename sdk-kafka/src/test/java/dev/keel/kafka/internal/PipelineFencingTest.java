package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * How a transactional pipeline recognizes that its producer was fenced, whatever form the fencing takes when it
 * reaches the pipeline: it decides whether the pipeline stops (another instance took its transactional id) or renews
 * its producer (its transaction outlived the timeout). A rehearsal saw the fencing of a second instance reach the
 * first as {@code INVALID_TXN_STATE} on its commit, and the abort after it throw the producer's error state: the
 * pipeline stopped with "Cannot execute transactional method because we are in an error state" instead of the
 * fencing (KafkaTransactionalPipelineTest, fenced by another instance).
 */
class PipelineFencingTest {

    @Test
    void theErrorStateAfterAnInvalidTransactionStateShouldReadAsAFencing() {
        KafkaException errorState = new KafkaException("Cannot execute transactional method because we are in an "
                + "error state", new InvalidTxnStateException("The producer attempted a transactional operation in an "
                + "invalid state."));

        ProducerFencedException fenced = KafkaPipeline.fencedCause(errorState);

        assertThat(fenced).isNotNull();
        assertThat(fenced.getCause()).isInstanceOf(InvalidTxnStateException.class);
    }

    @Test
    void aFencingWrappedByTheErrorStateShouldBeFoundAsItIs() {
        ProducerFencedException original = new ProducerFencedException("a newer producer");

        assertThat(KafkaPipeline.fencedCause(new KafkaException("error state", original))).isSameAs(original);
    }

    @Test
    void otherFailuresShouldNotReadAsAFencing() {
        assertThat(KafkaPipeline.fencedCause(new KafkaException("error state", new TimeoutException("slow")))).isNull();
        assertThat(KafkaPipeline.fencedCause(new IllegalStateException("a transform failed"))).isNull();
    }
}
