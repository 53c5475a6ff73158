package dev.keel.testbrokers.internal;

/** Answers whether a Docker engine answers; injectable so both branches are testable without Docker. */
@FunctionalInterface
public interface DockerProbe {
    boolean isDockerAvailable();
}
