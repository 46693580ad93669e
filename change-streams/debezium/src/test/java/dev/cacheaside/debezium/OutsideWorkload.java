package dev.cacheaside.debezium;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntToLongFunction;
import java.util.function.LongUnaryOperator;

/**
 * Outside writers and readers of a test's rows 0..7, recorded so a test can count stale answers
 * afterwards: two writers (rows of one parity each, every value of a row higher than the last, so
 * an answer is stale exactly when it is lower than what was due) and two readers through the
 * caches under test. Row 9 is left to the test's probes.
 *
 * <p>With {@code outages} set, a write or read that fails (the server is down) is counted, not
 * fatal: the writer reconnects and goes on. A write whose statement failed is recorded nowhere (it
 * may or may not have committed; a later, higher value of its row settles it), so only writes
 * known to be committed set what is due.
 */
final class OutsideWorkload {

    /** A write known to be committed, at {@code committed} ({@link System#nanoTime()}, after the commit returned). */
    record Write(int row, long value, long committed) {
    }

    /** A read that started at {@code started} and answered {@code value}. */
    record Read(int row, long value, long started) {
    }

    /** Opens a writer's connection. */
    interface Connector {
        Connection connect() throws SQLException;
    }

    static final int ROWS = 8;

    private final Connector connector;
    private final String table;
    private final long[] start;
    private final List<IntToLongFunction> readers;
    private final boolean outages;
    private final Queue<Write> writes = new ConcurrentLinkedQueue<>();
    private final Queue<Read> reads = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final AtomicLong failedStatements = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param start   each row's value before the run
     * @param readers how to read a row through each cache under test (a reader picks one at random per read)
     */
    OutsideWorkload(Connector connector, String table, long[] start, List<IntToLongFunction> readers, boolean outages) {
        this.connector = connector;
        this.table = table;
        this.start = start.clone();
        this.readers = List.copyOf(readers);
        this.outages = outages;
    }

    OutsideWorkload start() {
        for (int k = 0; k < 2; k++) {
            int parity = k;
            threads.add(new Thread(() -> write(parity), "outside-writer-" + k));
            threads.add(new Thread(this::read, "outside-reader-" + k));
        }
        threads.forEach(Thread::start);
        return this;
    }

    private void write(int parity) {
        long[] next = start.clone();
        Connection c = null;
        try {
            while (!stop.get()) {
                int row = parity + 2 * ThreadLocalRandom.current().nextInt(ROWS / 2);
                long value = ++next[row];
                try {
                    if (c == null) {
                        c = connector.connect();
                        c.setAutoCommit(true);
                    }
                    try (PreparedStatement s = c.prepareStatement("UPDATE " + table + " SET v = ? WHERE id = ?")) {
                        s.setLong(1, value);
                        s.setInt(2, row);
                        s.executeUpdate();
                    }
                    writes.add(new Write(row, value, System.nanoTime()));
                } catch (SQLException e) {
                    if (!outages) {
                        throw e;
                    }
                    failedStatements.incrementAndGet();
                    closeQuietly(c);
                    c = null;
                }
                // paces the writers (a few dozen writes a second each), so readers see each value
                Thread.sleep(ThreadLocalRandom.current().nextInt(5, 25));
            }
        } catch (Throwable e) {
            failed.compareAndSet(null, e);
        } finally {
            closeQuietly(c);
        }
    }

    private void read() {
        try {
            while (!stop.get()) {
                int row = ThreadLocalRandom.current().nextInt(ROWS);
                long t = System.nanoTime();
                try {
                    reads.add(new Read(row, readers.get(ThreadLocalRandom.current().nextInt(readers.size())).applyAsLong(row), t));
                } catch (RuntimeException e) {
                    if (!outages) {
                        throw e;
                    }
                    failedStatements.incrementAndGet();
                    Thread.sleep(5);
                }
            }
        } catch (Throwable e) {
            failed.compareAndSet(null, e);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a connection the outage broke
            }
        }
    }

    /** Stops the threads, waiting for each at most 30 s; returns what failed them, or null. */
    Throwable stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        return failed.get();
    }

    /** The number of writes known to be committed so far. */
    int writes() {
        return writes.size();
    }

    /** The number of writes known to be committed after {@code since} ({@link System#nanoTime()}). */
    long writesAfter(long since) {
        return writes.stream().filter(w -> w.committed() - since > 0).count();
    }

    /**
     * The number of writes committed after {@code since} and at least {@code bound} ago: writes whose
     * bound has passed, so the reads since then check them.
     */
    long writesDue(long since, java.time.Duration bound) {
        long until = System.nanoTime() - bound.toNanos();
        return writes.stream().filter(w -> w.committed() - since > 0 && w.committed() - until <= 0).count();
    }

    int reads() {
        return reads.size();
    }

    /** Statements and reads that failed (outages only). */
    long failedStatements() {
        return failedStatements.get();
    }

    /** The outcome of {@link #check}: reads checked against a due write, and how many answered older values. */
    record Staleness(long checked, long stale) {
    }

    /**
     * Counts the stale reads: a read that started after a write's due time ({@code due} of the
     * write's commit time) and answered a lower value of that row.
     */
    Staleness check(LongUnaryOperator due) {
        List<List<long[]>> dueByRow = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            dueByRow.add(new ArrayList<>());
        }
        for (Write w : writes) {
            dueByRow.get(w.row()).add(new long[] {due.applyAsLong(w.committed()), w.value()});
        }
        long checked = 0;
        long stale = 0;
        for (Read read : reads) {
            long required = start[read.row()];
            for (long[] d : dueByRow.get(read.row())) {
                if (d[0] - read.started() < 0) {
                    required = Math.max(required, d[1]);
                }
            }
            if (required > start[read.row()]) {
                checked++;
            }
            if (read.value() < required) {
                stale++;
            }
        }
        return new Staleness(checked, stale);
    }
}
