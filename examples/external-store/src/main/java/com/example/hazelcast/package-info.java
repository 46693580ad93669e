/**
 * A cache-aside {@link dev.cacheaside.spi.CacheStore} on Hazelcast, written against the published
 * SPI only: {@link com.example.hazelcast.HazelcastCacheStore}.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package com.example.hazelcast;
