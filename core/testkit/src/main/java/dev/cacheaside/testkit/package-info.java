/**
 * The test kit: contract tests that a {@link dev.cacheaside.spi.CacheStore} or a
 * {@link dev.cacheaside.spi.QueryExecutor} of your own subclasses in a few lines (JUnit 5), and
 * {@link dev.cacheaside.testkit.InMemoryCacheStore}, a store that passes them.
 *
 * <ul>
 *   <li>{@link dev.cacheaside.testkit.CacheStoreContract}: what every store must do (values, TTLs,
 *       leases, and the capabilities it declares: tags, compare-and-set, its own bound);
 *   <li>{@link dev.cacheaside.testkit.StampedeContract}: the engine over clients of the store, as
 *       separate service instances would hold them: one database query for a cold key, no stale
 *       set under leases, stale-while-revalidate, early refresh, a dead lease holder;
 *   <li>{@link dev.cacheaside.testkit.QueryExecutorContract}: what every database executor must
 *       do (rows in select order, {@code ?} binding, errors, writes committed or rolled back as a
 *       whole, laziness, close).
 * </ul>
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.testkit;
