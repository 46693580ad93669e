/**
 * The service provider interfaces that adapters implement: {@link
 * dev.cacheaside.spi.QueryExecutor} for databases (and {@link dev.cacheaside.spi.TransactionalExecutor}
 * for one that joins its caller's transaction), with its values {@link dev.cacheaside.spi.Statement},
 * {@link dev.cacheaside.spi.Rows} and {@link dev.cacheaside.spi.SqlDialect}; {@link
 * dev.cacheaside.spi.CacheStore} for caches, with {@link dev.cacheaside.spi.CacheLookup} and the
 * capabilities a store may add ({@link dev.cacheaside.spi.TaggedStore}, {@link
 * dev.cacheaside.spi.CompareAndSetStore}, {@link dev.cacheaside.spi.SelfBoundedStore}); {@link
 * dev.cacheaside.spi.ChangeSource} for change streams, which deliver {@link
 * dev.cacheaside.spi.TableChanges} to a {@link dev.cacheaside.spi.ChangeSink}. The
 * providers that create them by engine name, from configuration variables, are in the
 * {@code cache-aside-env} module ({@code dev.cacheaside.env}).
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.spi;
