package dev.cacheaside.debezium;

import dev.cacheaside.debezium.DebeziumSourceOptions.Database;
import dev.cacheaside.spi.ChangeSink;
import dev.cacheaside.spi.ChangeSource;
import dev.cacheaside.spi.TableChanges;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A {@link ChangeSource} on Debezium's embedded engine: PostgreSQL through a logical replication
 * slot ({@code pgoutput}), MariaDB through its row-based binlog. Each batch of committed changes
 * becomes one {@link TableChanges} of the tables it wrote, named {@code schema.table}
 * (PostgreSQL) or {@code database.table} (MariaDB); the batch's position is stored (in
 * {@link DebeziumSourceOptions#offsetsTable()}) only after the sink's invalidation completed.
 *
 * <p>Before it streams, a run checks its stored position ({@link StartCheck}); without a usable
 * one it first fixes a new position (PostgreSQL: creates the slot; MariaDB: the current binlog
 * position), then delivers {@link TableChanges#everything} for every watched table, then streams
 * from that position. The engine and every JDBC call run on a thread of their own, never on the
 * subscriber's; the sink's {@link Mono} is awaited there, up to
 * {@link DebeziumSourceOptions#invalidationWait()}.
 */
public final class DebeziumChangeSource implements ChangeSource {

    private static final Logger log = LoggerFactory.getLogger(DebeziumChangeSource.class);

    private final DebeziumSourceOptions options;

    private DebeziumChangeSource(DebeziumSourceOptions options) {
        this.options = options;
    }

    /** A source reading what {@code options} describe; nothing connects until {@link #run}. */
    public static DebeziumChangeSource create(DebeziumSourceOptions options) {
        return new DebeziumChangeSource(java.util.Objects.requireNonNull(options, "options"));
    }

    @Override
    public String description() {
        return options.toString();
    }

    /**
     * MariaDB: the binlog client's keep-alive interval; a lost binlog connection is noticed and
     * reconnected within two of it.
     */
    static final java.time.Duration BINLOG_KEEP_ALIVE = java.time.Duration.ofSeconds(5);

    /**
     * PostgreSQL: how long the engine waits before it asks again for a replication slot the server
     * still reports active. The server frees a slot a moment after its connection closed, and the
     * engine opens a new one right after closing the last: after it found where to resume (its WAL
     * position search reconnects), and when a consumer starts right after another stopped (a
     * handover, a restart). With Debezium's default of 10 s each such race left the stream unread
     * for 10 s (measured after a takeover: streaming 13.2 s after the kill instead of about 4 s).
     */
    static final java.time.Duration SLOT_RETRY_DELAY = java.time.Duration.ofMillis(500);

    /**
     * PostgreSQL: how long, in all, the engine keeps asking for an active slot before it fails (and
     * the consumer starts it again): 60 s, the server's default {@code wal_sender_timeout}, after
     * which it ends the session of a peer that vanished without closing its connection; Debezium's
     * default waits as long (6 times 10 s).
     */
    static final java.time.Duration SLOT_RETRY_TOTAL = java.time.Duration.ofSeconds(60);

    /** The longest a cancel waits for the engine's thread to end (its last offset flush included). */
    private static final java.time.Duration STOP_WAIT = java.time.Duration.ofSeconds(30);

    @Override
    public Mono<Void> run(ChangeSink sink) {
        java.util.Objects.requireNonNull(sink, "sink");
        return Mono.create(done -> {
            AtomicReference<DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>>> engine = new AtomicReference<>();
            AtomicBoolean cancelled = new AtomicBoolean();
            Thread runner = new Thread(() -> runEngine(sink, done, engine, cancelled), "cache-aside-cdc-" + options.name());
            runner.setDaemon(true);
            done.onCancel(() -> {
                // blocks until the engine stopped and its thread ended, so no batch is delivered and
                // no position is written after the cancel returns: cancel from a thread that may
                // block (the consumer uses boundedElastic)
                cancelled.set(true);
                runner.interrupt();
                closeQuietly(engine.get());
                try {
                    runner.join(STOP_WAIT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (runner.isAlive()) {
                    log.warn("change stream {}: the engine thread did not end within {} of the stop", options.name(),
                            STOP_WAIT);
                }
            });
            runner.start();
        });
    }

    private void runEngine(ChangeSink sink, MonoSink<Void> done,
            AtomicReference<DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>>> engine, AtomicBoolean cancelled) {
        try {
            StartCheck.Outcome start = new StartCheck(options).run();
            if (start.conservativeReason() != null) {
                List<String> qualified = new ArrayList<>();
                for (String t : start.tables()) {
                    qualified.add(options.namespace() + "." + t);
                }
                log.info("change stream {}: {}; invalidating every watched table before streaming", options.name(),
                        start.conservativeReason());
                sink.accept(TableChanges.everything(qualified, start.conservativeReason()))
                        .block(options.invalidationWait());
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> e = DebeziumEngine.create(Connect.class)
                    .using(properties(start.tables()))
                    .notifying((records, committer) -> {
                        Set<String> tables = new LinkedHashSet<>();
                        Object position = null;
                        for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
                            String table = tableOf(event.value());
                            if (table != null) {
                                tables.add(table);
                            }
                            position = event.value().sourceOffset();
                        }
                        if (!tables.isEmpty()) {
                            sink.accept(TableChanges.of(tables, String.valueOf(position))).block(options.invalidationWait());
                        }
                        for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
                            committer.markProcessed(event);
                        }
                        committer.markBatchFinished();
                    })
                    .using((success, message, error) -> {
                        if (!success) {
                            failure.set(error != null ? error : new IllegalStateException(message));
                        }
                    })
                    .build();
            engine.set(e);
            if (cancelled.get()) {
                // cancelled while it checked or built: the cancel may have found no engine to close
                closeQuietly(e);
                return;
            }
            e.run();
            Throwable f = failure.get();
            if (f != null) {
                done.error(f);
            } else {
                done.success();
            }
        } catch (Throwable t) {
            closeQuietly(engine.get());
            done.error(t);
        }
    }

    /** {@code schema.table} or {@code database.table} of a data change; null for any other record. */
    private String tableOf(SourceRecord record) {
        if (!(record.value() instanceof Struct value) || value.schema().field("source") == null
                || value.schema().field("op") == null) {
            return null;
        }
        Struct source = value.getStruct("source");
        String table = source.getString("table");
        if (table == null) {
            return null;
        }
        String namespace = options.database() == Database.POSTGRESQL ? source.getString("schema") : source.getString("db");
        return namespace == null ? table : namespace + "." + table;
    }

    private Properties properties(List<String> tables) {
        Properties p = new Properties();
        p.setProperty("name", options.name());
        p.setProperty("topic.prefix", options.name());
        p.setProperty("offset.storage", JdbcOffsetStore.class.getName());
        p.setProperty(JdbcOffsetStore.URL, options.jdbcUrl());
        p.setProperty(JdbcOffsetStore.USER, options.user());
        p.setProperty(JdbcOffsetStore.PASSWORD, options.password());
        p.setProperty(JdbcOffsetStore.TABLE, options.offsetsTable());
        p.setProperty(JdbcOffsetStore.NAME, options.name());
        // positions are stored after each batch's invalidation; a crash delivers again what came after
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("database.hostname", options.host());
        p.setProperty("database.port", Integer.toString(options.port()));
        p.setProperty("database.user", options.user());
        p.setProperty("database.password", options.password());
        p.setProperty("poll.interval.ms", Long.toString(Math.max(1, options.pollInterval().toMillis())));
        p.setProperty("max.batch.size", "2048");
        p.setProperty("include.schema.changes", "false");
        p.setProperty("tombstones.on.delete", "false");
        List<String> qualified = new ArrayList<>();
        for (String t : tables) {
            qualified.add(options.namespace() + "." + t);
        }
        p.setProperty("table.include.list", String.join(",", qualified.stream().map(DebeziumChangeSource::exact).toList()));
        if (options.database() == Database.POSTGRESQL) {
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.setProperty("database.dbname", options.databaseName());
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("slot.name", options.slot());
            p.setProperty("publication.name", options.publication());
            p.setProperty("publication.autocreate.mode", "disabled");
            p.setProperty("snapshot.mode", "no_data");
            p.setProperty("slot.drop.on.stop", Boolean.toString(options.dropSlotOnClose()));
            p.setProperty("status.update.interval.ms", "1000");
            p.setProperty("slot.retry.delay.ms", Long.toString(SLOT_RETRY_DELAY.toMillis()));
            p.setProperty("slot.max.retries", Long.toString(SLOT_RETRY_TOTAL.toMillis() / SLOT_RETRY_DELAY.toMillis()));
            // while the watched tables are idle and others are busy, heartbeats still move the stored
            // position and the slot forward, so the slot does not retain WAL for nothing
            p.setProperty("heartbeat.interval.ms", "10000");
        } else {
            p.setProperty("connector.class", "io.debezium.connector.mysql.MySqlConnector");
            p.setProperty("database.protocol", MariaDbCompatDriver.PROTOCOL);
            p.setProperty("database.jdbc.driver", MariaDbCompatDriver.class.getName());
            p.setProperty("database.server.id", Integer.toString(options.serverId()));
            p.setProperty("database.include.list", options.databaseName());
            // the schema is read again from the tables at each start, from the stored position on
            p.setProperty("snapshot.mode", "recovery");
            p.setProperty("snapshot.locking.mode", "none");
            p.setProperty("schema.history.internal", "io.debezium.relational.history.MemorySchemaHistory");
            p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
            // the binlog client notices a lost connection (a server restart) only from its keep-alive
            // thread, which wakes every interval and reconnects once no event (the server's heartbeat
            // events come every 0.8 interval) arrived for an interval: within two intervals. Debezium's
            // default of 60 s left a restarted server unread for up to two minutes
            p.setProperty("connect.keep.alive", "true");
            p.setProperty("connect.keep.alive.interval.ms", Long.toString(BINLOG_KEEP_ALIVE.toMillis()));
        }
        return p;
    }

    /** A table include-list entry matching exactly {@code name} (the list is regular expressions). */
    private static String exact(String name) {
        return name.replace(".", "\\.");
    }

    private static void closeQuietly(DebeziumEngine<?> engine) {
        if (engine == null) {
            return;
        }
        try {
            engine.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing the change stream's engine failed: {}", e.toString());
        }
    }
}
