package dev.cacheaside.memcached;

import java.util.Arrays;

/**
 * One answer of a memcached server to a meta command: a status code, the return flags of a
 * {@code VA}/{@code HD}/{@code EN}/... line, the value block of a {@code VA}, or the message of an
 * error line.
 *
 * <p>Immutable (the value array is handed over, not copied).
 */
final class Response {

    /** The status of a response line. */
    enum Status {
        /** {@code VA}: a value follows. */
        VALUE,
        /** {@code HD}: success, no value. */
        HEADER,
        /** {@code EN}: miss. */
        MISS,
        /** {@code NF}: not found. */
        NOT_FOUND,
        /** {@code NS}: not stored. */
        NOT_STORED,
        /** {@code EX}: the CAS did not match. */
        EXISTS,
        /** {@code MN}: the answer to {@code mn}. */
        NOOP,
        /** {@code SERVER_ERROR message}. */
        SERVER_ERROR,
        /** {@code CLIENT_ERROR message}. */
        CLIENT_ERROR,
        /** {@code ERROR}: the server did not know the command. */
        ERROR
    }

    private final Status status;
    private final String[] flags;
    private final byte[] value;
    private final String message;

    Response(Status status, String[] flags, byte[] value, String message) {
        this.status = status;
        this.flags = flags;
        this.value = value;
        this.message = message;
    }

    Status status() {
        return status;
    }

    /** The value block of a {@link Status#VALUE}; {@code null} otherwise. */
    byte[] value() {
        return value;
    }

    /** The message of an error line; {@code null} otherwise. */
    String message() {
        return message;
    }

    /** Whether the return flag {@code flag} (for example {@code 'W'}) is present. */
    boolean has(char flag) {
        return token(flag) != null;
    }

    /** The token after return flag {@code flag} ({@code ""} for a flag without one), or {@code null}. */
    String token(char flag) {
        for (String f : flags) {
            if (!f.isEmpty() && f.charAt(0) == flag) {
                return f.substring(1);
            }
        }
        return null;
    }

    Response withValue(byte[] block) {
        return new Response(status, flags, block, message);
    }

    /** A description for error messages: the status line, never the value. */
    @Override
    public String toString() {
        if (message != null) {
            return status + " " + message;
        }
        return status + (flags.length == 0 ? "" : " " + String.join(" ", flags))
                + (value == null ? "" : " (" + value.length + " bytes)");
    }

    String[] flags() {
        return Arrays.copyOf(flags, flags.length);
    }
}
