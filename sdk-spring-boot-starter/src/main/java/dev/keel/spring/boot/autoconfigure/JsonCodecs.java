package dev.keel.spring.boot.autoconfigure;

import dev.keel.Codec;
import dev.keel.jackson.JsonCodec;

/** JSON payloads (module sdk-jackson); loaded only when that module is on the class path. */
final class JsonCodecs {

    private JsonCodecs() {
    }

    static Codec<?> of(Class<?> type) {
        return JsonCodec.of(type);
    }
}
