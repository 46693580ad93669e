package dev.cacheaside.internal;

import java.util.List;

/**
 * The cache key of a query ({@link CacheKeys}: the key prefix and a SHA-256), remembering the
 * keys of SQL texts without parameters, since an application sends the same few over and over.
 * Thread safe.
 */
public final class QueryKeys {

    private final String prefix;
    /** Keys of SQL texts without parameters, by text. */
    private final TextMemo<String> plainKeys;

    public QueryKeys(String prefix) {
        this.prefix = prefix;
        this.plainKeys = new TextMemo<>(10_000, sql -> CacheKeys.key(prefix, sql, List.of()));
    }

    /** The key of {@code sql} with {@code parameters}. */
    public String of(String sql, List<Object> parameters) {
        if (parameters.isEmpty()) {
            return plainKeys.get(sql);
        }
        return CacheKeys.key(prefix, sql, parameters);
    }
}
