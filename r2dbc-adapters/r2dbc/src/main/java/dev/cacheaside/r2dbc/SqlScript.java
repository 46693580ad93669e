package dev.cacheaside.r2dbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Splits the text of a SQL script into its statements at each {@code ;}.
 *
 * <p>A semicolon does not split inside a single-quoted string ({@code ''} escapes a quote), a
 * double-quoted identifier, a backtick-quoted identifier, a {@code --} line comment, a
 * {@code /* *}{@code /} block comment, or a PostgreSQL dollar-quoted string ({@code $$...$$},
 * {@code $tag$...$tag$}). Statements come back trimmed, without their closing semicolon, in file
 * order; a statement that holds only white space and comments is dropped. Comments inside a
 * statement stay as they are.
 *
 * <p>Not understood: the {@code DELIMITER} command of the mysql client and {@code psql}
 * meta-commands ({@code \i}, {@code \copy}); a script must use plain {@code ;}.
 *
 * <p>Stateless and thread safe; never returns null.
 */
public final class SqlScript {

    /** Which lexical rules of quoting and comments apply. */
    public enum Syntax {
        /**
         * Standard SQL, also right for H2 and for portable scripts: no backslash escapes, block
         * comments do not nest, dollar quoting understood.
         */
        STANDARD,
        /**
         * MySQL and MariaDB: a backslash escapes the next character inside quotes, {@code #}
         * starts a line comment, {@code $} is an ordinary character.
         */
        MYSQL,
        /**
         * PostgreSQL: backslash escapes only inside {@code E'...'} strings, block comments nest,
         * dollar quoting understood.
         */
        POSTGRESQL
    }

    private SqlScript() {
    }

    /** The statements of {@code script} under {@link Syntax#STANDARD} rules. */
    public static List<String> split(String script) {
        return split(script, Syntax.STANDARD);
    }

    /**
     * The statements of {@code script} under the given rules.
     *
     * @param script the whole text of the script, never null
     * @param syntax the lexical rules, never null
     * @return the statements, trimmed, without semicolons; unmodifiable
     */
    public static List<String> split(String script, Syntax syntax) {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(syntax, "syntax");
        List<String> statements = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            if (c == ';') {
                add(statements, script.substring(start, i), syntax);
                start = ++i;
                continue;
            }
            int end = SqlLexer.skip(script, i, syntax);
            i = end > i ? end : i + 1;
        }
        add(statements, script.substring(start), syntax);
        return List.copyOf(statements);
    }

    private static void add(List<String> statements, String text, Syntax syntax) {
        String trimmed = text.strip();
        if (!trimmed.isEmpty() && !SqlLexer.isBlank(trimmed, syntax)) {
            statements.add(trimmed);
        }
    }
}
