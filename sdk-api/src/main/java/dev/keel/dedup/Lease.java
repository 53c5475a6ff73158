package dev.keel.dedup;

import java.util.Objects;

/** An id together with the owner token its claim returned. */
public record Lease(String id, String token) {
    public Lease {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(token, "token");
    }
}
