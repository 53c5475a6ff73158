package dev.keel.cli.verify.features;

/** One feature's workload: publishes, consumes under a restart mid-operation, and checks its promises. */
interface FeatureWorkload {

    FeatureKind kind();

    FeatureResult run(FeatureContext context) throws Exception;
}
