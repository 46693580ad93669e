package dev.cacheaside.r2dbc;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java function for H2 ({@code CREATE ALIAS ... FOR}) that counts its calls, then holds its
 * thread like a long computation: an interrupt does not end it early.
 */
public final class H2Hold {

    /** Calls that have started. */
    public static final AtomicInteger STARTED = new AtomicInteger();
    /** Calls that have ended. */
    public static final AtomicInteger ENDED = new AtomicInteger();
    /** Calls whose thread was interrupted while they held it. */
    public static final AtomicInteger INTERRUPTED = new AtomicInteger();

    private H2Hold() {
    }

    /**
     * Holds the thread H2 runs the statement on for {@code millis}, interrupted or not (the
     * interrupt is kept for the caller); returns {@code millis}.
     */
    public static long sleep(long millis) {
        STARTED.incrementAndGet();
        long end = System.nanoTime() + millis * 1_000_000L;
        boolean interrupted = false;
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            INTERRUPTED.incrementAndGet();
            Thread.currentThread().interrupt();
        }
        ENDED.incrementAndGet();
        return millis;
    }
}
