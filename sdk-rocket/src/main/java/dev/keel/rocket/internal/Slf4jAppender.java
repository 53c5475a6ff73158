package dev.keel.rocket.internal;

import org.apache.rocketmq.logging.ch.qos.logback.classic.Level;
import org.apache.rocketmq.logging.ch.qos.logback.classic.spi.ILoggingEvent;
import org.apache.rocketmq.logging.ch.qos.logback.classic.spi.IThrowableProxy;
import org.apache.rocketmq.logging.ch.qos.logback.classic.spi.ThrowableProxy;
import org.apache.rocketmq.logging.ch.qos.logback.core.AppenderBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands rocketmq-client's log events (logged through its own shaded logback) to the application's
 * SLF4J, under the client's logger names ({@code RocketmqClient}, {@code RocketmqRemoting}, ...).
 * Named in {@code rocketmq-client-logback.xml}, which {@link ClientLogging} makes the client use.
 */
public final class Slf4jAppender extends AppenderBase<ILoggingEvent> {

    @Override
    protected void append(ILoggingEvent event) {
        Logger logger = LoggerFactory.getLogger(event.getLoggerName());
        Throwable error = throwableOf(event.getThrowableProxy());
        int level = event.getLevel().toInt();
        if (level >= Level.ERROR_INT) {
            logger.error(event.getFormattedMessage(), error);
        } else if (level >= Level.WARN_INT) {
            logger.warn(event.getFormattedMessage(), error);
        } else if (level >= Level.INFO_INT) {
            logger.info(event.getFormattedMessage(), error);
        } else if (level >= Level.DEBUG_INT) {
            logger.debug(event.getFormattedMessage(), error);
        } else {
            logger.trace(event.getFormattedMessage(), error);
        }
    }

    private static Throwable throwableOf(IThrowableProxy proxy) {
        return proxy instanceof ThrowableProxy p ? p.getThrowable() : null;
    }
}
