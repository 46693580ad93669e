package dev.cacheaside;

import dev.cacheaside.spi.SqlDialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits SQL text into tokens the way one database's lexer does: what is a quoted string, a
 * quoted identifier, a comment or code. Comments are dropped; MySQL's executable comments
 * ({@code /*! ... *}{@code /}, MariaDB's {@code /*M! ... *}{@code /}) are code, since the server runs
 * them. Stateless.
 *
 * <p>A database's lexing can depend on its settings (PostgreSQL's
 * {@code standard_conforming_strings}, MySQL's {@code NO_BACKSLASH_ESCAPES} and
 * {@code ANSI_QUOTES}), so each dialect maps to the {@link Mode modes} its server may be in; a
 * caller that must be safe requires every mode to agree.
 */
final class SqlLexer {

    /** One way a server may lex: which quotes take backslash escapes, which comments exist. */
    enum Mode {
        /** PostgreSQL with {@code standard_conforming_strings} on (the default since 9.1). */
        POSTGRESQL("PostgreSQL", false, false, false, true),
        /** PostgreSQL with {@code standard_conforming_strings} off: {@code \} escapes in {@code '...'}. */
        POSTGRESQL_BACKSLASH("PostgreSQL with standard_conforming_strings off", true, false, false, true),
        /** MySQL and MariaDB by default: {@code \} escapes in {@code '...'} and {@code "..."} strings. */
        MYSQL("MySQL/MariaDB", true, true, false, false),
        /** MySQL with {@code ANSI_QUOTES}: {@code "..."} is an identifier, without escapes. */
        MYSQL_ANSI_QUOTES("MySQL/MariaDB with ANSI_QUOTES", true, false, true, false),
        /** MySQL with {@code NO_BACKSLASH_ESCAPES}. */
        MYSQL_NO_BACKSLASH("MySQL/MariaDB with NO_BACKSLASH_ESCAPES", false, false, false, false),
        /** H2. */
        H2("H2", false, false, true, false);

        final String description;
        final boolean singleQuoteBackslash;
        final boolean doubleQuoteBackslash;
        /** MySQL only: whether {@code "..."} is an identifier rather than a string. */
        final boolean doubleQuoteIdentifier;
        final boolean nestedComments;

        Mode(String description, boolean singleQuoteBackslash, boolean doubleQuoteBackslash,
                boolean doubleQuoteIdentifier, boolean nestedComments) {
            this.description = description;
            this.singleQuoteBackslash = singleQuoteBackslash;
            this.doubleQuoteBackslash = doubleQuoteBackslash;
            this.doubleQuoteIdentifier = doubleQuoteIdentifier;
            this.nestedComments = nestedComments;
        }

        boolean isPostgres() {
            return this == POSTGRESQL || this == POSTGRESQL_BACKSLASH;
        }

        boolean isMySql() {
            return this == MYSQL || this == MYSQL_ANSI_QUOTES || this == MYSQL_NO_BACKSLASH;
        }

        boolean isH2() {
            return this == H2;
        }
    }

    /** The kinds of token. */
    enum Kind {
        /** An unquoted word: keyword, identifier or number; its text upper-cased. */
        WORD,
        /** A quoted identifier; its text is what is inside the quotes. */
        QUOTED,
        /** A string literal (also dollar-quoted); its text is not kept. */
        STRING,
        /** A {@code ?} bind marker. */
        PARAMETER,
        /** Any other character, or PostgreSQL's {@code ??} (a literal question mark). */
        SYMBOL
    }

    /** One token: its kind, text (see {@link Kind}) and where it starts. */
    record Token(Kind kind, String text, int offset) {

        boolean is(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isSymbol(char c) {
            return kind == Kind.SYMBOL && text.length() == 1 && text.charAt(0) == c;
        }

        boolean isIdentifier() {
            return kind == Kind.WORD || kind == Kind.QUOTED;
        }
    }

    /** Text that no server of the mode would lex as intended (an unterminated quote or comment). */
    static final class LexException extends Exception {
        private static final long serialVersionUID = 1L;

        LexException(String message) {
            super(message, null, false, false);
        }
    }

    private static final List<Mode> POSTGRESQL_MODES = List.of(Mode.POSTGRESQL, Mode.POSTGRESQL_BACKSLASH);
    private static final List<Mode> MYSQL_MODES = List.of(Mode.MYSQL, Mode.MYSQL_ANSI_QUOTES, Mode.MYSQL_NO_BACKSLASH);
    private static final List<Mode> H2_MODES = List.of(Mode.H2);
    private static final List<Mode> ALL_MODES = List.of(Mode.values());

    private SqlLexer() {
    }

    /** The modes a server of {@code dialect} may be in; the first is its default. */
    static List<Mode> modes(SqlDialect dialect) {
        switch (dialect) {
            case POSTGRESQL:
                return POSTGRESQL_MODES;
            case MYSQL:
                return MYSQL_MODES;
            case H2:
                return H2_MODES;
            default:
                return ALL_MODES;
        }
    }

    /**
     * The tokens of {@code sql} as {@code mode} lexes it, comments left out.
     *
     * @throws LexException when a quote or comment is not closed, or a comment is ambiguous (a
     *     {@code /*} inside a comment where the server does not nest them)
     */
    static List<Token> tokens(String sql, Mode mode) throws LexException {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        boolean executable = false; // inside MySQL's /*! ... */
        while (i < n) {
            char c = sql.charAt(i);
            char next = i + 1 < n ? sql.charAt(i + 1) : 0;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && next == '-'
                    && (!mode.isMySql() || i + 2 >= n || sql.charAt(i + 2) <= ' ')) {
                i = endOfLine(sql, i);
            } else if (c == '#' && mode.isMySql()) {
                i = endOfLine(sql, i);
            } else if (c == '/' && next == '/' && mode.isH2()) {
                i = endOfLine(sql, i);
            } else if (c == '/' && next == '*') {
                if (executable) {
                    throw new LexException("a comment starts inside an executable comment at offset " + i);
                }
                if (mode.isMySql() && (sql.startsWith("/*!", i) || sql.startsWith("/*M!", i))) {
                    executable = true;
                    i += sql.charAt(i + 2) == '!' ? 3 : 4;
                    while (i < n && Character.isDigit(sql.charAt(i))) {
                        i++; // the version the code is conditional on
                    }
                } else {
                    i = endOfBlockComment(sql, i, mode);
                }
            } else if (c == '*' && next == '/' && executable) {
                executable = false;
                i += 2;
            } else if (c == '\'') {
                boolean escapes = mode.singleQuoteBackslash || (mode.isPostgres() && isEscapeStringPrefix(out, i));
                i = endOfQuoted(sql, i, '\'', escapes);
                out.add(new Token(Kind.STRING, "", i));
            } else if (c == '"') {
                int start = i;
                if (mode.isMySql() && !mode.doubleQuoteIdentifier) {
                    i = endOfQuoted(sql, i, '"', mode.doubleQuoteBackslash);
                    out.add(new Token(Kind.STRING, "", start));
                } else {
                    i = endOfQuoted(sql, i, '"', false);
                    out.add(new Token(Kind.QUOTED, unquote(sql, start, i, '"'), start));
                }
            } else if (c == '`' && !mode.isPostgres()) {
                int start = i;
                i = endOfQuoted(sql, i, '`', false);
                out.add(new Token(Kind.QUOTED, unquote(sql, start, i, '`'), start));
            } else if (c == '$' && mode.isPostgres() && dollarTagEnd(sql, i) > 0) {
                int start = i;
                int tagEnd = dollarTagEnd(sql, i);
                String tag = sql.substring(i, tagEnd);
                int close = sql.indexOf(tag, tagEnd);
                if (close < 0) {
                    throw new LexException("the dollar-quoted string " + tag + " at offset " + start + " is not closed");
                }
                i = close + tag.length();
                out.add(new Token(Kind.STRING, "", start));
            } else if (c == '$' && next == '$' && mode.isH2()) {
                int start = i;
                int close = sql.indexOf("$$", i + 2);
                if (close < 0) {
                    throw new LexException("the $$ string at offset " + start + " is not closed");
                }
                i = close + 2;
                out.add(new Token(Kind.STRING, "", start));
            } else if (isWordStart(c, mode)) {
                int start = i;
                while (i < n && isWordPart(sql.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.WORD, sql.substring(start, i).toUpperCase(Locale.ROOT), start));
            } else if (c == '?') {
                if (mode.isPostgres() && next == '?') {
                    out.add(new Token(Kind.SYMBOL, "??", i));
                    i += 2;
                } else {
                    out.add(new Token(Kind.PARAMETER, "?", i));
                    i++;
                }
            } else {
                out.add(new Token(Kind.SYMBOL, String.valueOf(c), i));
                i++;
            }
        }
        if (executable) {
            throw new LexException("an executable comment /*! is not closed");
        }
        return out;
    }

    /** The number of {@code ?} bind markers in {@code sql} as {@code mode} lexes it; -1 when it cannot. */
    static int parameterCount(String sql, Mode mode) {
        try {
            int count = 0;
            for (Token t : tokens(sql, mode)) {
                if (t.kind() == Kind.PARAMETER) {
                    count++;
                }
            }
            return count;
        } catch (LexException e) {
            return -1;
        }
    }

    private static boolean isWordStart(char c, Mode mode) {
        return Character.isLetterOrDigit(c) || c == '_' || c > 0x7f || (c == '$' && !mode.isPostgres());
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 0x7f;
    }

    /** PostgreSQL's {@code E'...'}: the previous token is the word {@code E} right before the quote. */
    private static boolean isEscapeStringPrefix(List<Token> out, int quote) {
        if (out.isEmpty()) {
            return false;
        }
        Token last = out.get(out.size() - 1);
        return last.is("E") && last.offset() + 1 == quote;
    }

    /** The end of PostgreSQL's {@code $tag$} starting at {@code i}, or -1 when none starts there. */
    private static int dollarTagEnd(String sql, int i) {
        int j = i + 1;
        if (j < sql.length() && Character.isDigit(sql.charAt(j))) {
            return -1; // $1 is a positional parameter
        }
        while (j < sql.length()) {
            char c = sql.charAt(j);
            if (c == '$') {
                return j + 1;
            }
            if (!(Character.isLetterOrDigit(c) || c == '_' || c > 0x7f)) {
                return -1;
            }
            j++;
        }
        return -1;
    }

    private static int endOfQuoted(String sql, int start, char quote, boolean backslashEscapes) throws LexException {
        int i = start + 1;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
                continue;
            }
            if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        throw new LexException("the " + quote + " quote at offset " + start + " is not closed");
    }

    private static String unquote(String sql, int start, int end, char quote) {
        String inner = sql.substring(start + 1, end - 1);
        return inner.replace(String.valueOf(quote) + quote, String.valueOf(quote));
    }

    private static int endOfLine(String sql, int start) {
        int nl = sql.indexOf('\n', start);
        return nl < 0 ? sql.length() : nl + 1;
    }

    private static int endOfBlockComment(String sql, int start, Mode mode) throws LexException {
        int depth = 1;
        int i = start + 2;
        int n = sql.length();
        while (i < n) {
            if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else if (sql.startsWith("/*", i)) {
                if (!mode.nestedComments) {
                    // servers differ (and have changed) on nested comments: do not guess
                    throw new LexException("a comment opens inside the comment at offset " + start);
                }
                depth++;
                i += 2;
            } else {
                i++;
            }
        }
        throw new LexException("the comment at offset " + start + " is not closed");
    }
}
