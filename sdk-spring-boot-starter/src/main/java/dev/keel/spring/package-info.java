/**
 * Keel's Spring programming model: {@link dev.keel.spring.KeelListener} on bean methods and
 * {@link dev.keel.spring.KeelListenerEndpoint} beans, run by the starter's listener registry.
 */
package dev.keel.spring;
