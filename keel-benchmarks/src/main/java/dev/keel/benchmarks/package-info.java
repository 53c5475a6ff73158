/**
 * JMH benchmarks of Keel's own per-message cost on the in-memory broker and store: the publisher
 * ({@link dev.keel.benchmarks.PublishBenchmark}), the consumer engine under each guarantee and
 * ordering ({@link dev.keel.benchmarks.ConsumeBenchmark}), and the in-memory broker alone
 * ({@link dev.keel.benchmarks.BrokerOnlyBenchmark}), the part of those figures that is not Keel's.
 * Every score is per message. Not published; run {@code java -jar keel-benchmarks/target/benchmarks.jar}
 * (docs/performance.md, "Engine cost (JMH)").
 */
package dev.keel.benchmarks;
