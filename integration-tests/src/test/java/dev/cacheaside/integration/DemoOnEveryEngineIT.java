package dev.cacheaside.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.env.Settings;
import dev.cacheaside.examples.Demo;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed's five-step demo ({@link Demo#run}) on every cache set-up and every database engine,
 * with only the settings changed, as a user changes {@code .env}: what it prints must be the
 * seed's story (miss, hit, refresh, invalidated, miss) in every cell. On the network caches, a
 * connection of our own looks at the cache between the steps: after step 2 the entry is under
 * exactly {@code "query:" + sha256hex(SQL)} and holds the row, after step 4 it is gone, after
 * step 5 it is back. Each client is warmed up in this JVM first; the demo in a cold JVM, exactly
 * as a user starts it, is {@link #theDemoAsAUserRunsItInAFreshJvm}.
 */
class DemoOnEveryEngineIT {

    static final List<String> CACHES = List.of("local", "redis", "valkey", "memcached", "redis-cluster");

    /** The key the seed computes: {@code query:} and the lowercase hex SHA-256 of the UTF-8 SQL. */
    static final String SEED_KEY = "query:" + sha256Hex(Demo.SQL);

    @BeforeAll
    static void demoDatabasesAndWarmClients() {
        for (String database : ItServers.DATABASES) {
            ItServers.ensureDemoDatabase(database);
        }
        // the matrix is about engines, not about a cold JVM: that is the fresh-JVM test's subject
        for (String cache : CACHES) {
            ItServers.warmUp(cache);
        }
    }

    static Stream<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (String cache : CACHES) {
            for (String database : ItServers.DATABASES) {
                cells.add(Arguments.of(cache, database));
            }
        }
        return cells.stream();
    }

    @ParameterizedTest(name = "cache {0}, database {1}")
    @MethodSource("cells")
    void theFiveStepsTellTheSeedsStory(String cache, String database) {
        Map<String, String> cacheVars = ItServers.cache(cache);
        Map<String, String> vars = new HashMap<>(ItServers.database(database));
        vars.putAll(cacheVars);
        Settings settings = Settings.of(vars);

        Map<String, byte[]> seen = new HashMap<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long start = System.nanoTime();
        try (RawCache raw = RawCache.forSetup(cache, cacheVars)) {
            // the demo prints a step's heading before running it: look at the cache right then
            Consumer<String> observer = raw == null ? line -> { } : line -> {
                if (line.startsWith("3. ")) {
                    seen.put("after step 2", raw.get(SEED_KEY));
                } else if (line.startsWith("5. ")) {
                    seen.put("after step 4", raw.get(SEED_KEY));
                }
            };
            Demo.run(settings, new ObservingStream(bytes, observer));
            if (raw != null) {
                seen.put("after step 5", raw.get(SEED_KEY));
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.printf("[demo] cache %-13s database %-10s %5d ms%n", cache, database, millis);

        List<String> sources = sources(out);
        assertThat(sources).as("the Source line of each of the steps 1, 2, 3 and 5; output:\n" + out)
                .containsExactly("CACHE_MISS", "CACHE_HIT", "CACHE_MISS", "CACHE_MISS");
        assertThat(out).as("step 4").contains("Cache invalidated: true");
        assertThat(out).as("the header names the engines")
                .contains("Database: " + database + ", cache: " + cacheVars.get("CACHE_ENGINE"));
        String airline = firstAirlineName(out);
        assertThat(airline).as("step 1 prints the row of airline 1; output:\n" + out).isNotBlank();
        assertThat(out).as("step 2 prints the same row").containsPattern("(?s)2\\. Second.*" + Pattern.quote(airline));

        if (!cache.equals("local")) {
            assertThat(seen.get("after step 2")).as(cache + ": an entry under exactly " + SEED_KEY + " after step 2")
                    .isNotNull();
            String value = new String(seen.get("after step 2"), StandardCharsets.UTF_8);
            assertThat(value).as(cache + ": the entry is the JSON of the row").startsWith("{").contains(airline);
            assertThat(seen.get("after step 4")).as(cache + ": nothing under the key after the invalidation").isNull();
            assertThat(seen.get("after step 5")).as(cache + ": the entry is back after step 5").isNotNull();
        }
        // a step that waited for a lease takes the whole lease wait: bound the steps 2, 3 and 5
        // by that configured wait, not the cell by a wall-clock budget that only holds on a quiet
        // machine. Step 1 is left out: it opens the database's first connection and, on H2,
        // loads the sample first, which nothing configured bounds
        Duration leaseWait = settings.getDuration("CACHE_LEASE_WAIT", CacheAsideOptions.DEFAULT_LEASE_WAIT);
        List<Double> latencies = latencies(out);
        assertThat(latencies).as("the latency of each of the steps 1, 2, 3 and 5; output:\n" + out).hasSize(4);
        assertThat(latencies.subList(1, 4)).as("steps 2, 3 and 5; output:\n" + out)
                .allSatisfy(stepMillis -> assertThat(stepMillis)
                        .as("no step waited out a lease (CACHE_LEASE_WAIT %s)", leaseWait)
                        .isLessThan((double) leaseWait.toMillis()));
    }

    /** The latency each step printed, in milliseconds, in order. */
    static List<Double> latencies(String out) {
        List<Double> latencies = new ArrayList<>();
        Matcher m = Pattern.compile("Latency: ([0-9.]+) ms").matcher(out);
        while (m.find()) {
            latencies.add(Double.parseDouble(m.group(1)));
        }
        return latencies;
    }

    /**
     * The demo exactly as a user runs it ({@code Demo.main}, configured by environment variables),
     * in a JVM of its own: nothing is warm, so the first cache operation also pays for opening the
     * connection and loading the client's classes. The in-process matrix above cannot see that:
     * its earlier cells warm the JVM for the later ones.
     */
    @ParameterizedTest(name = "cache {0}, fresh JVM")
    @ValueSource(strings = {"local", "redis", "valkey", "memcached", "redis-cluster"})
    void theDemoAsAUserRunsItInAFreshJvm(String cache) throws IOException, InterruptedException {
        Map<String, String> vars = new HashMap<>(ItServers.database("mariadb"));
        vars.putAll(ItServers.cache(cache));
        Path dir = Files.createTempDirectory("cacheaside-demo-");
        File output = dir.resolve("output.txt").toFile();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Demo.class.getName())
                .directory(dir.toFile()) // no .env there: only the variables below
                .redirectErrorStream(true)
                .redirectOutput(output);
        builder.environment().keySet().removeIf(k -> k.startsWith("DB_") || k.startsWith("CACHE_"));
        builder.environment().putAll(vars);
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the demo ends within 60 s").isTrue();
            String out = Files.readString(output.toPath(), StandardCharsets.UTF_8);
            System.out.printf("[demo] fresh JVM, cache %-13s exit %d in %d ms%s%n", cache, process.exitValue(),
                    (System.nanoTime() - start) / 1_000_000, process.exitValue() == 0 ? ""
                            : ": " + out.lines().filter(l -> l.startsWith("Demo failed")).findFirst().orElse(""));
            assertThat(process.exitValue()).as(cache + ": exit code; output:\n" + out).isZero();
            assertThat(sources(out)).as(cache + ": the Source line of the steps 1, 2, 3 and 5; output:\n" + out)
                    .containsExactly("CACHE_MISS", "CACHE_HIT", "CACHE_MISS", "CACHE_MISS");
            assertThat(out).as(cache + ": step 4").contains("Cache invalidated: true");
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(output.toPath());
            Files.deleteIfExists(dir);
        }
    }

    /** The Source of each step, in order. */
    static List<String> sources(String out) {
        List<String> sources = new ArrayList<>();
        Matcher m = Pattern.compile("Source: (\\w+)").matcher(out);
        while (m.find()) {
            sources.add(m.group(1));
        }
        return sources;
    }

    /** The airline name in step 1's printed row ({@code name=...} or {@code "name":...}). */
    static String firstAirlineName(String out) {
        Matcher m = Pattern.compile("(?i)airlinename\\W+([A-Za-z][A-Za-z ]+[A-Za-z])").matcher(out);
        return m.find() ? m.group(1) : "";
    }

    static String sha256Hex(String sql) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A print stream that hands each printed line to an observer, after printing it. */
    static final class ObservingStream extends PrintStream {
        private final Consumer<String> observer;

        ObservingStream(ByteArrayOutputStream out, Consumer<String> observer) {
            super(out, true, StandardCharsets.UTF_8);
            this.observer = observer;
        }

        @Override
        public void println(String line) {
            super.println(line);
            observer.accept(line.strip());
        }
    }
}
