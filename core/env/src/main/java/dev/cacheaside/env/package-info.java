/**
 * A {@link dev.cacheaside.CacheAside} configured from {@code DB_*} and {@code CACHE_*} variables
 * (the process environment and a {@code .env} file): {@link dev.cacheaside.env.CacheAsideEnvironment}
 * builds it, {@link dev.cacheaside.env.Settings} reads the variables,
 * {@link dev.cacheaside.env.CacheAsideSettings} turns them into options, and
 * {@link dev.cacheaside.env.Engines} finds the adapters' {@link dev.cacheaside.env.QueryExecutorProvider}
 * and {@link dev.cacheaside.env.CacheStoreProvider} by engine name.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.env;
