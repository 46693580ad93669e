/**
 * The engine behind {@link dev.cacheaside.CacheAside}: internal, not for users. Its types are
 * public only so that the facade in {@code dev.cacheaside} can reach them; they may change or
 * disappear in any release without notice.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.internal;
