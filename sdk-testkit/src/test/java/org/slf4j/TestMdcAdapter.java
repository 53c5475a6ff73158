package org.slf4j;

import org.slf4j.helpers.BasicMDCAdapter;

/**
 * The tests log through slf4j-simple, whose MDC does nothing: {@link #install()} replaces it with SLF4J's
 * thread-local {@link BasicMDCAdapter} (what Logback and Log4j 2 do in substance), so a test can see what Keel puts
 * in the MDC. In package {@code org.slf4j} for {@code MDC.setMDCAdapter}, which is package-private.
 */
public final class TestMdcAdapter {

    private TestMdcAdapter() {
    }

    /** Installs a working MDC for this JVM, once. */
    public static synchronized void install() {
        if (!(MDC.getMDCAdapter() instanceof BasicMDCAdapter)) {
            MDC.setMDCAdapter(new BasicMDCAdapter());
        }
    }
}
