package dev.cacheaside.examples;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.SqlDialect;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Loads one {@link SampleData} through an executor; one instance per load. */
final class SampleLoader {

    private static final int PARALLEL_INSERTS = 4;
    private static final long PROGRESS_EVERY = 100_000;

    private final SampleData data;
    private final QueryExecutor executor;
    private final Consumer<String> progress;
    private final boolean keepAnyScale;
    private final SqlDialect dialect;

    SampleLoader(SampleData data, QueryExecutor executor, Consumer<String> progress, boolean keepAnyScale) {
        this.data = data;
        this.executor = executor;
        this.progress = progress;
        this.keepAnyScale = keepAnyScale;
        this.dialect = executor.dialect();
    }

    Mono<Void> load() {
        return Mono.defer(() -> {
            progress.accept("loading the airport sample (scale " + data.scale() + ", seed " + data.seed()
                    + ") into " + executor);
            return ensureMarkerTable()
                    .thenMany(Flux.fromIterable(data.tables()).concatMap(this::loadTable))
                    .then(Mono.fromRunnable(() -> progress.accept("sample loaded: " + data.rowCounts())));
        });
    }

    private Mono<Rows> sql(String sql, Object... parameters) {
        return executor.execute(sql, List.of(parameters));
    }

    private Mono<Void> ensureMarkerTable() {
        return tableExists(SampleData.MARKER_TABLE).flatMap(exists -> exists ? Mono.empty()
                : sql("CREATE TABLE " + SampleData.MARKER_TABLE + " (table_name VARCHAR(64) NOT NULL,"
                        + " scale INT NOT NULL, seed BIGINT NOT NULL, row_count BIGINT, PRIMARY KEY (table_name))")
                        .then());
    }

    private Mono<Boolean> tableExists(String table) {
        String query;
        String name = table;
        switch (dialect) {
            case MYSQL: // also MariaDB
                query = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?";
                break;
            case POSTGRESQL:
                query = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?";
                break;
            default:
                // H2 folds unquoted names to upper case, or to lower case with DATABASE_TO_LOWER
                query = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA"
                        + " AND UPPER(TABLE_NAME) = ?";
                name = table.toUpperCase(Locale.ROOT);
        }
        return sql(query, name).map(rows -> ((Number) rows.get(0, 0)).longValue() > 0);
    }

    private Mono<Long> count(String table) {
        return sql("SELECT COUNT(*) FROM " + table).map(rows -> ((Number) rows.get(0, 0)).longValue());
    }

    private Mono<Void> loadTable(SampleTable table) {
        Mono<Rows> marker = sql("SELECT scale, seed, row_count FROM " + SampleData.MARKER_TABLE
                + " WHERE table_name = ?", table.name);
        return Mono.zip(tableExists(table.name), marker).flatMap(t -> {
            boolean exists = t.getT1();
            Rows mark = t.getT2();
            if (exists && mark.isEmpty()) {
                return count(table.name).flatMap(n -> Mono.error(new IllegalStateException("table " + table.name
                        + " already exists and was not created by the sample loader (" + n + " rows); refusing to"
                        + " touch it: load the sample into another database or schema (DB_NAME), or drop the"
                        + " table yourself")));
            }
            if (!mark.isEmpty()) {
                int scale = ((Number) mark.get(0, 0)).intValue();
                long seed = ((Number) mark.get(0, 1)).longValue();
                Object rowCount = mark.get(0, 2);
                boolean complete = exists && rowCount != null;
                boolean same = scale == data.scale() && seed == data.seed();
                if (complete && (same || keepAnyScale)) {
                    return count(table.name).flatMap(n -> {
                        if (n == ((Number) rowCount).longValue()) {
                            progress.accept("  " + table.name + ": already loaded (scale " + scale + ", " + n + " rows)");
                            return Mono.empty();
                        }
                        return replace(table, exists);
                    });
                }
                return replace(table, exists);
            }
            return create(table);
        });
    }

    /** Drops a table this loader created (it has a marker row) and loads it again. */
    private Mono<Void> replace(SampleTable table, boolean exists) {
        Mono<Void> drop = exists ? sql("DROP TABLE " + table.name).then() : Mono.empty();
        return drop.then(sql("DELETE FROM " + SampleData.MARKER_TABLE + " WHERE table_name = ?", table.name))
                .then(create(table));
    }

    private Mono<Void> create(SampleTable table) {
        String timestamp = dialect == SqlDialect.MYSQL ? "DATETIME" : "TIMESTAMP";
        String ddl = "CREATE TABLE " + table.name + " (" + table.ddl.replace("{TIMESTAMP}", timestamp) + ")";
        long started = System.nanoTime();
        return sql(ddl)
                .then(sql("INSERT INTO " + SampleData.MARKER_TABLE + " (table_name, scale, seed, row_count)"
                        + " VALUES (?, ?, ?, NULL)", table.name, data.scale(), data.seed()))
                .then(insertRows(table))
                .then(Flux.fromIterable(table.indexes).concatMap(columns -> sql("CREATE INDEX idx_" + table.name + "_"
                        + columns.replace(", ", "_") + " ON " + table.name + " (" + columns + ")")).then())
                .then(sql("UPDATE " + SampleData.MARKER_TABLE + " SET row_count = ? WHERE table_name = ?",
                        table.rowCount, table.name))
                .then(Mono.fromRunnable(() -> progress.accept("  " + table.name + ": " + table.rowCount + " rows in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms")));
    }

    private Mono<Void> insertRows(SampleTable table) {
        int columns = table.columns.size();
        int perInsert = Math.max(1, SampleData.parametersPerInsert() / columns);
        String prefix = "INSERT INTO " + table.name + " (" + String.join(", ", table.columns) + ") VALUES ";
        StringBuilder tuple = new StringBuilder("(");
        for (int c = 0; c < columns; c++) {
            tuple.append(c == 0 ? "?" : ", ?");
        }
        tuple.append(')');
        String fullSql = statement(prefix, tuple.toString(), perInsert);
        Iterator<Object[]> rows = table.rows();
        AtomicLong inserted = new AtomicLong();
        Flux<List<Object[]>> batches = Flux.generate(sink -> {
            List<Object[]> batch = new ArrayList<>(perInsert);
            while (batch.size() < perInsert && rows.hasNext()) {
                batch.add(rows.next());
            }
            if (batch.isEmpty()) {
                sink.complete();
            } else {
                sink.next(batch);
            }
        });
        return batches.flatMap(batch -> {
            List<Object> parameters = new ArrayList<>(batch.size() * columns);
            for (Object[] row : batch) {
                for (Object v : row) {
                    parameters.add(v);
                }
            }
            String sql = batch.size() == perInsert ? fullSql : statement(prefix, tuple.toString(), batch.size());
            return executor.execute(sql, parameters).then(Mono.fromRunnable(() -> {
                long before = inserted.getAndAdd(batch.size());
                long after = before + batch.size();
                if (table.rowCount >= PROGRESS_EVERY && after / PROGRESS_EVERY != before / PROGRESS_EVERY) {
                    progress.accept("  " + table.name + ": " + after + " / " + table.rowCount + " rows");
                }
            }));
        }, PARALLEL_INSERTS, 1).then();
    }

    private static String statement(String prefix, String tuple, int rows) {
        StringBuilder sb = new StringBuilder(prefix.length() + rows * (tuple.length() + 2));
        sb.append(prefix);
        for (int i = 0; i < rows; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(tuple);
        }
        return sb.toString();
    }
}
