package dev.keel;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** A {@link TypedPublisher} that encodes each value and publishes it through the shared {@link Publisher}. */
final class CodecPublisher<T> implements TypedPublisher<T> {

    private final Publisher publisher;
    private final String topic;
    private final Codec<T> codec;

    CodecPublisher(Publisher publisher, String topic, Codec<T> codec) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        if (!TopicSpec.isValidName(topic)) {
            throw new IllegalArgumentException("topic must be 1-200 characters of [A-Za-z0-9._-], was '" + topic + "'");
        }
        this.topic = topic;
        this.codec = Objects.requireNonNull(codec,
                "codec: use Codec.bytes(), Codec.utf8() or JsonCodec.of(type) from sdk-jackson");
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public CompletionStage<PublishReceipt> publishAsync(Outgoing<T> message) {
        Objects.requireNonNull(message, "message");
        return publisher.publishAsync(topic, message.toMessage(codec));
    }

    @Override
    public String toString() {
        return "TypedPublisher{topic=" + topic + "}";
    }
}
