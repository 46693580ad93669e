/**
 * The database side over R2DBC: {@link dev.cacheaside.r2dbc.R2dbcQueryExecutor} (a pooled
 * {@link dev.cacheaside.spi.QueryExecutor} over any {@code io.r2dbc.spi.ConnectionFactory}) and
 * its {@link dev.cacheaside.r2dbc.R2dbcOptions}; the engine providers {@code h2} (embedded
 * default), {@code mysql}, {@code mariadb} and {@code postgresql}/{@code postgres}, found by
 * {@link java.util.ServiceLoader}; and {@link dev.cacheaside.r2dbc.SqlScript}, which splits SQL
 * files into statements.
 *
 * <p>The MySQL, MariaDB and PostgreSQL drivers are optional dependencies: add the one for your
 * database. Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.r2dbc;
