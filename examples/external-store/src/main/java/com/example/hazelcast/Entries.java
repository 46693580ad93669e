package com.example.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@link HazelcastCacheStore} keeps in its maps, and the entry processors that change it.
 *
 * <p>An entry of the data map is a value ({@code [0] + bytes}) or a lease
 * ({@code [1] + deadline (8 bytes, epoch millis of the member) + token}); any other bytes there
 * (written by another client) are foreign and read as no value. A lease is held while Hazelcast
 * keeps the entry and its own deadline has not passed, so a lease whose expiry was removed from
 * outside still ends in time. An entry of the tag map is a string ({@link Tag}): the tag's
 * deadline (epoch millis), a counter, then each key registered under it with the counter's value
 * at its last registration (keys hold no spaces).
 *
 * <p>Each processor runs on the partition thread of the member that owns the key, atomically for
 * that key, and never blocks. The fields are serializable, so the processors also run on a
 * remote member whose classpath holds this class.
 */
final class Entries {

    static final byte VALUE = 0;
    static final byte LEASE = 1;
    private static final int LEASE_HEADER = 1 + Long.BYTES;

    /**
     * How much longer than its own deadline Hazelcast keeps a lease: Hazelcast counts expiry in
     * whole seconds, so a lease could otherwise lapse up to a second early; its deadline ends it.
     */
    static final long LEASE_SLACK_MILLIS = 1000;

    private Entries() {
    }

    static byte[] value(byte[] bytes) {
        byte[] entry = new byte[bytes.length + 1];
        entry[0] = VALUE;
        System.arraycopy(bytes, 0, entry, 1, bytes.length);
        return entry;
    }

    static byte[] lease(String token, long deadlineMillis) {
        byte[] t = token.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(LEASE_HEADER + t.length).put(LEASE).putLong(deadlineMillis).put(t).array();
    }

    /** Whether {@code entry} is a value this store wrote, of at most {@code maxValueBytes}. */
    static boolean isValue(byte[] entry, int maxValueBytes) {
        return entry != null && entry.length >= 1 && entry.length - 1 <= maxValueBytes && entry[0] == VALUE;
    }

    static byte[] valueOf(byte[] entry) {
        return Arrays.copyOfRange(entry, 1, entry.length);
    }

    /** Whether {@code entry} is a lease this store wrote whose own deadline is after {@code now}. */
    static boolean isLiveLease(byte[] entry, long now) {
        return entry != null && entry.length > LEASE_HEADER && entry[0] == LEASE && leaseDeadline(entry) > now;
    }

    static long leaseDeadline(byte[] entry) {
        return ByteBuffer.wrap(entry, 1, Long.BYTES).getLong();
    }

    static String leaseToken(byte[] entry) {
        return new String(entry, LEASE_HEADER, entry.length - LEASE_HEADER, StandardCharsets.US_ASCII);
    }

    /** Neither a value nor a lease of this store: bytes another client wrote, or an oversized value. */
    static boolean isForeign(byte[] entry, int maxValueBytes) {
        return entry != null && !isValue(entry, maxValueBytes) && !(entry.length > LEASE_HEADER && entry[0] == LEASE);
    }

    @SuppressWarnings("unchecked")
    private static void put(Map.Entry<String, byte[]> entry, byte[] value, long ttlMillis) {
        ((ExtendedMapEntry<String, byte[]>) entry).setValue(value, ttlMillis, TimeUnit.MILLISECONDS);
    }

    /** What {@link GetOrLease} returns when another caller holds the lease. */
    static final byte[] HELD = {LEASE};

    /**
     * The value entry (a hit), the new lease entry (a lease won), or {@link #HELD} (the held lease
     * cut to this lookup's lease TTL when it had longer to run); results are bytes so that a
     * remote member can send them. Foreign bytes and a lease past its own deadline count as nothing.
     */
    static final class GetOrLease implements EntryProcessor<String, byte[], byte[]> {
        private static final long serialVersionUID = 1L;
        private final String token;
        private final long leaseMillis;
        private final int maxValueBytes;

        GetOrLease(String token, long leaseMillis, int maxValueBytes) {
            this.token = token;
            this.leaseMillis = leaseMillis;
            this.maxValueBytes = maxValueBytes;
        }

        @Override
        public byte[] process(Map.Entry<String, byte[]> entry) {
            byte[] current = entry.getValue();
            long now = System.currentTimeMillis();
            if (isValue(current, maxValueBytes)) {
                return current;
            }
            long cut = now + leaseMillis;
            if (isLiveLease(current, now)) {
                if (leaseDeadline(current) > cut) {
                    put(entry, lease(leaseToken(current), cut), leaseMillis + LEASE_SLACK_MILLIS);
                }
                return HELD;
            }
            byte[] won = lease(token, cut);
            put(entry, won, leaseMillis + LEASE_SLACK_MILLIS);
            return won;
        }
    }

    /** Stores a value in place of the lease with {@code token}, if that lease is still held. */
    static final class Fill implements EntryProcessor<String, byte[], Boolean> {
        private static final long serialVersionUID = 1L;
        private final String token;
        private final byte[] value;
        private final long ttlMillis;

        Fill(String token, byte[] value, long ttlMillis) {
            this.token = token;
            this.value = value;
            this.ttlMillis = ttlMillis;
        }

