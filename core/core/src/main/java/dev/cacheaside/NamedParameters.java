package dev.cacheaside;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns SQL written with named parameters ({@code :name}, as Spring's {@code DatabaseClient}
 * accepts them) into the positional form ({@code ?}) and its values in order, so that a named
 * query and the same query written with {@code ?} are one query with one cache key.
 *
 * <p>A marker is a {@code :} directly followed by a name ({@code [A-Za-z_][A-Za-z0-9_]*}) in code:
 * never inside a string, a quoted identifier or a comment, and never PostgreSQL's {@code ::type}
 * cast or an assignment {@code :=}. Every server setting that changes how text is lexed (see
 * {@link SqlLexer.Mode}) must find the same markers, so the rewrite never depends on a setting
 * the library cannot see. Stateless.
 */
final class NamedParameters {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** The positional SQL and its values. */
    record Positional(String sql, List<Object> values) {
    }

    private NamedParameters() {
    }

    /**
     * The positional form of {@code sql} with {@code values} bound by name.
     *
     * @throws IllegalArgumentException naming the problem: SQL that lexes differently by server
     *     setting, {@code ?} markers mixed with names, a name without a value, a value whose name
     *     is not in the SQL, or no marker at all
     */
    static Positional toPositional(String sql, Map<String, ?> values) {
        List<int[]> markers = null;   // {offset, length} of each ":name"
        for (SqlLexer.Mode mode : SqlLexer.Mode.values()) {
            List<int[]> found = markers(sql, mode);
            if (markers == null) {
                markers = found;
            } else if (!same(markers, found)) {
                throw new IllegalArgumentException("the named parameters of this SQL are not the same under every"
                        + " server setting (" + mode.description + " reads it differently: quotes, comments or"
                        + " backslashes); write it with ? markers instead");
            }
        }
        if (markers.isEmpty()) {
            throw new IllegalArgumentException("named parameters were given but the SQL has no :name marker"
                    + " outside quotes and comments");
        }
        if (SqlLexer.parameterCount(sql, SqlLexer.Mode.POSTGRESQL) > 0) {
            throw new IllegalArgumentException("the SQL mixes ? markers with :name markers; use one kind");
        }
        StringBuilder positional = new StringBuilder(sql.length());
        List<Object> ordered = new ArrayList<>(markers.size());
        Set<String> used = new LinkedHashSet<>();
        int at = 0;
        for (int[] m : markers) {
            String name = sql.substring(m[0] + 1, m[0] + m[1]);
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("no value for the named parameter :" + name
                        + " (names are case-sensitive; given: " + new java.util.TreeSet<>(values.keySet()) + ")");
            }
            positional.append(sql, at, m[0]).append('?');
            at = m[0] + m[1];
            ordered.add(values.get(name));
            used.add(name);
        }
        positional.append(sql, at, sql.length());
        if (used.size() != values.size()) {
            Set<String> unused = new java.util.TreeSet<>(values.keySet());
            unused.removeAll(used);
            throw new IllegalArgumentException("values given for names the SQL does not use: " + unused);
        }
        return new Positional(positional.toString(), ordered);
    }

    /** The {@code :name} markers {@code mode} finds in code, or a refusal when it cannot lex the text. */
    private static List<int[]> markers(String sql, SqlLexer.Mode mode) {
        List<SqlLexer.Token> tokens;
        try {
            tokens = SqlLexer.tokens(sql, mode);
        } catch (SqlLexer.LexException e) {
            throw new IllegalArgumentException("the SQL cannot be read under " + mode.description + ": "
                    + e.getMessage());
        }
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            SqlLexer.Token colon = tokens.get(i);
            SqlLexer.Token word = tokens.get(i + 1);
            if (colon.kind() != SqlLexer.Kind.SYMBOL || !colon.text().equals(":")
                    || word.kind() != SqlLexer.Kind.WORD || word.offset() != colon.offset() + 1) {
                continue;
            }
            boolean cast = i > 0 && tokens.get(i - 1).kind() == SqlLexer.Kind.SYMBOL
                    && tokens.get(i - 1).text().equals(":") && tokens.get(i - 1).offset() == colon.offset() - 1;
            String name = sql.substring(word.offset(), word.offset() + word.text().length());
            if (!cast && NAME.matcher(name).matches()) {
                out.add(new int[] {colon.offset(), 1 + name.length()});
            }
        }
        return out;
    }

    private static boolean same(List<int[]> a, List<int[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i)[0] != b.get(i)[0] || a.get(i)[1] != b.get(i)[1]) {
                return false;
            }
        }
        return true;
    }
}
