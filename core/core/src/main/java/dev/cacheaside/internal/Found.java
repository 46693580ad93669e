package dev.cacheaside.internal;

import dev.cacheaside.spi.CacheLookup;

/** What a cache read found ({@link LeaseProtocol#lookup}), including the two ways of finding nothing. */
final class Found {

    enum Kind {
        /** A value: {@link #bytes}. */
        HIT,
        /** No value, and this caller won the lease: {@link #token}. */
        WON,
        /** No value, and another caller holds the lease. */
        HELD,
        /** No value (leases off). */
        ABSENT,
        /** The cache could not be read. */
        UNREACHABLE
    }

    static final Found ABSENT = new Found(Kind.ABSENT, null, null);
    static final Found UNREACHABLE = new Found(Kind.UNREACHABLE, null, null);
    static final Found HELD = new Found(Kind.HELD, null, null);

    final Kind kind;
    final byte[] bytes;
    final String token;

    private Found(Kind kind, byte[] bytes, String token) {
        this.kind = kind;
        this.bytes = bytes;
        this.token = token;
    }

    /** A value read without a lease ({@code get}). */
    static Found hit(byte[] bytes) {
        return new Found(Kind.HIT, bytes, null);
    }

    static Found of(CacheLookup lookup) {
        switch (lookup.kind()) {
            case HIT:
                return new Found(Kind.HIT, lookup.value(), null);
            case LEASE_WON:
                return new Found(Kind.WON, null, lookup.token());
            default:
                return HELD;
        }
    }
}
