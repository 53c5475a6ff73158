package dev.keel.spi.support;

/** Whether text can travel as UTF-8, the rule adapters apply to ids, keys and headers before a publish. */
public final class Utf8Text {
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
}
