package dev.cacheaside.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.env.QueryExecutorProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.r2dbc.SqlScript;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** RunSqlFile over the embedded H2 sample, with a map as the cache. */
class RunSqlFileTest {

    /** A minimal cache store: values and leases in a map, TTLs ignored (each test is short). */
    static final class MapStore implements CacheStore {
        private final Map<String, Object> entries = new ConcurrentHashMap<>();

        @Override
        public Mono<byte[]> get(String key) {
            return Mono.fromSupplier(() -> entries.get(key) instanceof byte[] ? (byte[]) entries.get(key) : null);
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return Mono.fromRunnable(() -> entries.put(key, value));
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return Mono.fromSupplier(() -> entries.remove(key) instanceof byte[]);
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return Mono.fromSupplier(() -> {
                String token = UUID.randomUUID().toString();
                Object now = entries.putIfAbsent(key, token);
                if (now == null) {
                    return CacheLookup.leaseWon(token);
                }
                return now instanceof byte[] ? CacheLookup.hit((byte[]) now) : CacheLookup.leaseHeld();
            });
        }

        @Override
        public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
            return Mono.fromSupplier(() -> entries.replace(key, leaseToken, value));
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    /** An executor on the in-memory H2 database {@code name}, with the scale-1 sample loaded. */
    static QueryExecutor h2(String name) {
        for (QueryExecutorProvider p : ServiceLoader.load(QueryExecutorProvider.class)) {
            if (p.engines().contains("h2")) {
                QueryExecutor executor = p.create("h2", Settings.of(Map.of("DB_NAME", name)));
                SampleData.generate(1).loadInto(executor).block(Duration.ofMinutes(1));
                return executor;
            }
        }
        throw new IllegalStateException("no h2 provider");
    }

    @Test
    void everySampleStatementMissesThenHits() throws IOException {
        for (String file : List.of("01_simple_queries.sql", "02_medium_queries.sql", "03_advanced_queries.sql")) {
            List<String> statements = SqlScript.split(RunSqlFile.read(file));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int code;
            try (CacheAside cache = CacheAside.builder().database(h2("runsqlfile")).cache(new MapStore()).build()) {
                code = RunSqlFile.run(statements, cache, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            }
            String output = bytes.toString(StandardCharsets.UTF_8);
            assertThat(code).as(file + " exit code; output:\n" + output).isZero();
            assertThat(count(output, "run 1: CACHE_MISS")).as(file + " misses").isEqualTo(statements.size());
            assertThat(count(output, "run 2: CACHE_HIT")).as(file + " hits").isEqualTo(statements.size());
            assertThat(output).contains(statements.size() + " statements, 0 failed");
        }
    }

    @Test
    void aFailingStatementIsReportedAndTheRunGoesOn() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (CacheAside cache = CacheAside.builder().database(h2("runsqlfilefail")).cache(new MapStore()).build()) {
            code = RunSqlFile.run(List.of("SELECT * FROM no_such_table", "SELECT COUNT(*) AS n FROM airline"), cache,
                    new PrintStream(bytes, true, StandardCharsets.UTF_8));
        }
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(1);
        assertThat(output).contains("failed: ").containsIgnoringCase("NO_SUCH_TABLE")
                .contains("run 2: CACHE_HIT").contains("2 statements, 1 failed");
    }

    @Test
    void readsFilesFromDiskOrClasspathAndLabelsStatements(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("mine.sql");
        Files.writeString(file, "SELECT 1;");
        assertThat(RunSqlFile.read(file.toString())).isEqualTo("SELECT 1;");
        assertThat(RunSqlFile.read("sql/01_simple_queries.sql")).isEqualTo(RunSqlFile.read("01_simple_queries.sql"));
        assertThat(RunSqlFile.label("-- An airline\n-- by id\nSELECT 1")).isEqualTo("An airline by id");
        assertThat(RunSqlFile.label("SELECT 1\nFROM t")).isEqualTo("SELECT 1");
        assertThat(RunSqlFile.label("-- file header\n\n-- Revenue per airline\nSELECT 1"))
                .as("a header separated by a blank line is not the label").isEqualTo("Revenue per airline");
        assertThat(RunSqlFile.syntax("MariaDB")).isEqualTo(SqlScript.Syntax.MYSQL);
        assertThat(RunSqlFile.syntax("postgres")).isEqualTo(SqlScript.Syntax.POSTGRESQL);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(RunSqlFile.run(new String[] {"nope.sql"}, Settings.empty(), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read nope.sql");
        assertThat(RunSqlFile.run(new String[0], Settings.empty(), System.out, System.out)).isEqualTo(2);
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
