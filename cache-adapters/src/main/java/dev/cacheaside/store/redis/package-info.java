/**
 * Redis and Valkey ({@code CACHE_ENGINE=redis} or {@code valkey}) through Lettuce: a
 * {@link dev.cacheaside.store.redis.LettuceCacheStore} for one server, Sentinel or Redis Cluster,
 * configured with {@link dev.cacheaside.store.redis.LettuceStoreOptions}.
 *
 * <p>Lettuce ({@code io.lettuce:lettuce-core}) is an optional dependency: only
 * {@link dev.cacheaside.store.redis.LettuceCacheStore} needs it; the options and the provider load
 * without it.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.store.redis;
