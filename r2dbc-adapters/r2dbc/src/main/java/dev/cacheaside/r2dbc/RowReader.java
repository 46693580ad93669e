package dev.cacheaside.r2dbc;

import dev.cacheaside.spi.Rows;
import io.r2dbc.spi.Blob;
import io.r2dbc.spi.Clob;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a statement's results into {@link Rows}: columns in select order, values normalised to
 * types the cache codec stores (see {@link R2dbcQueryExecutor}, "Values"), every {@link Blob} and
 * {@link Clob} read out while the connection is still held, and no more than a bound number of
 * rows. Stateless.
 */
final class RowReader {

    private static final String PG_JSON = "io.r2dbc.postgresql.codec.Json";

    private RowReader() {
    }

    /**
     * Every row of {@code results}, read when the returned {@link Mono} is subscribed. A result
     * without rows has no column names.
     *
     * @param maxRows the most rows accepted, or 0 for no bound: the row past it fails the read
     *                with {@link R2dbcNonTransientResourceException} and cancels {@code results},
     *                so the rest is never read into memory
     * @param target  what the error for too many rows names
     */
    static Mono<Rows> read(Publisher<? extends Result> results, int maxRows, String target) {
        AtomicReference<List<String>> columns = new AtomicReference<>();
        Flux<Object[]> read = Flux.from(results)
                .concatMap(result -> result.map((row, metadata) -> read(row, metadata, columns)))
                .concatMap(RowReader::resolveLobs);
        if (maxRows > 0) {
            // the row past the limit fails the query and cancels the driver's stream, so the
            // rest is never read into memory and the connection goes back to the pool
            AtomicInteger count = new AtomicInteger();
            read = read.handle((row, sink) -> {
                if (count.incrementAndGet() > maxRows) {
                    sink.error(new R2dbcNonTransientResourceException("the query on " + target
                            + " returned more than " + maxRows + " rows, the limit (R2dbcOptions.maxRows,"
                            + " DB_MAX_ROWS); select fewer rows (WHERE, LIMIT) or raise the limit"));
                } else {
                    sink.next(row);
                }
            });
        }
        return read
                .collectList()
                .map(values -> {
                    List<String> names = columns.get();
                    if (names == null) {
                        return Rows.empty();
                    }
                    Rows.Builder builder = Rows.builder(names);
                    for (Object[] row : values) {
                        builder.add(row);
                    }
                    return builder.build();
                });
    }

    private static Object[] read(Row row, RowMetadata metadata, AtomicReference<List<String>> columns) {
        int n = metadata.getColumnMetadatas().size();
        if (columns.get() == null) {
            List<String> names = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(metadata.getColumnMetadata(i).getName());
            }
            columns.compareAndSet(null, names);
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            Object value = row.get(i);
            if (value != null && isPostgresJson(value.getClass())) {
                value = row.get(i, String.class);
            }
            values[i] = normalize(value);
        }
        return values;
    }

    /** Maps a driver value to a codec type where the class is known; see {@link R2dbcQueryExecutor}. */
    static Object normalize(Object value) {
        if (value instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
        if (value instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) value).toLocalDateTime();
        }
        if (value instanceof java.sql.Date) {
            return ((java.sql.Date) value).toLocalDate();
        }
        if (value instanceof java.sql.Time) {
            return ((java.sql.Time) value).toLocalTime();
        }
        if (value instanceof java.util.Date) {
            return ((java.util.Date) value).toInstant();
        }
        if (value instanceof Character) {
            return value.toString();
        }
        return value;
    }

    private static boolean isPostgresJson(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            if (c.getName().equals(PG_JSON)) {
                return true;
            }
        }
        return false;
    }

    /** Reads any Blob or Clob in the row to byte[] or String, while the connection is held. */
    private static Mono<Object[]> resolveLobs(Object[] row) {
        boolean any = false;
        for (Object v : row) {
            if (v instanceof Blob || v instanceof Clob) {
                any = true;
                break;
            }
        }
        if (!any) {
            return Mono.just(row);
        }
        return Flux.range(0, row.length)
                .concatMap(i -> {
                    Object v = row[i];
                    if (v instanceof Blob) {
                        return Flux.from(((Blob) v).stream())
                                .collect(ByteArrayOutputStream::new, (out, b) -> {
                                    ByteBuffer d = b.duplicate();
                                    byte[] chunk = new byte[d.remaining()];
                                    d.get(chunk);
                                    out.write(chunk, 0, chunk.length);
                                })
                                .doOnNext(out -> row[i] = out.toByteArray());
                    }
                    if (v instanceof Clob) {
                        return Flux.from(((Clob) v).stream())
                                .collect(StringBuilder::new, StringBuilder::append)
                                .doOnNext(sb -> row[i] = sb.toString());
                    }
                    return Mono.empty();
                })
                .then(Mono.just(row));
    }
}
