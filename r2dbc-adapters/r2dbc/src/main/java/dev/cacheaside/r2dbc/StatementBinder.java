package dev.cacheaside.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Statement;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Turns SQL written with {@code ?} bind markers, and its parameters, into a driver's
 * {@link Statement}: the markers translated to the driver's own style, their number checked
 * against the parameters, and each parameter bound the way the driver takes it (see
 * {@link R2dbcQueryExecutor}, "Queries"). Immutable and thread safe.
 */
final class StatementBinder {

    private final Dialect dialect;
    private final R2dbcOptions.PlaceholderStyle placeholderStyle;

    /**
     * @param style the configured style; {@link R2dbcOptions.PlaceholderStyle#AUTO} means
     *              {@code $1..$n} on PostgreSQL and {@code ?} elsewhere
     */
    StatementBinder(Dialect dialect, R2dbcOptions.PlaceholderStyle style) {
        this.dialect = dialect;
        if (style == R2dbcOptions.PlaceholderStyle.AUTO) {
            style = dialect == Dialect.POSTGRESQL
                    ? R2dbcOptions.PlaceholderStyle.DOLLAR_NUMBERED
                    : R2dbcOptions.PlaceholderStyle.QUESTION_MARK;
        }
        this.placeholderStyle = style;
    }

    /** SQL with the driver's bind markers, and its parameters. */
    static final class Bound {
        final String sql;
        final List<?> parameters;

        Bound(String sql, List<?> parameters) {
            this.sql = sql;
            this.parameters = parameters;
        }
    }

    /**
     * {@code sql} with the driver's bind markers, paired with {@code parameters}.
     *
     * @throws IllegalArgumentException when {@code sql} is null or blank, or its number of bind
     *     markers is not the number of parameters
     * @throws NullPointerException when {@code parameters} is null
     */
    Bound translate(String sql, List<?> parameters) {
        if (sql == null || sql.isBlank()) {
            throw new IllegalArgumentException("sql must not be null or blank");
        }
        Objects.requireNonNull(parameters, "parameters");
        Placeholders.Translated translated = placeholderStyle == R2dbcOptions.PlaceholderStyle.DOLLAR_NUMBERED
                ? Placeholders.dollarNumbered(sql)
                : Placeholders.questionMarks(sql, dialect.syntax);
        if (translated.count != parameters.size()) {
            throw new IllegalArgumentException("the SQL has " + translated.count
                    + " bind markers (?) but " + parameters.size() + " parameters were given");
        }
        return new Bound(translated.sql, parameters);
    }

    /** A statement of {@code connection} for {@code bound}, every parameter bound; not yet executed. */
    Statement prepare(Connection connection, Bound bound) {
        Statement statement = connection.createStatement(bound.sql);
        for (int i = 0; i < bound.parameters.size(); i++) {
            bind(statement, i, bound.parameters.get(i));
        }
        return statement;
    }

    private void bind(Statement statement, int index, Object value) {
        if (value == null) {
            // PostgreSQL: Object binds the unspecified type, so the server infers it from the
            // context; the other drivers have no encoder for Object and take a String null anywhere
            statement.bindNull(index, dialect == Dialect.POSTGRESQL ? Object.class : String.class);
        } else if (value instanceof byte[] && dialect != Dialect.H2) {
            // every server driver takes a ByteBuffer; r2dbc-h2 takes byte[] as it is, while its
            // ByteBuffer path goes through a blocking Blob adapter that can hang
            statement.bind(index, ByteBuffer.wrap((byte[]) value));
        } else {
            statement.bind(index, value);
        }
    }
}
