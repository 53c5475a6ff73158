/**
 * {@code keel bench}: measures Keel's throughput and latency against the raw clients of the same broker,
 * in one run. Part of the command line, not API.
 */
package dev.keel.cli.bench;
