package dev.cacheaside;

import dev.cacheaside.internal.ParameterTypes;
import dev.cacheaside.internal.TableNames;
import dev.cacheaside.internal.TextMemo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One SQL query with its bind parameters and how to cache it: an immutable value.
 *
 * <p>Parameters are written {@code ?} in the SQL, in order, on every database. Each parameter
 * must be {@code null} or one of String, Integer, Long, Short, Byte, Boolean, Double, Float,
 * BigDecimal, BigInteger, LocalDate, LocalTime, LocalDateTime, OffsetDateTime, OffsetTime,
 * ZonedDateTime, Instant, UUID or byte[]. Everything is checked when the value is made, so a
 * bad query fails at the call with an {@link IllegalArgumentException} that says what is wrong.
 */
public final class Query {

    /** The {@code ?} markers of each SQL text on which every dialect agrees, or -1. */
    private static final TextMemo<Integer> MARKERS = new TextMemo<>(10_000, ReadOnlySql::agreedParameterCount);

    private final String sql;
    private final List<Object> parameters;
    private final Duration ttl;
    private final boolean forceRefresh;
    private final Set<String> tables;

    private Query(String sql, List<Object> parameters, Duration ttl, boolean forceRefresh, Set<String> tables) {
        this.sql = sql;
        this.parameters = parameters;
        this.ttl = ttl;
        this.forceRefresh = forceRefresh;
        this.tables = tables;
    }

    /**
     * A query with the default TTL.
     *
     * @param sql        the SQL text; not null or blank
     * @param parameters the values bound to the {@code ?} placeholders, in order; a null array
     *                   means none
     * @throws IllegalArgumentException when the SQL is null or blank, a parameter is of an
     *     unsupported type, or the number of parameters differs from the {@code ?} markers
     *     outside quotes and comments (checked here when PostgreSQL, MySQL and H2 lexing agree on
     *     the count, otherwise by {@link CacheAside#query(Query)} in its database's dialect)
     */
    public static Query of(String sql, Object... parameters) {
        return of(sql, parameters == null || parameters.length == 0 ? List.of() : Arrays.asList(parameters));
    }

    /** Like {@link #of(String, Object...)} with the parameters as a list. */
    public static Query of(String sql, List<?> parameters) {
        checkSql(sql);
        // no parameters (the common case) shares the one empty list: nothing to check or copy
        List<Object> checked = parameters == null || parameters.isEmpty() ? List.of() : checkParameters(parameters);
        int expected = MARKERS.get(sql);
        if (expected >= 0 && expected != checked.size()) {
            throw new IllegalArgumentException(ReadOnlySql.mismatch(expected, checked.size()));
        }
        return new Query(sql, checked, null, false, Set.of());
    }

    /**
     * A query written with named parameters ({@code :name}, as Spring's {@code DatabaseClient}
     * takes them), the same query as its positional form: {@code Query.named("... WHERE id = :id",
     * Map.of("id", 7))} has the SQL {@code "... WHERE id = ?"}, the parameters {@code [7]} and so
     * the cache key of {@code Query.of("... WHERE id = ?", 7)}. A name used twice binds its value
     * twice. Markers inside strings, quoted identifiers and comments, and PostgreSQL's
     * {@code ::type} casts, are not parameters.
     *
     * @param parameters each name's value (names are case-sensitive); null values are allowed
     * @throws IllegalArgumentException when the SQL is null or blank, reads differently under
     *     some server setting, mixes {@code ?} with names, has no marker, a name has no value, a
     *     value's name is not used, or a value is of an unsupported type
     */
    public static Query named(String sql, Map<String, ?> parameters) {
        checkSql(sql);
        if (parameters == null) {
            throw new IllegalArgumentException("parameters must not be null (use Query.of for SQL without parameters)");
        }
        NamedParameters.Positional positional = NamedParameters.toPositional(sql, parameters);
        return of(positional.sql(), positional.values());
    }

    /**
     * This query with its own time to live instead of the default.
     *
     * @throws IllegalArgumentException when {@code ttl} is null, zero or negative
     */
    public Query withTtl(Duration ttl) {
        return new Query(sql, parameters, checkTtl(ttl), forceRefresh, tables);
    }

    /**
     * This query set to skip the cache read: the database is asked and the entry overwritten;
     * the result reports {@link Source#CACHE_MISS}.
     */
    public Query withForceRefresh() {
        return new Query(sql, parameters, ttl, true, tables);
    }

    /**
     * This query declared to read (or, for a write, to write) {@code tables}, in addition to the
     * tables the parser finds in its SQL: for SQL the parser cannot read (vendor syntax, a view
     * or a function that reads other tables), so that invalidating those tables reaches it.
     *
     * @throws IllegalArgumentException when a name is null or blank
     */
    public Query withTables(String... tables) {
        Set<String> names = new LinkedHashSet<>(this.tables);
        for (String table : tables) {
            if (table == null || table.isBlank()) {
                throw new IllegalArgumentException("table names must not be null or blank");
            }
            names.add(TableNames.normalize(table));
        }
        return new Query(sql, parameters, ttl, forceRefresh, Collections.unmodifiableSet(names));
    }

    /** The SQL text. */
    public String sql() {
        return sql;
    }

    /** The bind parameters, unmodifiable; elements may be null. */
    public List<Object> parameters() {
        return parameters;
    }

    /** This query's own time to live, or {@code null} for the default. */
    public Duration ttl() {
        return ttl;
    }

    /** The tables declared with {@link #withTables}, normalised; usually empty. */
    public Set<String> tables() {
        return tables;
    }

    /** Whether the cache read is skipped. */
    public boolean forceRefresh() {
        return forceRefresh;
    }

    static Duration checkTtl(Duration ttl) {
        if (ttl == null) {
            throw new IllegalArgumentException("ttl must not be null");
        }
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, was " + ttl);
        }
        return ttl;
    }

    private static String checkSql(String sql) {
        if (sql == null) {
            throw new IllegalArgumentException("sql must not be null");
        }
        if (sql.isBlank()) {
            throw new IllegalArgumentException("sql must not be blank");
        }
        return sql;
    }

    private static List<Object> checkParameters(List<?> parameters) {
        List<Object> copy = new ArrayList<>(parameters.size());
        for (int i = 0; i < parameters.size(); i++) {
            Object p = parameters.get(i);
            if (!ParameterTypes.isSupported(p)) {
                throw new IllegalArgumentException("parameter " + (i + 1) + " is a "
                        + p.getClass().getName() + ", which is not supported; use one of "
                        + ParameterTypes.supportedNames());
            }
            copy.add(p instanceof byte[] ? ((byte[]) p).clone() : p);
        }
        return Collections.unmodifiableList(copy);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Query)) {
            return false;
        }
        Query q = (Query) o;
        return sql.equals(q.sql) && forceRefresh == q.forceRefresh && Objects.equals(ttl, q.ttl)
                && Arrays.deepEquals(parameters.toArray(), q.parameters.toArray());
    }

    @Override
    public int hashCode() {
        return Objects.hash(sql, Arrays.deepHashCode(parameters.toArray()), ttl, forceRefresh);
    }

    @Override
    public String toString() {
        return "Query[" + sql + (parameters.isEmpty() ? "" : ", " + parameters.size() + " parameters")
                + (ttl == null ? "" : ", ttl=" + ttl) + (forceRefresh ? ", forceRefresh" : "") + "]";
    }
}
