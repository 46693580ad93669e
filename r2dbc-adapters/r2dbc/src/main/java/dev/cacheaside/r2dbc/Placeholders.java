package dev.cacheaside.r2dbc;

/**
 * Translates the {@code ?} bind markers of SQL text to a driver's own. Stateless.
 */
final class Placeholders {

    private Placeholders() {
    }

    /** The SQL and the number of bind markers found in it. */
    static final class Translated {
        final String sql;
        final int count;

        Translated(String sql, int count) {
            this.sql = sql;
            this.count = count;
        }
    }

    /**
     * Counts the {@code ?} markers outside quotes and comments, leaving the SQL as it is
     * (MySQL, MariaDB and H2 take {@code ?} themselves).
     */
    static Translated questionMarks(String sql, SqlScript.Syntax syntax) {
        int count = 0;
        int i = 0;
        while (i < sql.length()) {
            int end = SqlLexer.skip(sql, i, syntax);
            if (end > i) {
                i = end;
                continue;
            }
            if (sql.charAt(i) == '?') {
                count++;
            }
            i++;
        }
        return new Translated(sql, count);
    }

    /**
     * Replaces each {@code ?} outside quotes, comments and dollar-quoted strings with
     * {@code $1}, {@code $2}, ...; {@code ??} becomes one literal {@code ?}.
     */
    static Translated dollarNumbered(String sql) {
        StringBuilder out = null;
        int count = 0;
        int i = 0;
        int copied = 0;
        while (i < sql.length()) {
            int end = SqlLexer.skip(sql, i, SqlScript.Syntax.POSTGRESQL);
            if (end > i) {
                i = end;
                continue;
            }
            if (sql.charAt(i) == '?') {
                if (out == null) {
                    out = new StringBuilder(sql.length() + 16);
                }
                out.append(sql, copied, i);
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '?') {
                    out.append('?');
                    i += 2;
                } else {
                    out.append('$').append(++count);
                    i++;
                }
                copied = i;
                continue;
            }
            i++;
        }
        if (out == null) {
            return new Translated(sql, 0);
        }
        out.append(sql, copied, sql.length());
        return new Translated(out.toString(), count);
    }
}
