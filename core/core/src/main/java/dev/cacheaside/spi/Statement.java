package dev.cacheaside.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One SQL statement for a {@link QueryExecutor}: its text and the values bound to its {@code ?}
 * placeholders, in order.
 *
 * <p>Immutable and thread safe. The parameters are copied into an unmodifiable list; an element
 * may be {@code null} (a SQL NULL).
 */
public final class Statement {

    private final String sql;
    private final List<Object> parameters;

    private Statement(String sql, List<Object> parameters) {
        this.sql = sql;
        this.parameters = parameters;
    }

    /**
     * A statement of {@code sql} with {@code parameters} bound to its {@code ?} placeholders.
     *
     * @param sql        the SQL text, not blank
     * @param parameters the values to bind, possibly empty; copied, and an element may be null
     * @throws NullPointerException     when {@code sql} or {@code parameters} is null
     * @throws IllegalArgumentException when {@code sql} is blank
     */
    public static Statement of(String sql, List<?> parameters) {
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(parameters, "parameters");
        if (sql.isBlank()) {
            throw new IllegalArgumentException("sql must not be blank");
        }
        // List.copyOf refuses null elements, which are SQL NULLs here
        return new Statement(sql, Collections.unmodifiableList(new ArrayList<>(parameters)));
    }

    /** A statement of {@code sql} with {@code parameters}; see {@link #of(String, List)}. */
    public static Statement of(String sql, Object... parameters) {
        Objects.requireNonNull(parameters, "parameters");
        return of(sql, Arrays.asList(parameters));
    }

    /** The SQL text, with {@code ?} placeholders. */
    public String sql() {
        return sql;
    }

    /** The values bound to the placeholders, in order; unmodifiable, elements possibly null. */
    public List<Object> parameters() {
        return parameters;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Statement)) {
            return false;
        }
        Statement other = (Statement) o;
        return sql.equals(other.sql) && parameters.equals(other.parameters);
    }

    @Override
    public int hashCode() {
        return 31 * sql.hashCode() + parameters.hashCode();
    }

    /** The SQL text and the number of parameters; values are left out, as they may be secret. */
    @Override
    public String toString() {
        return "Statement[" + sql + ", " + parameters.size() + " parameters]";
    }
}
