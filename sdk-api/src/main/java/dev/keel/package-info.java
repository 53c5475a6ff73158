/**
 * Keel's API: what an application compiles against to publish and consume reliably on any broker.
 * {@link dev.keel.Publisher} publishes with broker confirmation, {@link dev.keel.Subscriber} starts
 * {@link dev.keel.Subscription}s whose {@link dev.keel.MessageHandler} runs under a
 * {@link dev.keel.DeliveryGuarantee}; {@link dev.keel.Message}, {@link dev.keel.Codec} and the immutable
 * {@link dev.keel.PublisherConfig}, {@link dev.keel.SubscriptionConfig} and {@link dev.keel.TopicSpec} describe what
 * flows, and every failure is a typed {@link dev.keel.KeelException} that says whether retrying may help.
 * The entry point that builds these is {@code dev.keel.core.Keel} in the {@code sdk-core} module.
 */
package dev.keel;