        @Override
        public Boolean process(Map.Entry<String, byte[]> entry) {
            byte[] current = entry.getValue();
            if (!isLiveLease(current, System.currentTimeMillis()) || !leaseToken(current).equals(token)) {
                return false;
            }
            put(entry, value(value), ttlMillis);
            return true;
        }
    }

    /** Removes the lease with {@code token}, if that lease is still held; never a value. */
    static final class Release implements EntryProcessor<String, byte[], Boolean> {
        private static final long serialVersionUID = 1L;
        private final String token;

        Release(String token) {
            this.token = token;
        }

        @Override
        public Boolean process(Map.Entry<String, byte[]> entry) {
            byte[] current = entry.getValue();
            if (isLiveLease(current, System.currentTimeMillis()) && leaseToken(current).equals(token)) {
                entry.setValue(null);
                return true;
            }
            return false;
        }
    }

    /** Replaces the value if it is exactly {@code expected}; a lease or foreign bytes never match. */
    static final class Replace implements EntryProcessor<String, byte[], Boolean> {
        private static final long serialVersionUID = 1L;
        private final byte[] expected;
        private final byte[] value;
        private final long ttlMillis;
        private final int maxValueBytes;

        Replace(byte[] expected, byte[] value, long ttlMillis, int maxValueBytes) {
            this.expected = expected;
            this.value = value;
            this.ttlMillis = ttlMillis;
            this.maxValueBytes = maxValueBytes;
        }

        @Override
        public Boolean process(Map.Entry<String, byte[]> entry) {
            byte[] current = entry.getValue();
            if (!isValue(current, maxValueBytes)
                    || !Arrays.equals(current, 1, current.length, expected, 0, expected.length)) {
                return false;
            }
            put(entry, value(value), ttlMillis);
            return true;
        }
    }

    /** Removes the entry if it still holds exactly the foreign bytes a read found. */
    static final class RemoveForeign implements EntryProcessor<String, byte[], Boolean> {
        private static final long serialVersionUID = 1L;
        private final byte[] found;

        RemoveForeign(byte[] found) {
            this.found = found;
        }

        @Override
        public Boolean process(Map.Entry<String, byte[]> entry) {
            if (Arrays.equals(entry.getValue(), found)) {
                entry.setValue(null);
                return true;
            }
            return false;
        }
    }

    /**
     * A tag entry read back: its deadline, the stamp of its last registration, and each key with
     * the stamp of its own last registration. Written as {@code "deadline counter key=stamp ..."}.
     */
    static final class Tag {
        long deadline;
        long counter;
        final Map<String, Long> members = new LinkedHashMap<>();

        static Tag parse(String entry) {
            Tag tag = new Tag();
            if (entry == null) {
                return tag;
            }
            String[] parts = entry.split(" ");
            tag.deadline = Long.parseLong(parts[0]);
            tag.counter = Long.parseLong(parts[1]);
            for (int i = 2; i < parts.length; i++) {
                int eq = parts[i].lastIndexOf('=');
                tag.members.put(parts[i].substring(0, eq), Long.parseLong(parts[i].substring(eq + 1)));
            }
            return tag;
        }

        /** Writes the tag back with the TTL left to its deadline, or removes it when it holds no key. */
        @SuppressWarnings("unchecked")
        void store(Map.Entry<String, String> entry, long now) {
            if (members.isEmpty() || deadline <= now) {
                entry.setValue(null);
                return;
            }
            StringBuilder sb = new StringBuilder().append(deadline).append(' ').append(counter);
            members.forEach((key, stamp) -> sb.append(' ').append(key).append('=').append(stamp));
            ((ExtendedMapEntry<String, String>) entry).setValue(sb.toString(), deadline - now, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Registers a key under a tag with a new stamp, and keeps the tag until at least
     * {@code ttlMillis} from now (never less than it had).
     */
    static final class AddToTag implements EntryProcessor<String, String, Void> {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final long ttlMillis;

        AddToTag(String key, long ttlMillis) {
            this.key = key;
            this.ttlMillis = ttlMillis;
        }

        @Override
        public Void process(Map.Entry<String, String> entry) {
            Tag tag = Tag.parse(entry.getValue());
            long now = System.currentTimeMillis();
            tag.deadline = Math.max(tag.deadline, now + ttlMillis);
            tag.counter++;
            tag.members.put(key, tag.counter);
            tag.store(entry, now);
            return null;
        }
    }

    /**
     * Unregisters the keys an invalidation removed, each only if it was not registered again
     * since (its stamp is still the one the invalidation read): a key tagged again stays for the
     * next invalidation.
     */
    static final class Unregister implements EntryProcessor<String, String, Void> {
        private static final long serialVersionUID = 1L;
        private final HashMap<String, Long> removed;

        Unregister(Map<String, Long> removed) {
            this.removed = new HashMap<>(removed);
        }

        @Override
        public Void process(Map.Entry<String, String> entry) {
            if (entry.getValue() == null) {
                return null;
            }
            Tag tag = Tag.parse(entry.getValue());
            removed.forEach((key, stamp) -> tag.members.remove(key, stamp));
            tag.store(entry, System.currentTimeMillis());
            return null;
        }
    }
}
