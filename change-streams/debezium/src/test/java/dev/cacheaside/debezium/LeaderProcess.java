package dev.cacheaside.debezium;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.lettuce.LettuceCacheStore;
import dev.cacheaside.lettuce.LettuceStoreOptions;
import dev.cacheaside.spi.SqlDialect;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An instance with a change-stream consumer in a JVM of its own, so a test can kill it as an
 * operating system kills a process ({@link #kill()}: SIGKILL, no shutdown hook, no close, its
 * sockets closed by the kernel). {@link #main} is the instance; {@link #start} launches it with the
 * test's class path. The child exits by itself when its standard input ends (the test's JVM died),
 * so it never outlives a test run.
 */
final class LeaderProcess implements AutoCloseable {

    /** What the child prints once its consumer leads and its source made a conservative invalidation. */
    static final String INVALIDATED_EVERYTHING = "cdc-child: leading, every watched table invalidated";

    private final Process process;
    private volatile boolean invalidatedEverything;

    private LeaderProcess(Process process) {
        this.process = process;
        Thread echo = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.equals(INVALIDATED_EVERYTHING)) {
                        invalidatedEverything = true;
                    }
                    System.out.println("[child " + process.pid() + "] " + line);
                }
            } catch (IOException ignored) {
                // the child was killed
            }
        }, "cdc-child-output");
        echo.setDaemon(true);
        echo.start();
    }

    /**
     * Launches an instance whose cache uses {@code keyPrefix} on Redis {@code redis} ("host:port"),
     * whose database side reads {@code url}, and whose consumer runs {@code source} under the lease
     * {@code leaseKey} with time to live {@code leaseTtl}.
     */
    static LeaderProcess start(DebeziumSourceOptions source, String redis, String keyPrefix, String leaseKey,
            Duration leaseTtl, String url, SqlDialect dialect, Duration invalidationTimeout) throws IOException {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("database", source.database().name());
        args.put("host", source.host());
        args.put("port", Integer.toString(source.port()));
        args.put("user", source.user());
        args.put("databaseName", source.databaseName());
        args.put("schema", source.schema());
        args.put("slot", source.slot());
        args.put("publication", source.publication());
        args.put("serverId", Integer.toString(source.serverId()));
        args.put("name", source.name());
        args.put("redis", redis);
        args.put("keyPrefix", keyPrefix);
        args.put("leaseKey", leaseKey);
        args.put("leaseTtl", leaseTtl.toString());
        args.put("url", url);
        args.put("dialect", dialect.name());
        args.put("invalidationTimeout", invalidationTimeout.toString());
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "-Xmx256m", LeaderProcess.class.getName()));
        args.forEach((k, v) -> command.add(k + "=" + v));
        return new LeaderProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Whether the child leads and its source's start invalidated every watched table (a start without a stored position). */
    boolean invalidatedEverything() {
        return invalidatedEverything;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Kills the child with SIGKILL and waits (at most 30 s) until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child " + process.pid() + " did not die within 30 s of SIGKILL");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /** The child instance: arguments as {@code key=value}, see {@link #start}. */
    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : argv) {
            a.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        String[] hp = a.get("redis").split(":");
        LettuceStoreOptions storeOptions = LettuceStoreOptions.builder().standalone(hp[0], Integer.parseInt(hp[1]))
                .commandTimeout(Duration.ofSeconds(1)).build();
        CacheAside cache = CacheAside.builder()
                .database(new JdbcQueryExecutor(a.get("url"), a.get("user"), SqlDialect.valueOf(a.get("dialect"))))
                .cache(LettuceCacheStore.create(storeOptions))
                .options(CacheAsideOptions.builder().keyPrefix(a.get("keyPrefix"))
                        .invalidationTimeout(Duration.parse(a.get("invalidationTimeout"))).build())
                .build();
        DebeziumSourceOptions source = DebeziumSourceOptions.builder()
                .database(DebeziumSourceOptions.Database.valueOf(a.get("database"))).host(a.get("host"))
                .port(Integer.parseInt(a.get("port"))).user(a.get("user")).databaseName(a.get("databaseName"))
                .schema(a.get("schema")).slot(a.get("slot")).publication(a.get("publication"))
                .serverId(Integer.parseInt(a.get("serverId"))).name(a.get("name")).build();
        ChangeStreamConsumer consumer = ChangeStreamConsumer.builder().source(DebeziumChangeSource.create(source))
                .sink(cache.changeSink()).leaseStore(LettuceCacheStore.create(storeOptions))
                .leaseKey(a.get("leaseKey")).leaseTtl(Duration.parse(a.get("leaseTtl"))).build().start();
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is sent; end of input means the test's JVM is gone
                }
            } catch (IOException ignored) {
                // the same
            }
            Runtime.getRuntime().halt(3);
        }, "cdc-child-stdin");
        watch.setDaemon(true);
        watch.start();
        // waits, bounded by the test that launched it (which kills it), for the consumer to lead
        // and for its source's first invalidation (of everything, without a stored position)
        while (consumer.status() != ChangeStreamConsumer.Status.RUNNING || consumer.conservativeInvalidations() == 0) {
            Thread.sleep(10);
        }
        System.out.println(INVALIDATED_EVERYTHING);
        System.out.flush();
        Thread.currentThread().join();
    }
}
