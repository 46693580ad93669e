package dev.cacheaside.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The key rule: {@code prefix} + lowercase hex SHA-256.
 *
 * <p>Without parameters the hash is over the UTF-8 bytes of the SQL text exactly, so
 * {@code printf %s "$SQL" | sha256sum} gives the same key. With parameters the hash is over an
 * unambiguous encoding that starts with the byte {@code 0xFF} (which never occurs in UTF-8, so
 * it can never equal the text of some parameterless SQL), then the SQL and each parameter as a
 * type tag, a 4-byte big-endian length and the value's canonical bytes. So ("ab","c") and
 * ("a","bc") differ, and so do 1 and "1" and 1L.
 */
public final class CacheKeys {

    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    });

    /** The digest state after {@code 0xFF} and the SQL field, by SQL text; never updated once made. */
    private static final TextMemo<MessageDigest> SQL_STATES = new TextMemo<>(10_000, sql -> {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((byte) 0xFF);
            field(d, 'Q', sql.getBytes(StandardCharsets.UTF_8));
            return d;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    });

    private CacheKeys() {
    }

    public static String key(String prefix, String sql, List<Object> parameters) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        if (parameters.isEmpty()) {
            digest.update(sql.getBytes(StandardCharsets.UTF_8));
        } else {
            // the SQL part of the hash is the same every time: start from its remembered state
            try {
                digest = (MessageDigest) SQL_STATES.get(sql).clone();
            } catch (CloneNotSupportedException e) {
                digest.update((byte) 0xFF);
                field(digest, 'Q', sql.getBytes(StandardCharsets.UTF_8));
            }
            for (Object p : parameters) {
                parameter(digest, p);
            }
        }
        return prefix + HEX.formatHex(digest.digest());
    }

    private static void parameter(MessageDigest d, Object p) {
        if (p == null) {
            field(d, 'N', new byte[0]);
        } else if (p instanceof String) {
            field(d, 'S', ((String) p).getBytes(StandardCharsets.UTF_8));
        } else if (p instanceof Integer) {
            field(d, 'I', ByteBuffer.allocate(4).putInt((Integer) p).array());
        } else if (p instanceof Long) {
            field(d, 'L', ByteBuffer.allocate(8).putLong((Long) p).array());
        } else if (p instanceof Short) {
            field(d, 'H', ByteBuffer.allocate(2).putShort((Short) p).array());
        } else if (p instanceof Byte) {
            field(d, 'Y', new byte[] {(Byte) p});
        } else if (p instanceof Boolean) {
            field(d, 'Z', new byte[] {(byte) (((Boolean) p) ? 1 : 0)});
        } else if (p instanceof Double) {
            field(d, 'D', ByteBuffer.allocate(8).putLong(Double.doubleToLongBits((Double) p)).array());
        } else if (p instanceof Float) {
            field(d, 'F', ByteBuffer.allocate(4).putInt(Float.floatToIntBits((Float) p)).array());
        } else if (p instanceof BigDecimal) {
            field(d, 'M', ((BigDecimal) p).toString().getBytes(StandardCharsets.US_ASCII));
        } else if (p instanceof BigInteger) {
            field(d, 'G', ((BigInteger) p).toByteArray());
        } else if (p instanceof byte[]) {
            field(d, 'X', (byte[]) p);
        } else if (p instanceof UUID) {
            UUID u = (UUID) p;
            field(d, 'U', ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits()).array());
        } else {
            // java.time values: the class name keeps LocalDate and LocalDateTime apart, the ISO
            // text is canonical for each of them
            field(d, 'T', (p.getClass().getSimpleName() + '|' + p).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void field(MessageDigest d, char tag, byte[] bytes) {
        d.update((byte) tag);
        int n = bytes.length;
        d.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        d.update(bytes);
    }
}
