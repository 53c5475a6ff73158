/** {@code keel replay}: rewinds a consumer group to a time. */
package dev.keel.cli.replay;
