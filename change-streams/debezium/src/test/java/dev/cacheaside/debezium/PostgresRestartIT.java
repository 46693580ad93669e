package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.lettuce.LettuceCacheStore;
import dev.cacheaside.lettuce.LettuceStoreOptions;
import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A restart of the database server loses no change: on a PostgreSQL server of this test's own
 * (initdb into a temporary directory, a free port, {@code wal_level=logical}), never the shared one.
 */
class PostgresRestartIT {

    private static final Duration LAG_BOUND = ChangeStreamContract.LAG_BOUND;
    /** The server's start or stop under load ({@code pg_ctl -w -t 60}), then the source's restart (1 s backoff, a connect). */
    private static final Duration RECONNECT_BOUND = Duration.ofSeconds(60);

    private Path dir;
    private int port;
    private String bin;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (dir != null) {
            run(bin + "/pg_ctl", "-D", dir.toString(), "-m", "immediate", "-w", "stop");
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static String postgresBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .map(Path::toString).max(Comparator.naturalOrder()).orElse(null);
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + full);
        }
        return p.exitValue();
    }

    private void startServer() throws Exception {
        int rc = run(bin + "/pg_ctl", "-D", dir.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                        + " -c wal_level=logical -c fsync=off -c max_replication_slots=4 -c max_wal_senders=4", "start");
        assertThat(rc).as("pg_ctl start (see %s/server.log)", dir).isZero();
    }

    private String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private void set(int id, long v) throws SQLException {
        try (Connection c = DriverManager.getConnection(url(), "postgres", "");
                PreparedStatement s = c.prepareStatement("UPDATE cdc_item SET v = ? WHERE id = ?")) {
            s.setLong(1, v);
            s.setInt(2, id);
            s.executeUpdate();
        }
    }

    /** Whether the query answers {@code v}; a pooled connection the restart broke fails once (and is dropped). */
    private static boolean valueIs(CacheAside cache, String sql, int id, long v) {
        try {
            return (Long) cache.query(sql, id).block().rows().get(0, 0) == v;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void aServerRestartLosesNoChange() throws Exception {
        bin = postgresBin();
        if (bin == null || !new File("/usr/sbin/runuser").canExecute() || !"root".equals(System.getProperty("user.name"))) {
            // a server of its own needs the binaries, and root to run them as the postgres user
            Assumptions.abort("no PostgreSQL binaries (initdb, pg_ctl), no runuser, or not root: the restart is not tested");
        }
        String redis = TestServers.require("REDIS", 6379);
        dir = Files.createTempDirectory("cacheaside-pg-");
        UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(run(bin + "/initdb", "-D", dir.toString(), "-A", "trust", "-U", "postgres", "--no-sync")).as("initdb").isZero();
        startServer();
        try (Connection c = DriverManager.getConnection(url(), "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE cdc_item (id INT PRIMARY KEY, v BIGINT NOT NULL)");
            s.execute("INSERT INTO cdc_item VALUES (1, 0), (9, 0)");
        }

        String[] hp = redis.split(":");
        String run = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(hp[0], Integer.parseInt(hp[1])).commandTimeout(Duration.ofSeconds(1)).build());
        CacheAside cache = CacheAside.builder().database(new JdbcQueryExecutor(url(), "postgres", SqlDialect.POSTGRESQL))
                .cache(store).options(CacheAsideOptions.builder().keyPrefix("cdc-restart-" + run + ":")
                        .invalidationTimeout(ChangeStreamContract.INVALIDATION_TIMEOUT).build())
                .build();
        closeables.add(cache);
        LettuceCacheStore leaseStore = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(hp[0], Integer.parseInt(hp[1])).commandTimeout(Duration.ofSeconds(1)).build());
        closeables.add(leaseStore);
        ChangeStreamConsumer consumer = ChangeStreamConsumer.builder()
                .source(DebeziumChangeSource.create(DebeziumSourceOptions.builder()
                        .database(DebeziumSourceOptions.Database.POSTGRESQL).port(port).user("postgres")
                        .databaseName("postgres").name("restart-" + run).build()))
                .sink(cache.changeSink()).leaseStore(leaseStore).leaseKey("cdc-restart-" + run + ":leader")
                .leaseTtl(ChangeStreamContract.LEASE_TTL).build();
        closeables.add(consumer);
        consumer.start();
        String sql = "SELECT v FROM cdc_item WHERE id = ?";

        ChangeStreamContract.await("the first start's conservative invalidation", ChangeStreamContract.START_BOUND,
                () -> consumer.conservativeInvalidations() == 1);
        cache.query(sql, 9).block();
        set(9, 1);
        ChangeStreamContract.await("the consumer streams", ChangeStreamContract.START_BOUND,
                () -> (Long) cache.query(sql, 9).block().rows().get(0, 0) == 1L);

        cache.query(sql, 1).block();
        set(1, 400);   // committed just before the stop
        assertThat(run(bin + "/pg_ctl", "-D", dir.toString(), "-m", "fast", "-w", "-t", "60", "stop")).as("pg_ctl stop").isZero();
        startServer();
        set(9, 2);     // committed after the start
        ChangeStreamContract.await("the write before the restart reaches the cache", RECONNECT_BOUND.plus(LAG_BOUND),
                () -> valueIs(cache, sql, 1, 400));
        ChangeStreamContract.await("the write after the restart reaches the cache", RECONNECT_BOUND.plus(LAG_BOUND),
                () -> valueIs(cache, sql, 9, 2));
        assertThat(consumer.conservativeInvalidations()).as("both were streamed: the slot and the stored position"
                + " survived the restart, no conservative invalidation was needed").isEqualTo(1);
        System.out.printf("[cdc] POSTGRESQL server restart: source failures %d, conservative invalidations %d%n",
                consumer.sourceFailures(), consumer.conservativeInvalidations());
    }
}
