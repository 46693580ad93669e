package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * Encodes {@link Rows} to bytes and back, keeping every value's Java class: the codec's entry
 * point, in the format {@link RowFormat} describes, written by {@link RowEncoder} and read by
 * {@link RowDecoder}.
 *
 * <h2>Bounds</h2>
 * The encoder stops as soon as the entry passes its byte limit ({@link EntryTooLargeException}),
 * so a huge result never becomes a huge array. A {@link BigDecimal} or {@link BigInteger} longer
 * than {@value #MAX_NUMBER_CHARS} characters is refused ({@link UnsupportedValueException}). The
 * decoder is strict: it accepts only what the encoder writes (each field once, each row as wide
 * as the columns, each value of its column's type, numbers within the same length, an entry
 * within the byte limit) and refuses anything else with {@link CorruptEntryException}, the only
 * exception it throws for bad bytes.
 *
 * <p>Thread safe and stateless.
 */
public final class RowCodec {

    /** The format version written into every entry. */
    public static final int VERSION = RowFormat.VERSION;

    /** The longest text of a {@link BigDecimal} or {@link BigInteger} the codec writes or reads. */
    public static final int MAX_NUMBER_CHARS = RowFormat.MAX_NUMBER_CHARS;

    private RowCodec() {
    }

    /**
     * Encodes {@code rows}.
     *
     * @throws UnsupportedValueException when a value's class has no code; the message names the
     *     column and the class
     */
    public static byte[] encode(Rows rows) {
        return RowEncoder.encode(rows, 0, 0, 0, Integer.MAX_VALUE);
    }

    /**
     * Encodes {@code rows} with the entry's metadata: when it was written, until when it is
     * fresh (epoch milliseconds) and how long the database took to produce it (milliseconds),
     * which stale-while-revalidate and early refresh read back. Zeros are not written.
     *
     * @param maxBytes the largest entry to produce; encoding stops as soon as it is passed, so
     *     memory stays within about this size however large {@code rows} is
     * @throws UnsupportedValueException when a value's class has no code, or a number is longer
     *     than {@link #MAX_NUMBER_CHARS}
     * @throws EntryTooLargeException when the entry would be longer than {@code maxBytes}
     */
    public static byte[] encode(Rows rows, long writtenAtMillis, long freshUntilMillis, long loadMillis, int maxBytes) {
        return RowEncoder.encode(rows, writtenAtMillis, freshUntilMillis, loadMillis, maxBytes);
    }

    /**
     * Decodes bytes written by {@link #encode}, of any size.
     *
     * @throws CorruptEntryException when the bytes are not a complete entry of this version
     */
    public static Rows decode(byte[] bytes) {
        return decodeEntry(bytes, Integer.MAX_VALUE).rows();
    }

    /**
     * Decodes bytes written by {@link #encode} with their metadata, refusing anything the
     * encoder would not have written with {@code maxBytes}: more bytes, a field twice, a row of
     * another width than the columns, a value of another type than its column's code, an
     * unknown code, a number longer than {@link #MAX_NUMBER_CHARS}. The values decoded are new
     * objects that nothing else holds.
     *
     * @throws CorruptEntryException when the bytes are not such an entry; never any other
     *     exception for bad bytes
     */
    public static CachedEntry decodeEntry(byte[] bytes, int maxBytes) {
        return RowDecoder.decodeEntry(bytes, maxBytes);
    }

    /**
     * {@code yyyy-MM-dd} as {@link LocalDate#toString()} writes it, without a DateTimeFormatter;
     * anything else as {@link LocalDate#parse} reads it.
     */
    public static LocalDate parseLocalDate(String s) {
        return RowDecoder.parseLocalDate(s);
    }

    /**
     * {@code yyyy-MM-ddTHH:mm[:ss[.fraction]]} as {@link LocalDateTime#toString()} writes it,
     * without a DateTimeFormatter; anything else as {@link LocalDateTime#parse} reads it.
     */
    public static LocalDateTime parseLocalDateTime(String s) {
        return RowDecoder.parseLocalDateTime(s);
    }

    /** A value of a class the codec has no code for. */
    public static final class UnsupportedValueException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnsupportedValueException(String message) {
            super(message);
        }
    }

    /** An entry that would be longer than the limit it was encoded for; nothing is returned. */
    public static final class EntryTooLargeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        EntryTooLargeException(int limit) {
            super("the entry is longer than the limit of " + limit + " bytes");
        }
    }

    /** Bytes that are not a complete entry of this format version. */
    public static final class CorruptEntryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public CorruptEntryException(String message) {
            super(message);
        }

        public CorruptEntryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
