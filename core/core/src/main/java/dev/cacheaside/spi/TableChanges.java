package dev.cacheaside.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Committed changes, as a change source reports them: the tables some committed transactions
 * wrote, and the source's position after them.
 *
 * <p>Immutable and thread safe. Table names are as the source knows them (schema-qualified or
 * not, any case); the engine compares them without schema, quotes or case.
 */
public final class TableChanges {

    private final Set<String> tables;
    private final String position;
    private final boolean conservative;

    private TableChanges(Set<String> tables, String position, boolean conservative) {
        this.tables = tables;
        this.position = position;
        this.conservative = conservative;
    }

    /**
     * Changes to {@code tables}, committed at or before {@code position}.
     *
     * @param tables   the tables written, at least one, none null or blank; copied
     * @param position the source's position after the changes (an LSN, a binlog file and offset,
     *                 a topic offset), for logs; may be empty, never null
     * @throws IllegalArgumentException when no table is given or a name is null or blank
     * @throws NullPointerException     when {@code tables} or {@code position} is null
     */
    public static TableChanges of(Collection<String> tables, String position) {
        return new TableChanges(copy(tables), Objects.requireNonNull(position, "position"), false);
    }

    /**
     * A conservative invalidation of every table a source watches: what a source reports when it
     * cannot know what changed (it starts without a stored position, or found a gap in its
     * stream). Same arguments as {@link #of}.
     */
    public static TableChanges everything(Collection<String> tables, String position) {
        return new TableChanges(copy(tables), Objects.requireNonNull(position, "position"), true);
    }

    private static Set<String> copy(Collection<String> tables) {
        Objects.requireNonNull(tables, "tables");
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("name at least one table");
        }
        Set<String> copy = new LinkedHashSet<>();
        for (String table : tables) {
            if (table == null || table.isBlank()) {
                throw new IllegalArgumentException("table names must not be null or blank, were " + tables);
            }
            copy.add(table);
        }
        return Collections.unmodifiableSet(copy);
    }

    /** The tables written, in the order given; never empty. */
    public Set<String> tables() {
        return tables;
    }

    /** The source's position after these changes; may be empty. */
    public String position() {
        return position;
    }

    /** Whether this is a conservative invalidation of every watched table ({@link #everything}). */
    public boolean conservative() {
        return conservative;
    }

    @Override
    public String toString() {
        return (conservative ? "TableChanges[everything " : "TableChanges[") + tables + " at " + position + "]";
    }
}
