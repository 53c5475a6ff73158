package dev.keel.dedup.redis;

import dev.keel.dedup.Lease;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Fresh owner tokens for store-level tests: every claim made as a new consumer would make it. */
final class NewOwners {

    private NewOwners() {
    }

    static String token() {
        return UUID.randomUUID().toString();
    }

    /** Each id with a fresh token of its own. */
    static List<Lease> claims(String... ids) {
        return claims(List.of(ids));
    }

    /** Each id with a fresh token of its own. */
    static List<Lease> claims(List<String> ids) {
        List<Lease> claims = new ArrayList<>(ids.size());
        for (String id : ids) {
            claims.add(new Lease(id, token()));
        }
        return claims;
    }
}
