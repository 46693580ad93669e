package dev.cacheaside.bench;

import java.util.Locale;

/**
 * Progress lines: one per cell, with its number out of the total and the time since the start,
 * so a run never sits silent. Thread safe.
 */
final class Progress {

    private final long start = System.nanoTime();
    private int done;
    private int total;

    synchronized void expect(int cells) {
        total += cells;
    }

    /** Prints a cell's result line, counting the cell as done. */
    synchronized void cell(String format, Object... args) {
        done++;
        System.out.printf(Locale.ROOT, "[%3d/%3d %s] %s%n", done, total, elapsed(), String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    /** Prints a note that is not a cell (a phase starting, a load step). */
    synchronized void note(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[        %s] %s%n", elapsed(), String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    String elapsed() {
        long s = (System.nanoTime() - start) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%2dm%02ds", s / 60, s % 60);
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
