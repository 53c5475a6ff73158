/**
 * Operating on dead letters: listing, inspecting and re-driving them to their origin topic
 * ({@link dev.keel.deadletter.DeadLetters}, from {@code Keel.deadLetters(topic, group)}).
 */
package dev.keel.deadletter;
