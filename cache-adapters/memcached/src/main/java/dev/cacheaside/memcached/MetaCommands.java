package dev.cacheaside.memcached;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the meta commands this store sends ({@code mg}, {@code ms}, {@code md}) and checks keys.
 *
 * <p>Every command carries {@code O<opaque>} so that the connection can check that each answer
 * belongs to the request at the head of its queue. Values are written with client flags
 * {@link #VALUE_FLAGS}, which the empty placeholder item created by {@code mg ... N} (a lease)
 * never has: a read tells a real value from a lease by them and by the {@code W}/{@code Z} flags.
 */
final class MetaCommands {

    /** Client flags on every value this store writes. */
    static final String VALUE_FLAGS = "1";

    /** Memcached's key length limit, in bytes. */
    static final int MAX_KEY_LENGTH = 250;

    private MetaCommands() {
    }

    /**
     * Why {@code key} cannot be used with memcached, or {@code null} when it can: 1 to 250 bytes
     * of printable ASCII without spaces or control characters.
     */
    static String invalidKey(String key) {
        if (key == null) {
            return "key must not be null";
        }
        if (key.isEmpty()) {
            return "key must not be empty";
        }
        if (key.length() > MAX_KEY_LENGTH) {
            return "key is " + key.length() + " characters long; memcached allows at most " + MAX_KEY_LENGTH;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                return "key contains " + (c == ' ' ? "a space" : String.format("the character U+%04X", (int) c))
                        + " at index " + i + "; memcached keys are printable ASCII without spaces";
            }
        }
        return null;
    }

    /** {@code mg <key> v f O<opaque>}: the value and its client flags. */
    static Buffer get(String key, long opaque) {
        return line("mg " + key + " v f O" + opaque);
    }

    /**
     * {@code mg <key> v c f O<opaque>}: the value, its CAS and client flags, for a compare and
     * set ({@code replace}); never creates a placeholder.
     */
    static Buffer getWithCas(String key, long opaque) {
        return line("mg " + key + " v c f O" + opaque);
    }

    /**
     * {@code mg <key> v c f N<exptime> O<opaque>}: the value, or, on a miss, an empty placeholder
     * that lives {@code exptime} and a {@code W} (won) flag with its CAS; later callers see
     * {@code Z} until it is replaced or gone.
     */
    static Buffer getOrLease(String key, long leaseExptime, long opaque) {
        return line("mg " + key + " v c f t N" + leaseExptime + " O" + opaque);
    }

    /** {@code ms <key> <size> T<exptime> F1 O<opaque>} and the value: an unconditional set. */
    static Buffer set(String key, byte[] value, long exptime, long opaque) {
        return withValue("ms " + key + " " + value.length + " T" + exptime + " F" + VALUE_FLAGS + " O" + opaque, value);
    }

    /**
     * {@code ms <key> <size> C<cas> T<exptime> F1 O<opaque>} and the value: a set only over the
     * item with that CAS (a lease's placeholder for a fill, the value read for a replace); the
     * server answers {@code EX} when the item changed since, {@code NF} when it is gone.
     */
    static Buffer setIfCas(String key, long cas, byte[] value, long exptime, long opaque) {
        return withValue("ms " + key + " " + value.length + " C" + cas + " T" + exptime + " F" + VALUE_FLAGS
                + " O" + opaque, value);
    }

    /** {@code md <key> O<opaque>}. */
    static Buffer delete(String key, long opaque) {
        return line("md " + key + " O" + opaque);
    }

    /** {@code md <key> C<cas> O<opaque>}: deletes only the item with that CAS (a lease given up). */
    static Buffer deleteIfCas(String key, long cas, long opaque) {
        return line("md " + key + " C" + cas + " O" + opaque);
    }

    /**
     * {@code ms <key> <size> MA O<opaque>} and the bytes: appends to an existing item (a tag's
     * list), keeping its TTL; {@code NS} when there is no item, or when the result would be
     * larger than the server's item size limit (the item is then unchanged).
     */
    static Buffer append(String key, byte[] bytes, long opaque) {
        return withValue("ms " + key + " " + bytes.length + " MA O" + opaque, bytes);
    }

    /** {@code ms <key> <size> ME T<exptime> O<opaque>} and the bytes: stores only when there is no item ({@code NS} otherwise). */
    static Buffer add(String key, byte[] bytes, long exptime, long opaque) {
        return withValue("ms " + key + " " + bytes.length + " ME T" + exptime + " O" + opaque, bytes);
    }

    /** {@code mg <key> s t O<opaque>}: the item's size and remaining TTL in seconds ({@code -1}: none), no value. */
    static Buffer sizeAndTtl(String key, long opaque) {
        return line("mg " + key + " s t O" + opaque);
    }

    /** {@code mg <key> v c t O<opaque>}: the value, its CAS and its remaining TTL, for a tag's list. */
    static Buffer getList(String key, long opaque) {
        return line("mg " + key + " v c t O" + opaque);
    }

    /**
     * {@code ms <key> <size> C<cas> T<exptime> O<opaque>} and the bytes: rewrites a tag's list
     * only over the item with that CAS ({@code EX} when it changed, {@code NF} when it is gone).
     */
    static Buffer setListIfCas(String key, long cas, byte[] bytes, long exptime, long opaque) {
        return withValue("ms " + key + " " + bytes.length + " C" + cas + " T" + exptime + " O" + opaque, bytes);
    }

    /** {@code mg <key> O<opaque>}: {@code HD} when the key holds anything (a value or a lease placeholder), {@code EN} otherwise. */
    static Buffer exists(String key, long opaque) {
        return line("mg " + key + " O" + opaque);
    }

    /** {@code mn}: answered with {@code MN} after everything sent before it. */
    static Buffer noop() {
        return line("mn");
    }

    private static Buffer line(String command) {
        Buffer b = Buffer.buffer(command.length() + 2);
        b.appendString(command, StandardCharsets.US_ASCII.name()).appendString("\r\n");
        return b;
    }

    private static Buffer withValue(String command, byte[] value) {
        Buffer b = Buffer.buffer(command.length() + value.length + 4);
        b.appendString(command, StandardCharsets.US_ASCII.name()).appendString("\r\n")
                .appendBytes(value).appendString("\r\n");
        return b;
    }
}
