package dev.keel.spi.support;

/**
 * Whether text can travel as UTF-8, the rule adapters apply to ids, keys and headers before a publish; and a failure's
 * message made into a header value every broker carries.
 */
public final class Utf8Text {

    /** The longest failure message {@link #causeText} keeps, in UTF-16 characters ({@code ...} follows a cut one). */
    public static final int MAX_CAUSE_LENGTH = 500;

    private Utf8Text() {
    }

    /**
     * True when {@code text} has a UTF-8 form: no unpaired UTF-16 surrogate, which an encoder would replace
     * with {@code ?}.
     */
    public static boolean encodable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A failure message as a header value every broker carries: control characters (line breaks included, and
     * RocketMQ's property separators {@code \u0001} and {@code \u0002}) and halves of surrogate pairs each replaced by
     * a space, then cut to {@value #MAX_CAUSE_LENGTH} characters, never between the two halves of a pair. A header a
     * broker refused would make the dead letter (and its copy without payload, which keeps it) refused for good.
     */
    public static String causeText(String s) {
        StringBuilder text = new StringBuilder(Math.min(s.length(), MAX_CAUSE_LENGTH));
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (text.length() + (pair ? 2 : 1) > MAX_CAUSE_LENGTH) {
                break; // full, or the pair does not fit whole
            }
            if (pair) {
                text.append(c).append(s.charAt(i + 1));
                i += 2;
            } else {
                text.append(Character.isISOControl(c) || Character.isSurrogate(c) ? ' ' : c);
                i++;
            }
        }
        return i < s.length() ? text + "..." : text.toString();
    }
}
