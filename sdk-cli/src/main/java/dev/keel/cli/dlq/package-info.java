/** {@code keel dlq}: list, show and re-drive a consumer group's dead letters. */
package dev.keel.cli.dlq;
