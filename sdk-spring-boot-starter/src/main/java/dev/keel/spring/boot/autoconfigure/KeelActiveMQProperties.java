package dev.keel.spring.boot.autoconfigure;

import dev.keel.spi.support.UrlPasswords;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The ActiveMQ Classic adapter's settings under {@code keel.activemq.*} (module sdk-jms,
 * {@code ActiveMQClassicAdapter}). Unset settings keep the adapter's defaults ({@code ActiveMQClassicConfig}'s
 * {@code DEFAULT_*} values), but the URL: the starter asks for it, as for every broker. A class of its own rather
 * than one more nested class of {@link KeelProperties}, which holds the other brokers' settings. The password, and
 * the values of the URL's password parameters, are masked in {@link #toString()}, in {@code /actuator/configprops}
 * and {@code /actuator/env}, and never logged.
 */
@ConfigurationProperties("keel.activemq")
public class KeelActiveMQProperties {

    /**
     * The broker's URL, tcp://host:61616 (with the client's URL parameters after ? if needed); a failover:(...) URL
     * must set maxReconnectAttempts=0, since Keel reconnects by itself. Values of password parameters are masked.
     */
    private String url;
    /** The user the broker authenticates (with password). */
    private String user;
    /** The user's password; masked in /actuator/configprops, never logged. */
    private String password;
    /** Publishing sessions; one key always uses the same one (default 4). */
    private Integer sendLanes;
    /** The largest payload sent, in bytes (default 64 MiB, below the broker's maxFrameSize). */
    private Integer maxMessageBytes;
    /** Messages the broker sends a member ahead of its acknowledgements (default 200). */
    private Integer prefetch;
    /**
     * Whether the broker orders Keel's queues by priority (prioritizedMessages="true" in their destination policy);
     * only then does Keel offer message priority (default false).
     */
    private Boolean prioritizedQueues;
    /** How long closing a consumer or the producer waits for the work in hand (default 10s). */
    private Duration closeTimeout;
    /** How long a publish waits for the broker's answer before it fails, retriable (default 30s). */
    private Duration sendTimeout;
    /**
     * The name of a Spring Boot SSL bundle (spring.ssl.bundle.jks.NAME or .pem.NAME) whose trust material, and client
     * certificate if it has one, this adapter's ssl:// connections use instead of the JVM's javax.net.ssl.* stores.
     */
    private String sslBundle;

    public String getSslBundle() { return sslBundle; }

    public void setSslBundle(String sslBundle) { this.sslBundle = sslBundle; }

    public String getUrl() { return url; }

    public void setUrl(String url) { this.url = url; }

    public String getUser() { return user; }

    public void setUser(String user) { this.user = user; }

    public String getPassword() { return password; }

    public void setPassword(String password) { this.password = password; }

    public Integer getSendLanes() { return sendLanes; }

    public void setSendLanes(Integer sendLanes) { this.sendLanes = sendLanes; }

    public Integer getMaxMessageBytes() { return maxMessageBytes; }

    public void setMaxMessageBytes(Integer maxMessageBytes) { this.maxMessageBytes = maxMessageBytes; }

    public Integer getPrefetch() { return prefetch; }

    public void setPrefetch(Integer prefetch) { this.prefetch = prefetch; }

    public Boolean getPrioritizedQueues() { return prioritizedQueues; }

    public void setPrioritizedQueues(Boolean prioritizedQueues) { this.prioritizedQueues = prioritizedQueues; }

    public Duration getCloseTimeout() { return closeTimeout; }

    public void setCloseTimeout(Duration closeTimeout) { this.closeTimeout = closeTimeout; }

    public Duration getSendTimeout() { return sendTimeout; }

    public void setSendTimeout(Duration sendTimeout) { this.sendTimeout = sendTimeout; }

    /** Never the password, nor the values of the URL's password parameters. */
    @Override
    public String toString() {
        return "KeelActiveMQProperties{url=" + UrlPasswords.maskValues(url, KeelProperties.MASK)
                + ", user=" + user + ", password=" + (password == null ? null : KeelProperties.MASK)
                + ", sendLanes=" + sendLanes + ", maxMessageBytes=" + maxMessageBytes + ", prefetch=" + prefetch
                + ", prioritizedQueues=" + prioritizedQueues + ", closeTimeout=" + closeTimeout + ", sendTimeout="
                + sendTimeout + ", sslBundle=" + sslBundle + "}";
    }
}
