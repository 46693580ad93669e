package dev.cacheaside;

import dev.cacheaside.spi.SqlDialect;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether SQL text is one statement that only reads: the cache-aside path runs and caches
 * nothing else, and refuses everything else before anything is sent to the cache or the database.
 *
 * <p>The text is lexed as the database lexes it ({@link SqlLexer}); for a dialect whose lexing
 * depends on server settings, and for {@link SqlDialect#UNKNOWN}, every possible lexing must
 * accept it. Refused, each outside quotes and comments (MySQL's executable comments count as
 * code):
 * <ul>
 *   <li>more than one statement: any {@code ;} followed by more SQL (a trailing {@code ;} is fine);</li>
 *   <li>a first keyword other than {@code SELECT}, {@code WITH}, {@code VALUES}, {@code TABLE},
 *       {@code EXPLAIN} (and {@code SHOW} on MySQL/MariaDB);</li>
 *   <li>anywhere in the statement a keyword that writes, takes locks or runs other statements
 *       ({@link #REFUSED_WORDS}): data-modifying CTEs at any depth, {@code SELECT ... INTO},
 *       {@code INTO OUTFILE}, every locking clause ({@code FOR UPDATE}, {@code FOR NO KEY UPDATE},
 *       {@code FOR SHARE}, {@code FOR KEY SHARE}, {@code LOCK IN SHARE MODE}, {@code NOWAIT},
 *       {@code SKIP LOCKED}), {@code EXPLAIN ANALYZE}; {@code INSERT(...)} and
 *       {@code REPLACE(...)} as MySQL string functions, and {@code CHARACTER SET}, are allowed;</li>
 *   <li>unless allowed, calls of functions known to change state ({@link #STATE_FUNCTIONS}:
 *       sequences, large-object writes, advisory and named locks, and a few more), quoted or not,
 *       schema-qualified or not, and {@code NEXT VALUE FOR};</li>
 *   <li>a quote or comment that is not closed, and a comment opened inside a comment where the
 *       server does not nest them (servers differ there);</li>
 *   <li>on H2 (and so for an unknown dialect), any {@code ;} but a final one, even inside quotes or
 *       comments: the H2 R2DBC driver splits the text at every {@code ;} and runs each part.</li>
 * </ul>
 * Words are matched whole, so a column named {@code updated_at} is fine; one named
 * {@code share} or {@code set} must be quoted.
 */
final class ReadOnlySql {

    /** First keywords of a read. */
    private static final Set<String> READS = Set.of("SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN");

    /** Words refused anywhere outside quotes and comments, with why. */
    static final Map<String, String> REFUSED_WORDS = refusedWords();

    /** Functions that change state, lower case; a name ending in {@code *} is a prefix. */
    static final Set<String> STATE_FUNCTIONS = Set.of(
            // sequences (PostgreSQL, MariaDB, H2)
            "nextval", "setval",
            // PostgreSQL large objects that write
            "lo_import", "lo_export", "lo_create", "lo_creat", "lo_unlink", "lowrite", "lo_put",
            "lo_from_bytea", "lo_truncate", "lo_truncate64",
            // advisory and named locks
            "pg_advisory_*", "pg_try_advisory_*", "get_lock", "release_lock", "release_all_locks",
            // PostgreSQL functions that act on the server or run other SQL
            "set_config", "pg_notify", "dblink", "dblink_exec", "pg_terminate_backend",
            "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_switch_wal",
            "pg_create_restore_point", "pg_stat_reset*", "pg_logical_emit_message",
            "pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
            "pg_drop_replication_slot", "pg_promote", "pg_file_write", "query_to_xml",
            "query_to_xmlschema", "query_to_xml_and_xmlschema",
            // H2 functions that write files or link tables
            "csvwrite", "file_write", "link_schema");

    private ReadOnlySql() {
    }

    private static Map<String, String> refusedWords() {
        Map<String, String> m = new HashMap<>();
        for (String w : List.of("INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "TRUNCATE")) {
            m.put(w, "writes rows (also inside a CTE or a subquery)");
        }
        for (String w : List.of("DROP", "CREATE", "ALTER", "GRANT", "REVOKE")) {
            m.put(w, "changes the schema or permissions");
        }
        for (String w : List.of("CALL", "DO", "EXECUTE", "PREPARE", "COPY")) {
            m.put(w, "runs a procedure, other statements or a bulk load");
        }
        m.put("SET", "changes settings or variables");
        m.put("INTO", "SELECT ... INTO writes a table, variables or a file");
        m.put("OUTFILE", "writes a file");
        m.put("DUMPFILE", "writes a file");
        m.put("LOCK", "takes locks");
        m.put("UNLOCK", "releases locks");
        m.put("SHARE", "takes row locks (FOR SHARE, FOR KEY SHARE, LOCK IN SHARE MODE)");
        m.put("NOWAIT", "belongs to a locking clause");
        m.put("LOCKED", "belongs to a locking clause (SKIP LOCKED)");
        m.put("ANALYZE", "EXPLAIN ANALYZE runs the statement");
        m.put("ANALYSE", "EXPLAIN ANALYSE runs the statement");
        m.put("VACUUM", "maintains tables");
        m.put("REFRESH", "refreshes a materialized view");
        m.put("NOTIFY", "sends a notification");
        return Map.copyOf(m);
    }

    /** The outcome of the check for one text: refused (with why) or a read with its bind markers. */
    static final class Verdict {
        /** Why the text is refused, or null. */
        final String refusal;
        /** The {@code ?} markers in the text as the dialect counts them; -1 when unknown. */
        final int parameters;

        Verdict(String refusal, int parameters) {
            this.refusal = refusal;
            this.parameters = parameters;
        }

        /**
         * Throws when the text is refused or {@code given} parameters do not match its markers.
         *
         * @throws IllegalArgumentException naming what was refused and why, or both counts
         */
        void require(int given) {
            if (refusal != null) {
                throw new IllegalArgumentException(refusal);
            }
            if (parameters >= 0 && parameters != given) {
                throw new IllegalArgumentException(mismatch(parameters, given));
            }
        }
    }

    static String mismatch(int expected, int given) {
        return "the SQL has " + expected + " bind marker" + (expected == 1 ? "" : "s") + " (?) but " + given
                + " parameter" + (given == 1 ? " was" : "s were") + " given";
    }

    /**
     * Checks {@code sql} for {@code dialect}, state-changing functions refused.
     *
     * @throws IllegalArgumentException naming what was refused and why
     */
    static void check(String sql, SqlDialect dialect) {
        Verdict verdict = verdict(sql, dialect, false);
        if (verdict.refusal != null) {
            throw new IllegalArgumentException(verdict.refusal);
        }
    }

    /**
     * Checks {@code sql} as a read for {@code dialect}; never throws.
     *
     * @param allowStateFunctions whether calls of {@link #STATE_FUNCTIONS} are allowed
     */
    static Verdict verdict(String sql, SqlDialect dialect, boolean allowStateFunctions) {
        List<SqlLexer.Mode> modes = SqlLexer.modes(dialect);
        for (SqlLexer.Mode mode : modes) {
            String refusal = refusal(sql, mode, allowStateFunctions);
            if (refusal != null) {
                String how = modes.size() == 1 || mode == modes.get(0) ? "" : " (when read as " + mode.description + ")";
                return new Verdict("only reads are cached, one statement at a time; refused: " + refusal + how
                        + "; nothing was sent to the cache or the database", -1);
            }
        }
        int parameters = dialect == SqlDialect.UNKNOWN ? agreedParameterCount(sql)
                : SqlLexer.parameterCount(sql, modes.get(0));
        return new Verdict(null, parameters);
    }

    /**
     * The number of {@code ?} markers in {@code sql} when PostgreSQL, MySQL and H2 all lex it and
     * agree on it; otherwise -1 (the database's own lexing decides later).
     */
    static int agreedParameterCount(String sql) {
        int pg = SqlLexer.parameterCount(sql, SqlLexer.Mode.POSTGRESQL);
        if (pg < 0 || pg != SqlLexer.parameterCount(sql, SqlLexer.Mode.MYSQL)
                || pg != SqlLexer.parameterCount(sql, SqlLexer.Mode.H2)) {
            return -1;
        }
        return pg;
    }

    /** Why {@code mode}'s lexing of {@code sql} is not one read, or null when it is. */
    private static String refusal(String sql, SqlLexer.Mode mode, boolean allowStateFunctions) {
        if (mode.isH2()) {
            int semicolon = sql.indexOf(';');
            if (semicolon >= 0 && semicolon != sql.stripTrailing().length() - 1) {
                return "a ';' at offset " + semicolon + " that does not end the text (the H2 R2DBC driver cuts the "
                        + "text at every ';', even inside quotes and comments, and runs each part)";
            }
        }
        List<SqlLexer.Token> tokens;
        try {
            tokens = SqlLexer.tokens(sql, mode);
        } catch (SqlLexer.LexException e) {
            return e.getMessage();
        }
        int end = tokens.size();
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).isSymbol(';')) {
                if (i + 1 < tokens.size()) {
                    return "more than one statement: the ';' at offset " + tokens.get(i).offset()
                            + " is followed by more SQL";
                }
                end = i;
            }
        }
        int first = 0;
        while (first < end && tokens.get(first).isSymbol('(')) {
            first++;
        }
        if (first >= end) {
            return "the text holds no statement, only comments or punctuation";
        }
        SqlLexer.Token head = tokens.get(first);
        boolean show = head.is("SHOW") && mode.isMySql();
        if (head.kind() != SqlLexer.Kind.WORD || !(READS.contains(head.text()) || show)) {
            return "the statement starts with " + describe(head) + ", not SELECT, WITH, VALUES, TABLE or EXPLAIN"
                    + (mode.isMySql() ? " or SHOW" : "") + "; run writes with update() or transaction()";
        }
        for (int i = first; i < end; i++) {
            SqlLexer.Token t = tokens.get(i);
            SqlLexer.Token next = i + 1 < end ? tokens.get(i + 1) : null;
            boolean call = next != null && next.isSymbol('(');
            if (t.kind() == SqlLexer.Kind.WORD) {
                String why = REFUSED_WORDS.get(t.text());
                if (t.is("UPDATE") && i > 0 && (tokens.get(i - 1).is("FOR") || tokens.get(i - 1).is("KEY"))) {
                    why = "takes row locks (FOR UPDATE, FOR NO KEY UPDATE)";
                }
                if (why != null && !allowed(tokens, i, call)) {
                    return t.text() + " at offset " + t.offset() + " (" + why + ")";
                }
                if (!allowStateFunctions && t.is("NEXT") && next != null && next.is("VALUE")
                        && i + 2 < end && tokens.get(i + 2).is("FOR")) {
                    return "NEXT VALUE FOR at offset " + t.offset() + " (advances a sequence; "
                            + "allow with CacheAsideOptions.allowStateChangingFunctions, and do not cache it)";
                }
            }
            if (!allowStateFunctions && call && t.isIdentifier()) {
                String name = t.text().toLowerCase(Locale.ROOT);
                boolean lastInsertIdSet = name.equals("last_insert_id") && i + 2 < end && !tokens.get(i + 2).isSymbol(')');
                if (isStateFunction(name) || lastInsertIdSet) {
                    return "the function " + t.text().toLowerCase(Locale.ROOT) + "() at offset " + t.offset()
                            + " (it changes state: a cached result would replay an old value and skip the change; "
                            + "allow with CacheAsideOptions.allowStateChangingFunctions)";
                }
            }
        }
        return null;
    }

    /** The exceptions to {@link #REFUSED_WORDS}: MySQL's INSERT() and REPLACE() functions, CHARACTER SET. */
    private static boolean allowed(List<SqlLexer.Token> tokens, int i, boolean call) {
        String w = tokens.get(i).text();
        if ((w.equals("INSERT") || w.equals("REPLACE")) && call) {
            return true;
        }
        if (w.equals("SET") && i > 0) {
            SqlLexer.Token previous = tokens.get(i - 1);
            return previous.is("CHARACTER") || previous.is("CHAR");
        }
        return false;
    }

    static boolean isStateFunction(String name) {
        if (STATE_FUNCTIONS.contains(name)) {
            return true;
        }
        for (String f : STATE_FUNCTIONS) {
            if (f.endsWith("*") && name.startsWith(f.substring(0, f.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    private static String describe(SqlLexer.Token t) {
        switch (t.kind()) {
            case WORD:
                return t.text();
            case QUOTED:
                return "the quoted identifier \"" + t.text() + "\"";
            case STRING:
                return "a string literal";
            case PARAMETER:
                return "a bind marker";
            default:
                return "'" + t.text() + "'";
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
