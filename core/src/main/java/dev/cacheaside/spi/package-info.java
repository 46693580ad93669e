/**
 * The two service provider interfaces that adapters implement: {@link
 * dev.cacheaside.spi.QueryExecutor} for databases and {@link dev.cacheaside.spi.CacheStore} for
 * caches. The providers that create them by engine name, from configuration variables, are in
 * the {@code cache-aside-env} module ({@code dev.cacheaside.env}).
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.spi;
