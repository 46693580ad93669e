package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;
import static dev.cacheaside.internal.RowFormat.ALL_NULL;
import static dev.cacheaside.internal.RowFormat.CODES;
import static dev.cacheaside.internal.RowFormat.JSON;
import static dev.cacheaside.internal.RowFormat.MAX_NUMBER_CHARS;
import static dev.cacheaside.internal.RowFormat.MIXED;
import static dev.cacheaside.internal.RowFormat.VERSION;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.cacheaside.internal.RowCodec.EntryTooLargeException;
import dev.cacheaside.internal.RowCodec.UnsupportedValueException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * Writes {@link Rows} in the {@link RowFormat}, with Jackson's streaming generator.
 *
 * <h2>Bounds</h2>
 * The encoder writes into a sink that stops it as soon as the entry passes its byte limit
 * ({@link EntryTooLargeException}), so a huge result never becomes a huge array. A
 * {@link BigDecimal} or {@link BigInteger} longer than {@value RowFormat#MAX_NUMBER_CHARS}
 * characters is refused ({@link UnsupportedValueException}).
 *
 * <p>Thread safe; stateless apart from the shared {@link com.fasterxml.jackson.core.JsonFactory}.
 */
final class RowEncoder {

    private RowEncoder() {
    }

    /**
     * Encodes {@code rows} with the entry's metadata: when it was written, until when it is
     * fresh (epoch milliseconds) and how long the database took to produce it (milliseconds),
     * which stale-while-revalidate and early refresh read back. Zeros are not written.
     *
     * @param maxBytes the largest entry to produce; encoding stops as soon as it is passed, so
     *     memory stays within about this size however large {@code rows} is
     * @throws UnsupportedValueException when a value's class has no code, or a number is longer
     *     than {@link RowFormat#MAX_NUMBER_CHARS}
     * @throws EntryTooLargeException when the entry would be longer than {@code maxBytes}
     */
    static byte[] encode(Rows rows, long writtenAtMillis, long freshUntilMillis, long loadMillis, int maxBytes) {
        List<String> columns = rows.columns();
        int width = columns.size();
        String[] types = new String[width];
        for (int c = 0; c < width; c++) {
            types[c] = columnType(rows, c, columns.get(c));
        }
        BoundedSink out = new BoundedSink(maxBytes, (int) Math.min(maxBytes, 256L + (long) rows.size() * width * 8));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            if (writtenAtMillis != 0) {
                g.writeNumberField("w", writtenAtMillis);
            }
            if (freshUntilMillis != 0) {
                g.writeNumberField("f", freshUntilMillis);
            }
            if (loadMillis != 0) {
                g.writeNumberField("d", loadMillis);
            }
            g.writeArrayFieldStart("c");
            for (String column : columns) {
                g.writeString(column);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("t");
            for (String type : types) {
                g.writeString(type);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("r");
            for (int r = 0; r < rows.size(); r++) {
                g.writeStartArray();
                for (int c = 0; c < width; c++) {
                    Object value = rows.get(r, c);
                    if (value == null) {
                        g.writeNull();
                    } else if (types[c] == MIXED) {
                        g.writeStartArray();
                        String code = CODES.get(value.getClass());
                        g.writeString(code);
                        write(g, code, value);
                        g.writeEndArray();
                    } else {
                        write(g, types[c], value);
                    }
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("encoding rows failed", e);
        }
        return out.toByteArray();
    }

    /**
     * Bytes written so far, refusing to grow past a limit: the write that would pass it throws
     * {@link EntryTooLargeException}, which Jackson passes through unchanged.
     */
    private static final class BoundedSink extends OutputStream {
        private final int limit;
        private byte[] buffer;
        private int size;

        BoundedSink(int limit, int initial) {
            this.limit = limit;
            this.buffer = new byte[Math.max(16, initial)];
        }

        @Override
        public void write(int b) {
            ensure(1);
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buffer, size, len);
            size += len;
        }

        private void ensure(int more) {
            long needed = (long) size + more;
            if (needed > limit) {
                throw new EntryTooLargeException(limit);
            }
            if (needed > buffer.length) {
                long grown = Math.max(needed, Math.min((long) limit, buffer.length * 2L));
                buffer = Arrays.copyOf(buffer, (int) Math.min(grown, Integer.MAX_VALUE - 8));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buffer, size);
        }
    }

    private static String columnType(Rows rows, int c, String name) {
        String type = ALL_NULL;
        for (int r = 0; r < rows.size(); r++) {
            Object value = rows.get(r, c);
            if (value == null) {
                continue;
            }
            String code = CODES.get(value.getClass());
            if (code == null) {
                throw new UnsupportedValueException("column '" + name + "' holds a "
                        + value.getClass().getName() + ", which the cache cannot store; supported: "
                        + ParameterTypes.supportedNames());
            }
            if (type == ALL_NULL) {
                type = code;
            } else if (!type.equals(code)) {
                type = MIXED;
            }
        }
        return type;
    }

    private static void write(JsonGenerator g, String code, Object v) throws IOException {
        switch (code) {
            case "s":
                g.writeString((String) v);
                break;
            case "i":
                g.writeNumber((Integer) v);
                break;
            case "l":
                g.writeNumber((Long) v);
                break;
            case "h":
                g.writeNumber((Short) v);
                break;
            case "y":
                g.writeNumber((Byte) v);
                break;
            case "b":
                g.writeBoolean((Boolean) v);
                break;
            case "d":
                writeDouble(g, (Double) v);
                break;
            case "f":
                writeDouble(g, ((Float) v).doubleValue());
                break;
            case "bin":
                g.writeBinary((byte[]) v);
                break;
            case "D":
            case "B":
                // as text, which keeps scale and size exactly; as long as the reader accepts
                String text = v.toString();
                if (text.length() > MAX_NUMBER_CHARS) {
                    throw new UnsupportedValueException("a " + v.getClass().getSimpleName() + " of "
                            + text.length() + " characters is longer than the " + MAX_NUMBER_CHARS
                            + " the cache stores");
                }
                g.writeString(text);
                break;
            default:
                // java.time and UUID as their ISO text, which each class parses back to an equal value
                g.writeString(v.toString());
        }
    }

    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeString(Double.toString(d));
        }
    }
}
