/**
 * Reactive cache-aside for SQL databases: {@link dev.cacheaside.CacheAside} and its values.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so; a SQL
 * NULL in {@link dev.cacheaside.spi.Rows} is the one {@code null} value users see.
 */
package dev.cacheaside;
