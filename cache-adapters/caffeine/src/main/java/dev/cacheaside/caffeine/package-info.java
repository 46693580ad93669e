/**
 * The in-process cache store ({@code CACHE_ENGINE=local}, the embedded default): a
 * {@link dev.cacheaside.caffeine.LocalCacheStore} on Caffeine, bounded by bytes, with a TTL
 * per entry and leases, for one JVM.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.caffeine;
