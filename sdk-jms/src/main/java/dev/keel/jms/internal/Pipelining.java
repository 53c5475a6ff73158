package dev.keel.jms.internal;

import java.time.Duration;

/**
 * How a line's send lanes pipeline their sends ({@link PipelinedLane}): at most {@code window} sends in flight per
 * lane, each failed (retriable, with every later one of its lane) when the broker has not answered it within
 * {@code answerTimeout}.
 */
public record Pipelining(int window, Duration answerTimeout) {
    public Pipelining {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, was " + window);
        }
        if (answerTimeout == null || answerTimeout.isNegative() || answerTimeout.isZero()) {
            throw new IllegalArgumentException("answerTimeout must be positive, was " + answerTimeout);
        }
    }
}
