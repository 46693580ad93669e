package dev.cacheaside.r2dbc;

/**
 * Finds the parts of SQL text where a {@code ;} or {@code ?} means nothing: quoted strings and
 * identifiers, comments, and PostgreSQL dollar-quoted strings. Stateless.
 */
final class SqlLexer {

    private SqlLexer() {
    }

    /**
     * When a quoted string, quoted identifier, comment or dollar-quoted string starts at
     * {@code i}, the index just past its end (the text's length when it is not closed);
     * otherwise {@code -1}.
     */
    static int skip(String sql, int i, SqlScript.Syntax syntax) {
        char c = sql.charAt(i);
        switch (c) {
            case '\'': {
                boolean backslash = syntax == SqlScript.Syntax.MYSQL
                        || (syntax == SqlScript.Syntax.POSTGRESQL && isEscapeStringPrefix(sql, i));
                return endOfQuoted(sql, i, '\'', backslash);
            }
            case '"':
                return endOfQuoted(sql, i, '"', syntax == SqlScript.Syntax.MYSQL);
            case '`':
                return endOfQuoted(sql, i, '`', false);
            case '-':
                // MySQL and MariaDB: "--" starts a comment only before white space or a control
                // character ("--1" is minus minus one), as the server's lexer (and core's) reads it
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '-'
                        && (syntax != SqlScript.Syntax.MYSQL || i + 2 >= sql.length() || sql.charAt(i + 2) <= ' ')) {
                    return endOfLine(sql, i);
                }
                return -1;
            case '#':
                return syntax == SqlScript.Syntax.MYSQL ? endOfLine(sql, i) : -1;
            case '/':
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
                    return endOfBlockComment(sql, i, syntax == SqlScript.Syntax.POSTGRESQL);
                }
                return -1;
            case '$':
                return syntax == SqlScript.Syntax.MYSQL ? -1 : endOfDollarQuoted(sql, i);
            default:
                return -1;
        }
    }

    /** Whether {@code sql} holds nothing but white space and comments. */
    static boolean isBlank(String sql, SqlScript.Syntax syntax) {
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int end = skip(sql, i, syntax);
            boolean comment = end > 0 && (c == '-' || c == '#' || c == '/');
            if (!comment) {
                return false;
            }
            i = end;
        }
        return true;
    }

    private static boolean isEscapeStringPrefix(String sql, int quote) {
        if (quote == 0) {
            return false;
        }
        char p = sql.charAt(quote - 1);
        if (p != 'E' && p != 'e') {
            return false;
        }
        return quote - 2 < 0 || !isIdentifierPart(sql.charAt(quote - 2));
    }

    private static int endOfQuoted(String sql, int start, char quote, boolean backslashEscapes) {
        int i = start + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
                continue;
            }
            if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    private static int endOfLine(String sql, int start) {
        int nl = sql.indexOf('\n', start);
        return nl < 0 ? sql.length() : nl;
    }

    private static int endOfBlockComment(String sql, int start, boolean nested) {
        int depth = 1;
        int i = start + 2;
        while (i < sql.length()) {
            if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else if (nested && sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else {
                i++;
            }
        }
        return sql.length();
    }

    /** {@code $tag$ ... $tag$} with an empty tag or one that does not start with a digit. */
    private static int endOfDollarQuoted(String sql, int start) {
        if (start > 0 && isIdentifierPart(sql.charAt(start - 1))) {
            return -1; // part of an identifier such as a$b
        }
        int i = start + 1;
        if (i < sql.length() && Character.isDigit(sql.charAt(i))) {
            return -1; // $1 is a positional parameter
        }
        while (i < sql.length() && sql.charAt(i) != '$') {
            char c = sql.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) {
                return -1;
            }
            i++;
        }
        if (i >= sql.length()) {
            return -1;
        }
        String tag = sql.substring(start, i + 1);
        int close = sql.indexOf(tag, i + 1);
        return close < 0 ? sql.length() : close + tag.length();
    }

    static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
