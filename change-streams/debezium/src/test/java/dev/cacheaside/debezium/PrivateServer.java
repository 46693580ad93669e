package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A database server of a test's own, never the shared one: its data in a temporary directory owned
 * by the server's system user, on a free port, with the change stream switched on (PostgreSQL:
 * {@code wal_level=logical}; MariaDB: a row-based binlog). A test may stop and start it at will;
 * {@link #close()} kills it and deletes its directory. Needs the server's binaries and root (the
 * servers run as their own users); {@link #postgres()} and {@link #mariadb()} abort the calling
 * test when either is missing.
 */
abstract class PrivateServer implements AutoCloseable {

    /** The longest a start or a clean stop may take on a loaded host (the servers' own default is 60 s too). */
    static final Duration START_STOP_BOUND = Duration.ofSeconds(60);

    final Path dir;
    final int port;

    private PrivateServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** A private PostgreSQL, created (initdb) and started; aborts the test without binaries or root. */
    static PrivateServer postgres() throws Exception {
        String bin = postgresBin();
        requireRoot(bin != null, "no PostgreSQL binaries (initdb, pg_ctl)");
        PrivateServer s = new Postgres(ownedTempDir("cacheaside-pg-", "postgres"), freePort(), bin);
        assertThat(runAs("postgres", bin + "/initdb", "-D", s.dir.toString(), "-A", "trust", "-U", "postgres", "--no-sync"))
                .as("initdb").isZero();
        s.start();
        return s;
    }

    /** A private MariaDB, created (mariadb-install-db) and started; aborts the test without binaries or root. */
    static PrivateServer mariadb() throws Exception {
        requireRoot(new File(MariaDb.SERVER).canExecute() && new File(MariaDb.INSTALL).canExecute(),
                "no MariaDB binaries (" + MariaDb.SERVER + ", " + MariaDb.INSTALL + ")");
        PrivateServer s = new MariaDb(ownedTempDir("cacheaside-mariadb-", "mysql"), freePort());
        assertThat(runAs("root", MariaDb.INSTALL, "--no-defaults", "--datadir=" + s.dir.resolve("data"), "--user=mysql",
                "--auth-root-authentication-method=normal", "--skip-test-db")).as("mariadb-install-db").isZero();
        s.start();
        return s;
    }

    /** Starts the server and returns once it accepts a JDBC connection. */
    abstract void start() throws Exception;

    /** Stops the server cleanly (a fast shutdown: sessions are ended, committed work is kept). */
    abstract void stop() throws Exception;

    /** Kills the server at once, for clean-up. */
    abstract void kill() throws Exception;

    abstract DebeziumSourceOptions.Database database();

    abstract SqlDialect dialect();

    abstract String user();

    /** The JDBC URL of the database the tests use ({@code postgres}, or MariaDB's {@code cdc}). */
    abstract String url();

    /** A fresh connection to {@link #url()}. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), user(), "");
    }

    /** A source reading this server's test database, stored position and lease under {@code name}. */
    abstract DebeziumSourceOptions.Builder sourceOptions(String name);

    /** The tables are created here, in this schema or database. */
    abstract String namespace();

    /** Kills the server and deletes its directory. */
    @Override
    public void close() throws Exception {
        try {
            kill();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    void awaitConnectable(String what) throws Exception {
        long deadline = System.nanoTime() + START_STOP_BOUND.toNanos();
        while (true) {
            try (Connection c = connect()) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(what + " did not accept a connection within " + START_STOP_BOUND, e);
                }
                Thread.sleep(50);
            }
        }
    }

    private static void requireRoot(boolean binaries, String missing) {
        if (!binaries || !new File("/usr/sbin/runuser").canExecute() || !"root".equals(System.getProperty("user.name"))) {
            // a server of its own needs the binaries, and root to run them as the server's user
            TestServers.unavailable(missing + ", no runuser, or not root: a private server cannot be started");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path ownedTempDir(String prefix, String owner) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(owner));
        return dir;
    }

    /** Runs {@code command} as {@code user} and returns its exit code; fails after the start/stop bound. */
    static int runAs(String user, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(START_STOP_BOUND.toSeconds() * 2, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + full);
        }
        return p.exitValue();
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

    /** PostgreSQL through {@code pg_ctl}, as the {@code postgres} user. */
    private static final class Postgres extends PrivateServer {
        private final String bin;

        Postgres(Path dir, int port, String bin) {
            super(dir, port);
            this.bin = bin;
        }

        @Override
        void start() throws Exception {
            int rc = runAs("postgres", bin + "/pg_ctl", "-D", dir.toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", Long.toString(START_STOP_BOUND.toSeconds()), "-o", "-p " + port
                            + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                            + " -c wal_level=logical -c fsync=off -c max_replication_slots=4 -c max_wal_senders=4",
                    "start");
            assertThat(rc).as("pg_ctl start (see %s/server.log)", dir).isZero();
            awaitConnectable("PostgreSQL on " + port);
        }

        @Override
        void stop() throws Exception {
            assertThat(runAs("postgres", bin + "/pg_ctl", "-D", dir.toString(), "-m", "fast", "-w", "-t",
                    Long.toString(START_STOP_BOUND.toSeconds()), "stop")).as("pg_ctl stop").isZero();
        }

        @Override
        void kill() throws Exception {
            runAs("postgres", bin + "/pg_ctl", "-D", dir.toString(), "-m", "immediate", "-w", "stop");
        }

        @Override
        DebeziumSourceOptions.Database database() {
            return DebeziumSourceOptions.Database.POSTGRESQL;
        }

        @Override
        SqlDialect dialect() {
            return SqlDialect.POSTGRESQL;
        }

        @Override
        String user() {
            return "postgres";
        }

        @Override
        String url() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        }

        @Override
        String namespace() {
            return "public";
        }

        @Override
        DebeziumSourceOptions.Builder sourceOptions(String name) {
            return DebeziumSourceOptions.builder().database(database()).port(port).user(user()).databaseName("postgres")
                    .name(name);
        }
    }

    /**
     * MariaDB: {@code mariadbd} as a child of the test's JVM (started as root, it runs as the
     * {@code mysql} user), with {@code log_bin}, {@code binlog_format=ROW} and a {@code server_id}.
     */
    private static final class MariaDb extends PrivateServer {
        static final String SERVER = "/usr/sbin/mariadbd";
        static final String INSTALL = "/usr/bin/mariadb-install-db";
        private Process process;

        MariaDb(Path dir, int port) {
            super(dir, port);
        }

        @Override
        void start() throws Exception {
            process = new ProcessBuilder(SERVER, "--no-defaults", "--user=mysql", "--datadir=" + dir.resolve("data"),
                    "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mysqld.sock"),
                    "--pid-file=" + dir.resolve("mysqld.pid"), "--log-error=" + dir.resolve("server.log"),
                    "--log-bin=" + dir.resolve("data/bin"), "--binlog-format=ROW", "--binlog-row-image=FULL",
                    "--server-id=1", "--log-bin-trust-function-creators=1", "--skip-name-resolve",
                    "--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=2")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            awaitConnectable("MariaDB on " + port + " (see " + dir + "/server.log)");
            try (Connection c = DriverManager.getConnection(root(""), "root", "");
                    java.sql.Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE IF NOT EXISTS cdc");
            }
        }

        @Override
        void stop() throws Exception {
            // SIGTERM: MariaDB's normal shutdown
            process.destroy();
            if (!process.waitFor(START_STOP_BOUND.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("MariaDB did not stop within " + START_STOP_BOUND + " (see " + dir + "/server.log)");
            }
        }

        @Override
        void kill() throws Exception {
            if (process != null) {
                process.destroyForcibly().waitFor(START_STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        }

        @Override
        void awaitConnectable(String what) throws Exception {
            long deadline = System.nanoTime() + START_STOP_BOUND.toNanos();
            while (true) {
                try (Connection c = DriverManager.getConnection(root(""), "root", "")) {
                    return;
                } catch (SQLException e) {
                    if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                        throw new AssertionError(what + " did not accept a connection within " + START_STOP_BOUND, e);
                    }
                    Thread.sleep(50);
                }
            }
        }

        private String root(String database) {
            return "jdbc:mysql://127.0.0.1:" + port + "/" + database + "?permitMysqlScheme&useSSL=false";
        }

        @Override
        DebeziumSourceOptions.Database database() {
            return DebeziumSourceOptions.Database.MARIADB;
        }

        @Override
        SqlDialect dialect() {
            return SqlDialect.MYSQL;
        }

        @Override
        String user() {
            return "root";
        }

        @Override
        String url() {
            return root("cdc");
        }

        @Override
        String namespace() {
            return "cdc";
        }

        @Override
        DebeziumSourceOptions.Builder sourceOptions(String name) {
            return DebeziumSourceOptions.builder().database(database()).port(port).user(user()).databaseName("cdc")
                    .serverId(54_002).name(name);
        }
    }
}
