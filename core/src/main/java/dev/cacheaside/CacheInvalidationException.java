package dev.cacheaside;

import java.util.Set;

/**
 * A write committed, but the cached queries over the tables it wrote could not be invalidated
 * (the cache failed or timed out): they may answer with the old data until their TTL runs out.
 *
 * <p>Only the write path signals it; the write itself is never undone.
 */
public final class CacheInvalidationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long rowsUpdated;
    private final Set<String> tables;

    CacheInvalidationException(long rowsUpdated, Set<String> tables, Throwable cause) {
        super("the write committed (" + rowsUpdated + " rows) but cached queries over " + tables
                + " could not be invalidated and may be stale until their TTL: " + cause, cause);
        this.rowsUpdated = rowsUpdated;
        this.tables = Set.copyOf(tables);
    }

    /** The rows the committed write changed. */
    public long rowsUpdated() {
        return rowsUpdated;
    }

    /** The tables whose cached queries may be stale. */
    public Set<String> tables() {
        return tables;
    }
}
