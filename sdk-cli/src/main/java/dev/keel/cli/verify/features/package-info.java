/**
 * {@code keel verify --features}: workloads that exercise Keel's features (delayed delivery,
 * non-blocking retry, dead-letter re-drive) under consumer restarts mid-operation, each with its own
 * violation counters and an {@code --unsafe-*} switch that shows its check can fail. See docs/cli.md.
 */
package dev.keel.cli.verify.features;
