package dev.cacheaside;

import java.util.Set;

/**
 * An invalidation failed twice (the cache failed or timed out, see
 * {@link CacheAsideOptions#invalidationTimeout()}): the cached entries it was to remove may remain
 * and answer with the old data until their TTL runs out. The message says which.
 *
 * <p>The write path signals it when the write committed but its tables could not be invalidated
 * ({@link #rowsUpdated()} is then the write's count; the write itself is never undone);
 * {@link CacheAside#invalidate} and {@link CacheAside#invalidateTable} signal it with
 * {@link #rowsUpdated()} -1.
 */
public final class CacheInvalidationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long rowsUpdated;
    private final Set<String> tables;

    /**
     * An invalidation that failed after a write committed {@code rowsUpdated} rows ({@code -1}
     * when no write ran); the message gets the cause appended.
     */
    public CacheInvalidationException(String message, long rowsUpdated, Set<String> tables, Throwable cause) {
        super(message + ": " + cause, cause);
        this.rowsUpdated = rowsUpdated;
        this.tables = Set.copyOf(tables);
    }

    /** An invalidation that did not follow a write ({@link #rowsUpdated()} -1). */
    public CacheInvalidationException(String message, Set<String> tables, Throwable cause) {
        this(message, -1, tables, cause);
    }

    /** The rows the committed write changed; -1 when the invalidation did not follow a write. */
    public long rowsUpdated() {
        return rowsUpdated;
    }

    /** The tables whose cached queries may be stale (for one entry: the tables its query reads). */
    public Set<String> tables() {
        return tables;
    }
}
