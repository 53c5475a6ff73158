package dev.keel.testkit.contract;

/**
 * What an adapter's broker accepts, for {@link BadInputContract}: per part of a message, the
 * largest size (UTF-8 bytes) the suite publishes and expects back unchanged, and the smallest it
 * expects refused, or {@link #NOT_PROBED} when the broker's limit is out of a test's reach.
 *
 * @param id         the message id
 * @param headerName one header name
 * @param payload    the payload
 */
public record InputLimits(Limit id, Limit headerName, Limit payload) {

    /** No refusal is probed for this part (its limit is beyond what a test should send). */
    public static final int NOT_PROBED = 0;

    public InputLimits {
        if (id == null || headerName == null || payload == null) {
            throw new IllegalArgumentException("every part needs a limit");
        }
    }

    /**
     * @param largestAccepted the size published and expected back unchanged (at least 1)
     * @param smallestRefused the size expected refused with a non-retriable {@code KeelException}, larger than
     *                        {@code largestAccepted}; or {@link #NOT_PROBED}
     */
    public record Limit(int largestAccepted, int smallestRefused) {
        public Limit {
            if (largestAccepted < 1) {
                throw new IllegalArgumentException("largestAccepted must be >= 1, was " + largestAccepted);
            }
            if (smallestRefused != NOT_PROBED && smallestRefused <= largestAccepted) {
                throw new IllegalArgumentException("smallestRefused must be above largestAccepted (" + largestAccepted
                        + ") or NOT_PROBED, was " + smallestRefused);
            }
        }

        /** Up to {@code limit} bytes accepted, one more refused. */
        public static Limit atMost(int limit) {
            return new Limit(limit, limit + 1);
        }

        /** {@code largestAccepted} expected back, no refusal probed. */
        public static Limit notProbedAbove(int largestAccepted) {
            return new Limit(largestAccepted, NOT_PROBED);
        }

        boolean probesRefusal() {
            return smallestRefused != NOT_PROBED;
        }
    }
}
