package dev.cacheaside.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * The tables a statement reads or writes, found with JSqlParser: joins, subqueries and CTEs
 * included (a CTE's own name is not a table).
 *
 * <p>Names are compared without schema, quotes or case: {@code public."Booking"},
 * {@code `booking`} and {@code BOOKING} are all {@code booking}. That may invalidate more than
 * needed (two schemas with a table of one name, or PostgreSQL's case-sensitive quoted names), never
 * less, so no entry stays stale. Results are remembered per SQL text (up to 10,000 texts).
 *
 * <p>The parser runs on the calling thread and starts no thread of its own (JSqlParser's
 * {@code CCJSqlParserUtil} runs each parse on an executor and waits on a {@code Future}, which
 * would block an event loop). Instead the input is bounded: a text longer than
 * {@value #MAX_PARSED_CHARS} characters is not parsed (its tables are unknown), and the slower
 * "complex" grammar is only tried on texts up to {@value #MAX_COMPLEX_CHARS} characters.
 */
public final class TableNames {

    private static final int MAX_REMEMBERED = 10_000;
    /** Longest text parsed at all. */
    public static final int MAX_PARSED_CHARS = 16_384;
    /** Longest text for which JSqlParser's slower complex grammar is tried. */
    public static final int MAX_COMPLEX_CHARS = 4_096;
    private static final Map<String, Set<String>> REMEMBERED = new ConcurrentHashMap<>();
    private static final Set<String> UNKNOWN = Collections.emptySet();

    private TableNames() {
    }

    /**
     * The normalised names of the tables {@code sql} touches; an empty set when the parser cannot
     * read the statement (the caller then relies on tables declared with the query).
     */
    public static Set<String> of(String sql) {
        Set<String> known = REMEMBERED.get(sql);
        if (known != null) {
            return known;
        }
        Set<String> tables;
        try {
            Statement statement = parse(sql);
            if (statement == null) {
                tables = UNKNOWN;
            } else {
                tables = new LinkedHashSet<>();
                for (String name : new TablesNamesFinder<Void>().getTables(statement)) {
                    tables.add(normalize(name));
                }
                tables = Collections.unmodifiableSet(tables);
            }
        } catch (RuntimeException | StackOverflowError e) {
            tables = UNKNOWN;
        }
        if (REMEMBERED.size() >= MAX_REMEMBERED) {
            REMEMBERED.clear();
        }
        REMEMBERED.put(sql, tables);
        return tables;
    }

    /**
     * Parses one statement on the calling thread, first with JSqlParser's simple grammar and then,
     * for short texts, with its complex one (as {@code CCJSqlParserUtil.parse} does, without its
     * executor); {@code null} when neither reads it or the text is too long.
     */
    public static Statement parse(String sql) {
        if (sql.length() > MAX_PARSED_CHARS) {
            return null;
        }
        try {
            return new CCJSqlParser(new StringProvider(sql)).withAllowComplexParsing(false).Statement();
        } catch (Exception | StackOverflowError e) {
            // try the complex grammar below
        }
        if (sql.length() > MAX_COMPLEX_CHARS) {
            return null;
        }
        try {
            return new CCJSqlParser(new StringProvider(sql)).withAllowComplexParsing(true).Statement();
        } catch (Exception | StackOverflowError e) {
            return null;
        }
    }

    /** {@code schema.Table}, {@code "Table"}, {@code `table`}, {@code [table]} all become {@code table}. */
    public static String normalize(String name) {
        String n = name.trim();
        int dot = lastDotOutsideQuotes(n);
        if (dot >= 0) {
            n = n.substring(dot + 1);
        }
        if (n.length() >= 2) {
            char first = n.charAt(0);
            char last = n.charAt(n.length() - 1);
            if ((first == '"' && last == '"') || (first == '`' && last == '`') || (first == '[' && last == ']')) {
                n = n.substring(1, n.length() - 1);
            }
        }
        if (n.isEmpty()) {
            throw new IllegalArgumentException("table name must not be blank, was '" + name + "'");
        }
        return n.toLowerCase(Locale.ROOT);
    }

    /** The key under which the entries that read {@code table} are registered. */
    public static String tagKey(String keyPrefix, String table) {
        boolean plain = table.length() <= 120;
        for (int i = 0; plain && i < table.length(); i++) {
            char ch = table.charAt(i);
            plain = ch > ' ' && ch <= '~';
        }
        String id = plain ? table : sha256(table);
        return keyPrefix + "table:" + id;
    }

    private static int lastDotOutsideQuotes(String name) {
        char quote = 0;
        int last = -1;
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (quote != 0) {
                if (ch == quote || (quote == '[' && ch == ']')) {
                    quote = 0;
                }
            } else if (ch == '"' || ch == '`' || ch == '[') {
                quote = ch;
            } else if (ch == '.') {
                last = i;
            }
        }
        return last;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
