package dev.cacheaside.internal;

/** Receives the timings of database and cache calls; the facade's metrics implement it. */
public interface Recorder {

    /** Records nothing. */
    Recorder NONE = new Recorder() {
        @Override
        public void database(long nanos, boolean success) {
        }

        @Override
        public void cache(String operation, long nanos, boolean success) {
        }
    };

    /** One database query took {@code nanos}. */
    void database(long nanos, boolean success);

    /** One cache call ({@code read}, {@code write}, {@code delete}) took {@code nanos}. */
    void cache(String operation, long nanos, boolean success);
}
