package dev.cacheaside;

import java.util.Locale;
import java.util.Set;

/**
 * Decides whether SQL only reads: the cache-aside path caches nothing else.
 *
 * <p>The first keyword, after comments and opening parentheses, must be {@code SELECT},
 * {@code WITH}, {@code VALUES}, {@code TABLE} or {@code SHOW}; a {@code WITH} must not contain
 * {@code INSERT}, {@code UPDATE}, {@code DELETE} or {@code MERGE} outside quotes and comments
 * (PostgreSQL's data-modifying CTEs). {@code SELECT ... FOR UPDATE} and {@code SELECT ... INTO}
 * are refused too: the first takes locks, the second writes a table.
 */
final class ReadOnlySql {

    private static final Set<String> READS = Set.of("SELECT", "WITH", "VALUES", "TABLE", "SHOW");
    private static final Set<String> DATA_MODIFYING = Set.of("INSERT", "UPDATE", "DELETE", "MERGE");

    private ReadOnlySql() {
    }

    /**
     * Checks {@code sql}.
     *
     * @throws IllegalArgumentException naming the statement's first keyword when it is not a read
     */
    static void check(String sql) {
        StringBuilder word = new StringBuilder();
        String first = null;
        String previous = null;
        int n = sql.length();
        int i = 0;
        while (i <= n) {
            char ch = i < n ? sql.charAt(i) : ' ';
            if (i < n && (Character.isLetterOrDigit(ch) || ch == '_')) {
                word.append(ch);
                i++;
                continue;
            }
            if (word.length() > 0) {
                String w = word.toString().toUpperCase(Locale.ROOT);
                word.setLength(0);
                if (first == null) {
                    first = w;
                    if (!READS.contains(first)) {
                        throw new IllegalArgumentException("only reads are cached: this statement starts with "
                                + first + "; run writes through the database directly (or a write helper)");
                    }
                } else if ("UPDATE".equals(w) && "FOR".equals(previous)) {
                    throw new IllegalArgumentException("only reads are cached: SELECT ... FOR UPDATE takes locks");
                } else if ("WITH".equals(first) && DATA_MODIFYING.contains(w)) {
                    throw new IllegalArgumentException("only reads are cached: this WITH statement contains " + w);
                } else if ("SELECT".equals(first) && "INTO".equals(w)) {
                    throw new IllegalArgumentException("only reads are cached: SELECT ... INTO writes");
                }
                previous = w;
            }
            if (i >= n) {
                break;
            }
            i = skip(sql, i);
        }
        if (first == null) {
            throw new IllegalArgumentException("sql holds no statement, only comments or punctuation");
        }
    }

    private static final Set<String> WRITES = Set.of("INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT");

    /**
     * Checks that {@code sql} is a data write the write path runs.
     *
     * @throws IllegalArgumentException naming the first keyword when it is not INSERT, UPDATE,
     *     DELETE, MERGE or REPLACE
     */
    static void checkWrite(String sql) {
        String first = firstKeyword(sql);
        if (first == null || !WRITES.contains(first)) {
            throw new IllegalArgumentException("the write path runs INSERT, UPDATE, DELETE, MERGE or REPLACE; "
                    + "this statement starts with " + first);
        }
    }

    private static String firstKeyword(String sql) {
        StringBuilder word = new StringBuilder();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char ch = sql.charAt(i);
            if (Character.isLetterOrDigit(ch) || ch == '_') {
                word.append(ch);
                i++;
            } else if (word.length() > 0) {
                break;
            } else {
                i = skip(sql, i);
            }
        }
        return word.length() == 0 ? null : word.toString().toUpperCase(Locale.ROOT);
    }

    /** Skips one non-word character, or a whole quoted string or comment starting at {@code i}. */
    private static int skip(String sql, int i) {
        int n = sql.length();
        char ch = sql.charAt(i);
        if (ch == '\'' || ch == '"' || ch == '`') {
            int j = i + 1;
            while (j < n) {
                if (sql.charAt(j) == ch) {
                    if (j + 1 < n && sql.charAt(j + 1) == ch) {
                        j += 2;
                        continue;
                    }
                    return j + 1;
                }
                if (sql.charAt(j) == '\\' && ch == '\'') {
                    j++;
                }
                j++;
            }
            return n;
        }
        if (ch == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
            int end = sql.indexOf('\n', i);
            return end < 0 ? n : end + 1;
        }
        if (ch == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? n : end + 2;
        }
        if (ch == '$') {
            int close = sql.indexOf('$', i + 1);
            if (close > i) {
                String tag = sql.substring(i, close + 1);
                if (tag.chars().skip(1).limit(tag.length() - 2L).allMatch(c -> Character.isLetterOrDigit(c) || c == '_')) {
                    int end = sql.indexOf(tag, close + 1);
                    return end < 0 ? n : end + tag.length();
                }
            }
        }
        return i + 1;
    }
}
