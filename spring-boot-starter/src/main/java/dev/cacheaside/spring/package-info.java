/**
 * Spring Boot auto-configuration of a {@link dev.cacheaside.CacheAside} bean from the
 * {@code cacheaside.*} properties, with Micrometer meters and a health indicator for the cache.
 * Public: {@link dev.cacheaside.spring.CacheAsideAutoConfiguration},
 * {@link dev.cacheaside.spring.CacheAsideProperties} (with
 * {@link dev.cacheaside.spring.CacheAsideDbProperties} for {@code cacheaside.db.*}) and
 * {@link dev.cacheaside.spring.CacheAsideHealthIndicator} (with {@code cacheaside.cdc.*},
 * {@link dev.cacheaside.spring.CacheAsideCdcProperties}, the change-stream consumer's state in its
 * details), and {@link dev.cacheaside.spring.CacheAsideResponses}, the {@code X-Cache} and
 * {@code Server-Timing} headers for web controllers; the rest is package-private.
 * Parameters and return values are non-null unless documented otherwise.
 */
package dev.cacheaside.spring;
