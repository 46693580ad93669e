package dev.cacheaside.bench;

import java.util.ArrayList;
import java.util.List;

/** Everything one run measured, filled in by the suites and read by {@link Report}. */
final class Results {

    /** A sample statement: its file's level (simple, medium, advanced), its place in the file, label and SQL. */
    record Statement(String level, int index, String label, String sql) {
        String name() {
            return level + " #" + index;
        }
    }

    /** One JMH benchmark: score in its unit, allocation per operation in bytes (NaN when not measured). */
    record Jmh(String benchmark, String params, double score, double error, String unit, double allocBytes) {
    }

    /** One line of the seed's table: uncached (force refresh) against cache hits, at concurrency 1. */
    record Line(String database, String cache, Statement statement, int rows, int bytes,
                double dbP50Millis, double dbP99Millis, long dbSamples,
                double hitP50Micros, double hitP99Micros, long hitSamples) {
        double improvement() {
            return dbP50Millis * 1000 / hitP50Micros;
        }
    }

    /** The hit path against its floor: medians over the rounds of one variant at one concurrency. */
    record Floor(String store, String variant, int concurrency, double throughput, double p50Micros,
                 double p99Micros, long errors) {
    }

    /** Database queries counted at the adapter per burst of cold concurrent requests, one per repeat. */
    record Stampede(String cache, boolean leases, int instances, int requests, List<Long> queries) {
    }

    String mode;
    int scale;
    String database;
    double seconds;
    final List<Jmh> jmh = new ArrayList<>();
    final List<Line> lines = new ArrayList<>();
    final List<Floor> floors = new ArrayList<>();
    final List<Stampede> stampedes = new ArrayList<>();
    String floorStatement;
    String stampedeStatement;
    final List<String> notes = new ArrayList<>();
}
