/**
 * Redis and Valkey ({@code CACHE_ENGINE=redis} or {@code valkey}) through Lettuce: a
 * {@link dev.cacheaside.lettuce.LettuceCacheStore} for one server, Sentinel or Redis Cluster,
 * configured with {@link dev.cacheaside.lettuce.LettuceStoreOptions}.
 *
 * <p>Only {@link dev.cacheaside.lettuce.LettuceCacheStore} touches Lettuce
 * ({@code io.lettuce:lettuce-core}, a dependency of this module); the options and the provider
 * load without it.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.lettuce;
