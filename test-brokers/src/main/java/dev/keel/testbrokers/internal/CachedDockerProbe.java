package dev.keel.testbrokers.internal;

/** Asks the delegate once per JVM; the Testcontainers probe can take a few seconds. */
public final class CachedDockerProbe implements DockerProbe {
    private final DockerProbe delegate;
    private Boolean answer;

    public CachedDockerProbe(DockerProbe delegate) {
        this.delegate = delegate;
    }

    @Override
    public synchronized boolean isDockerAvailable() {
        if (answer == null) {
            answer = delegate.isDockerAvailable();
        }
        return answer;
    }
}
