package dev.cacheaside.internal;

import java.util.Set;

/**
 * An invalidation that failed twice: the entries it was to remove may remain until their TTL.
 * The facade turns it into its public exception with the same message and cause.
 */
public final class InvalidationFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String brief;
    private final long rowsUpdated;
    private final Set<String> tables;

    /**
     * An invalidation that failed after a write committed {@code rowsUpdated} rows ({@code -1}
     * when no write ran); the message is {@code brief} with the cause appended.
     */
    public InvalidationFailure(String brief, long rowsUpdated, Set<String> tables, Throwable cause) {
        super(brief + ": " + cause, cause);
        this.brief = brief;
        this.rowsUpdated = rowsUpdated;
        this.tables = Set.copyOf(tables);
    }

    /** An invalidation that did not follow a write ({@link #rowsUpdated()} -1). */
    public InvalidationFailure(String brief, Set<String> tables, Throwable cause) {
        this(brief, -1, tables, cause);
    }

    /** The message without the cause appended. */
    public String brief() {
        return brief;
    }

    /** The rows the committed write changed; -1 when the invalidation did not follow a write. */
    public long rowsUpdated() {
        return rowsUpdated;
    }

    /** The tables whose cached queries may be stale. */
    public Set<String> tables() {
        return tables;
    }
}
