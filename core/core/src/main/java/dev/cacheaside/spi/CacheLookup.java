package dev.cacheaside.spi;

import java.util.Objects;

/**
 * What {@link CacheStore#getOrLease} found: a value, a lease won, or a lease held by another.
 *
 * <p>Immutable. The value array is handed over, not copied: neither side changes it afterwards.
 */
public final class CacheLookup {

    /** The three outcomes of a lookup. */
    public enum Kind {
        /** A value is stored under the key. */
        HIT,
        /** No value; this caller now holds the key's lease and should fill it. */
        LEASE_WON,
        /** No value; another caller holds the lease and is loading it. */
        LEASE_HELD
    }

    private static final CacheLookup HELD = new CacheLookup(Kind.LEASE_HELD, null, null);

    private final Kind kind;
    private final byte[] value;
    private final String token;

    private CacheLookup(Kind kind, byte[] value, String token) {
        this.kind = kind;
        this.value = value;
        this.token = token;
    }

    /** A lookup that found {@code value}. */
    public static CacheLookup hit(byte[] value) {
        return new CacheLookup(Kind.HIT, Objects.requireNonNull(value, "value"), null);
    }

    /** A lookup that found nothing and won the lease with {@code token}. */
    public static CacheLookup leaseWon(String token) {
        return new CacheLookup(Kind.LEASE_WON, null, Objects.requireNonNull(token, "token"));
    }

    /** A lookup that found nothing while another caller holds the lease. */
    public static CacheLookup leaseHeld() {
        return HELD;
    }

    /** The outcome. */
    public Kind kind() {
        return kind;
    }

    /** The value of a {@link Kind#HIT}; {@code null} otherwise. */
    public byte[] value() {
        return value;
    }

    /** The lease token of a {@link Kind#LEASE_WON}; {@code null} otherwise. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        switch (kind) {
            case HIT:
                return "CacheLookup[HIT, " + value.length + " bytes]";
            case LEASE_WON:
                return "CacheLookup[LEASE_WON]";
            default:
                return "CacheLookup[LEASE_HELD]";
        }
    }
}
