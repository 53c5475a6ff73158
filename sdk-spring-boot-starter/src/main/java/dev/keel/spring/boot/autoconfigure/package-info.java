/**
 * Spring Boot auto-configuration for Keel: the broker adapter, the idempotency store, Keel, the
 * listener registry, metrics, health, and the {@code keel.*} properties. See docs/spring-boot.md.
 */
package dev.keel.spring.boot.autoconfigure;
