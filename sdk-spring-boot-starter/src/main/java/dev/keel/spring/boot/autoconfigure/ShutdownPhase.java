package dev.keel.spring.boot.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/** Spring Boot's {@code spring.lifecycle.timeout-per-shutdown-phase}, which bounds the listeners' close. */
final class ShutdownPhase {

    /** Spring Boot's default of {@code spring.lifecycle.timeout-per-shutdown-phase}. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** What a listener's close timeout leaves of the phase for its consumer to commit and leave the group. */
    static final Duration CLOSE_MARGIN = Duration.ofSeconds(5);

    private ShutdownPhase() {
    }

    static Duration timeout(Environment environment) {
        return Binder.get(environment).bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(DEFAULT_TIMEOUT);
    }
}
