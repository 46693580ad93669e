package dev.cacheaside.internal;

import dev.cacheaside.Query;
import java.time.Duration;
import java.util.Set;

/**
 * One query through the cache: its key, the query, and the time to live its entry gets.
 *
 * @param key   the cache key of {@code query}
 * @param query the query
 * @param ttl   the query's own time to live, or the default one
 */
public record Call(String key, Query query, Duration ttl) {

    /** The tables the query reads: parsed from its SQL, and those it declares. */
    public Set<String> tables() {
        return TableInvalidator.tablesOf(query);
    }
}
