package dev.cacheaside.internal;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One query through the cache: its key, what the database is asked, and the time to live its
 * entry gets.
 *
 * @param key            the cache key of the query
 * @param sql            the query's SQL text
 * @param parameters     its bind parameters, unmodifiable; elements may be null
 * @param declaredTables the tables the caller declared it reads (normalized), besides those in its SQL
 * @param ttl            the query's own time to live, or the default one
 * @param forceRefresh   whether the cache read is skipped
 * @param asked          the query as the caller gave it; only its {@code toString} is used, in messages
 */
public record Call(String key, String sql, List<Object> parameters, Set<String> declaredTables, Duration ttl,
                   boolean forceRefresh, Object asked) {

    /** The tables the query reads: parsed from its SQL, and those it declares. */
    public Set<String> tables() {
        return TableInvalidator.tablesOf(sql, declaredTables);
    }
}
