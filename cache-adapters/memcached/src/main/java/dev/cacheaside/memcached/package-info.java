/**
 * The Memcached cache store ({@code CACHE_ENGINE=memcached}): a
 * {@link dev.cacheaside.memcached.MemcachedCacheStore} speaking memcached's meta protocol
 * (memcached 1.6+) through a non-blocking Vert.x client, over one or more servers chosen by
 * consistent hashing, with memcached's own leases. Brings {@code io.vertx:vertx-core} 5.
 *
 * <p>Public: the store, its options and its provider; everything else is package-private.
 * Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.memcached;
