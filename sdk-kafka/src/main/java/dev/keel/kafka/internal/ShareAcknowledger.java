package dev.keel.kafka.internal;

import dev.keel.spi.InboundRecord;
import org.apache.kafka.clients.consumer.AcknowledgeType;

/**
 * A share-group record's acknowledgements: they go to its member's thread ({@link ShareMember#decide}); whether a
 * release redelivers it, the group's limit says, as the broker reports it now (a limit lowered meanwhile counts).
 */
final class ShareAcknowledger implements InboundRecord.Acknowledger {

    private final ShareMember member;
    private final ShareReceiver owner;
    private final ShareBatch.Held held;

    ShareAcknowledger(ShareMember member, ShareReceiver owner, ShareBatch.Held held) {
        this.member = member;
        this.owner = owner;
        this.held = held;
    }

    @Override
    public void ack() {
        member.decide(held, AcknowledgeType.ACCEPT);
    }

    @Override
    public void release() {
        member.decide(held, AcknowledgeType.RELEASE);
    }

    @Override
    public boolean releasable() {
        return held.deliveryCount() < owner.currentDeliveryLimit();
    }
}
