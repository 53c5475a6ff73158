package dev.keel.spi;

import dev.keel.KeelException;

/**
 * The adapter could not map a record it received into Keel's view ({@link InboundRecord#deferred}): a defect of the
 * adapter, or a record no mapping can read. Its message names the cause's type only (the cause's own message may
 * quote the record's bytes). Not retriable: mapping the same record again fails the same way. Names the
 * record by its topic, partition and position only, never by its content.
 */
public final class RecordMappingException extends KeelException {

    private static final long serialVersionUID = 1L;

    public RecordMappingException(String topic, String partition, long position, Throwable cause) {
        super("the record at position " + position + " of " + topic + " partition " + partition
                + " cannot be mapped into a Keel message (" + cause.getClass().getName() + ", the cause of this"
                + " exception); the subscription fails and the record is not acknowledged", cause, false);
    }
}
